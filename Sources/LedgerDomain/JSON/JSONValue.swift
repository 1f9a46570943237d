/// A parsed JSON value. Objects keep their members in input order; duplicate keys are refused
/// by the parser, so a member name appears once.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number: its value and whether it was written as a plain integer (no fraction, no exponent).
    case number(Double, plainInteger: Bool)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A number from an integer, as written by the daemon itself.
    public static func int(_ value: Int) -> JSONValue { .number(Double(value), plainInteger: true) }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let d, _) = self { return d }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member `key` of an object, nil for other values.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }
}

/// Lookup and replacement by name in members kept in order (JSON objects, projected data);
/// a name appears once, a nil value removes the member.
enum NamedMembers {
    static func value<V>(of key: String, in members: [(key: String, value: V)]) -> V? {
        members.first(where: { $0.key.utf8.count == key.utf8.count && $0.key == key })?.value
    }

    static func set<V>(_ key: String, to newValue: V?, in members: inout [(key: String, value: V)]) {
        if let index = members.firstIndex(where: { $0.key == key }) {
            if let newValue { members[index].value = newValue } else { members.remove(at: index) }
        } else if let newValue {
            members.append((key, newValue))
        }
    }
}

/// A JSON object's members in input order, with lookup by name.
public struct JSONObject: Sendable, Equatable {
    public private(set) var members: [(key: String, value: JSONValue)]

    public init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = members
    }

    public subscript(key: String) -> JSONValue? {
        get { NamedMembers.value(of: key, in: members) }
        set { NamedMembers.set(key, to: newValue, in: &members) }
    }

    public var keys: [String] { members.map(\.key) }
    public var isEmpty: Bool { members.isEmpty }
    public var count: Int { members.count }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for (key, value) in lhs.members where rhs[key] != value { return false }
        return true
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .number(value, plainInteger: false) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public typealias Key = String
    public typealias Value = JSONValue
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }
}
