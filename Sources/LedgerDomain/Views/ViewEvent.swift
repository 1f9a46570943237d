/// The parts of a stored event that projections read. It is decoded either from the canonical
/// line (JSON) or from the binary projection record stored beside it at append time
/// (`ViewRecord`); both give the same value, so every fold runs the same code.
public struct ViewEvent: Sendable {
    public var seq: UInt64
    /// The event's id (empty when decoded from a projection record, whose fold matches
    /// retractions by seq instead).
    public var id: String
    public var type: EventType
    public var subject: String
    public var time: Timestamp
    /// Whole seconds of the recorded time, for the `recorded` cut (0 from a projection record).
    public var recorded: Int64
    /// The data members the views read (`ViewData.projectedKeys`), reduced.
    public var data: ViewData

    public init(seq: UInt64, id: String, type: EventType, subject: String, time: Timestamp, recorded: Int64, data: ViewData) {
        self.seq = seq
        self.id = id
        self.type = type
        self.subject = subject
        self.time = time
        self.recorded = recorded
        self.data = data
    }

    /// Decodes a canonical line; nil when it is not one of ours.
    public init?(line: [UInt8]) {
        guard case .object(let e)? = try? JSONParser.parse(line),
            case .number(let seq, _)? = e["seq"], case .string(let id)? = e["id"],
            case .string(let typeName)? = e["type"], let type = EventType(rawValue: typeName),
            case .string(let subject)? = e["subject"],
            case .string(let timeText)? = e["time"], let time = TimeParser.parse(timeText),
            case .string(let recordedText)? = e["recorded"], let recorded = TimeParser.parse(recordedText),
            case .object(let data)? = e["data"]
        else { return nil }
        self.init(
            seq: UInt64(seq), id: id, type: type, subject: subject, time: time, recorded: recorded.seconds,
            data: ViewData(data))
    }
}

/// A data member as the views read it: a string, the strings of an array, a size, or nothing usable.
public enum ViewField: Sendable, Equatable {
    case text(String)
    /// An array whose elements are all strings.
    case strings([String])
    /// An array with other elements, or an object: only its size is read.
    case size(Int)
    /// A number, boolean or null.
    case other
}

/// The data members of an event that the views read, in input order.
public struct ViewData: Sendable, Equatable {
    /// Every data key a view or the fold reads. The position of a key is its code in the binary
    /// projection record: append new keys at the end (and bump `ViewRecord.format`).
    public static let projectedKeys = [
        "kind", "parent", "priority", "title", "owner", "plan", "stance", "phenomenon", "objective", "indicators",
        "baseline", "to", "every", "covers", "parties", "form", "auditor", "severity", "about", "status", "target",
    ]
    static let codes = NameTable(projectedKeys.enumerated().map { (name: $0.element, value: UInt8($0.offset)) })

    public private(set) var members: [(key: String, value: ViewField)] = []

    public init() {}

    /// The projected members of a JSON object, in `projectedKeys` order (so that the input
    /// object and its canonical line give the same value).
    public init(_ object: JSONObject) {
        var found: [(code: UInt8, value: ViewField)] = []
        for (key, value) in object.members {
            if let code = Self.codes[key] { found.append((code, ViewField(value))) }
        }
        found.sort { $0.code < $1.code }
        members = found.map { (Self.projectedKeys[Int($0.code)], $0.value) }
    }

    public subscript(key: String) -> ViewField? {
        get { NamedMembers.value(of: key, in: members) }
        set { NamedMembers.set(key, to: newValue, in: &members) }
    }

    /// The member's string, if it is one.
    public func text(_ key: String) -> String? {
        if case .text(let s)? = self[key] { return s }
        return nil
    }

    /// The member's strings, if it is an array of strings.
    public func strings(_ key: String) -> [String] {
        if case .strings(let list)? = self[key] { return list }
        return []
    }

    /// The size of an array or object member (0 otherwise).
    public func count(_ key: String) -> Int {
        switch self[key] {
        case .strings(let list)?: list.count
        case .size(let n)?: n
        default: 0
        }
    }

    mutating func append(_ key: String, _ value: ViewField) { members.append((key, value)) }

    public static func == (lhs: ViewData, rhs: ViewData) -> Bool {
        lhs.members.count == rhs.members.count && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension ViewField {
    init(_ value: JSONValue) {
        switch value {
        case .string(let s): self = .text(s)
        case .array(let items):
            let strings = items.compactMap(\.stringValue)
            self = strings.count == items.count ? .strings(strings) : .size(items.count)
        case .object(let o): self = .size(o.count)
        default: self = .other
        }
    }
}

/// The cut a view is computed at: effective time `at` and log position `seq`.
public struct ViewCut: Sendable, Equatable {
    public var at: Timestamp
    public var seq: UInt64

    public init(at: Timestamp, seq: UInt64) {
        self.at = at
        self.seq = seq
    }
}

/// The seven views of contract section 5.
public enum ViewName: String, Sendable, CaseIterable {
    case inventory, reporting, alignment, coordination, evaluability, coherence, findings

    /// The event types whose effects this view reads; a fold for it may skip the others
    /// (the store's fold does, and a store test checks each view against the full fold).
    public var reads: Set<EventType> {
        let measures: Set<EventType> = [.measureLaunched, .measureAmended, .measureEnded]
        switch self {
        case .inventory: return measures.union([.reportFiled])
        case .reporting: return measures.union([.reportFiled, .reportingRequired])
        case .alignment: return [.planPublished, .priorityAdopted, .priorityDropped, .priorityWaived]
        case .coordination: return measures.union([.coordinationEstablished, .coordinationEnded])
        case .evaluability: return measures.union([.planPublished, .reportFiled])
        case .coherence: return measures.union([.actorRegistered])
        case .findings: return [.findingRecorded, .findingAnswered]
        }
    }
}
