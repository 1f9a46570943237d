/// An event's top-level attributes, found in one pass over its members (a lookup by name per
/// rule compared strings a hundred times an event).
struct Attributes {
    var id, source, type, subject, time, data, specversion, datacontenttype, evidence, expectedversion: JSONValue?
    /// The first member, in input order, that is not a CloudEvents attribute the contract allows.
    var firstUnknown: String?

    init(_ event: JSONObject) {
        for (key, value) in event.members {
            // By length first: comparing two short strings that differ costs a call each.
            switch key.utf8.count {
            case 2 where key == "id": id = value
            case 4 where key == "type": type = value
            case 4 where key == "time": time = value
            case 4 where key == "data": data = value
            case 6 where key == "source": source = value
            case 7 where key == "subject": subject = value
            case 8 where key == "evidence": evidence = value
            case 11 where key == "specversion": specversion = value
            case 15 where key == "datacontenttype": datacontenttype = value
            case 15 where key == "expectedversion": expectedversion = value
            default: if firstUnknown == nil { firstUnknown = key }
            }
        }
    }

    /// The first required attribute that is absent, in the contract's order.
    var firstMissing: String? {
        if source == nil { return "source" }
        if type == nil { return "type" }
        if subject == nil { return "subject" }
        if time == nil { return "time" }
        if data == nil { return "data" }
        return nil
    }
}

/// The checked top-level attributes of an event.
struct Envelope: Sendable {
    var type: EventType
    var subject: Subject
    var source: Subject
    var time: Timestamp
    var expectedVersion: Int?

    /// Checks attribute values in the contract's order: `type`, `subject`, `source`, `time`, the rest.
    /// The 24-hour bound on `time` needs the recorded time, so the writer checks it: `timeParsed`
    /// hands the time over as soon as it parses, before the later rules run.
    static func check(_ event: Attributes, timeParsed: (Timestamp) -> Void) throws -> Envelope {
        let type: EventType
        switch event.type! {
        case .string(let s):
            guard let t = EventType(name: s) else {
                throw LedgerError(.unknownType, "unknown event type \"\(s)\"")
            }
            type = t
        default:
            throw LedgerError(.invalidField, "type must be a string")
        }

        let subject: Subject
        switch event.subject! {
        case .null: throw LedgerError(.invalidField, "subject must not be null")
        case .string(let s):
            guard let parsed = Subject(s) else {
                throw LedgerError(.invalidSubject, "subject \"\(s)\" is not KIND/SLUG")
            }
            if let kind = type.kind, parsed.kind != kind {
                throw LedgerError(.invalidSubject, "\(type.rawValue) is about a \(kind.rawValue)/ subject, not \(s)")
            }
            subject = parsed
        default:
            throw LedgerError(.invalidSubject, "subject must be a string KIND/SLUG")
        }

        guard case .string(let sourceText) = event.source!, let source = Subject(sourceText), source.kind == .actor
        else { throw LedgerError(.invalidField, "source must be an actor/ subject") }

        let time: Timestamp
        switch event.time! {
        case .null: throw LedgerError(.invalidField, "time must not be null")
        case .string(let s):
            guard let t = TimeParser.parse(s) else {
                throw LedgerError(.invalidTime, "time \"\(s)\" is not an RFC 3339 date-time or YYYY-MM-DD date")
            }
            timeParsed(t)
            time = t
        default:
            throw LedgerError(.invalidTime, "time must be a string")
        }

        if let v = event.specversion, v != .string("1.0") {
            throw LedgerError(.invalidField, "specversion must be \"1.0\"")
        }
        if let v = event.datacontenttype, v != .string("application/json") {
            throw LedgerError(.invalidField, "datacontenttype must be \"application/json\"")
        }
        if let v = event.evidence {
            guard case .array(let items) = v, (1...16).contains(items.count) else {
                throw LedgerError(.invalidField, "evidence must be a list of 1 to 16 strings")
            }
            var seen = SeenStrings()
            for item in items {
                guard case .string(let s) = item, ValueRules.isText(s, maxLength: 2048) else {
                    throw LedgerError(.invalidField, "evidence items must be strings of 1 to 2048 characters")
                }
                guard seen.insert(s) else {
                    throw LedgerError(.invalidField, "evidence lists \"\(s)\" twice")
                }
            }
        }
        var expectedVersion: Int?
        if let v = event.expectedversion {
            guard case .number(let d, plainInteger: true) = v, d >= 0, d <= 9_007_199_254_740_992 else {
                throw LedgerError(.invalidField, "expectedversion must be a non-negative integer")
            }
            expectedVersion = Int(d)
        }
        return Envelope(type: type, subject: subject, source: source, time: time, expectedVersion: expectedVersion)
    }
}

/// The contract's value rules for strings and numbers (section 10).
enum ValueRules {
    /// Non-empty, at most `maxLength` code points, no control characters but newline and tab.
    static func isText(_ s: String, maxLength: Int = 10_000) -> Bool {
        var s = s
        // Fast path: short enough in bytes that the code point count cannot exceed the limit.
        let quick: Bool? = s.withUTF8 { utf8 in
            guard utf8.count <= maxLength else { return nil }
            return !utf8.isEmpty && !utf8.contains { ($0 < 0x20 && $0 != 0x0A && $0 != 0x09) || $0 == 0x7F }
        }
        if let quick { return quick }
        var count = 0
        for scalar in s.unicodeScalars {
            count += 1
            if count > maxLength { return false }
            let v = scalar.value
            if (v < 0x20 && v != 0x0A && v != 0x09) || v == 0x7F { return false }
        }
        return count > 0
    }

    /// Finite and of magnitude at most 2^53.
    static func isNumber(_ d: Double) -> Bool {
        d.isFinite && abs(d) <= 9_007_199_254_740_992
    }
}

/// Whether a list's strings are distinct, inserted one at a time: a linear scan while the list
/// is short (the usual case, and cheaper than hashing), a set beyond.
struct SeenStrings {
    private var few: [String] = []
    private var many: Set<String>?

    /// False when `s` was inserted before.
    mutating func insert(_ s: String) -> Bool {
        if many != nil { return many!.insert(s).inserted }
        if few.contains(s) { return false }
        few.append(s)
        if few.count > 16 {
            many = Set(few)
            few = []
        }
        return true
    }
}
