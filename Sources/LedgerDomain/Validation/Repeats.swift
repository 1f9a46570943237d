/// Compares a resent event with the stored one on the normalised content
/// (`source type subject time data evidence`), as section 10 says.
enum Repeats {
    static let fields = ["source", "type", "subject", "time", "data", "evidence"]

    static func sameContent(_ event: JSONObject, storedLine: [UInt8]) throws -> Bool {
        guard case .object(let stored) = try JSONParser.parse(storedLine) else { return false }
        return normalised(event) == normalised(stored)
    }

    /// The canonical bytes of the six fields, the time normalised to UTC when it parses;
    /// nil when a value has no canonical form (a non-finite number), which matches nothing.
    static func normalised(_ event: JSONObject) -> [UInt8]? {
        var object = JSONObject()
        for key in fields {
            guard var value = event[key] else { continue }
            if key == "time", case .string(let s) = value, let t = TimeParser.parse(s) {
                value = .string(t.description)
            }
            guard value.isCanonicalisable else { return nil }
            object[key] = value
        }
        return CanonicalJSON.encode(.object(object))
    }
}

extension JSONValue {
    /// Whether every number inside is finite (JCS has no form for the others).
    var isCanonicalisable: Bool {
        switch self {
        case .number(let d, _): d.isFinite
        case .array(let items): items.allSatisfy(\.isCanonicalisable)
        case .object(let object): object.members.allSatisfy { $0.value.isCanonicalisable }
        default: true
        }
    }
}
