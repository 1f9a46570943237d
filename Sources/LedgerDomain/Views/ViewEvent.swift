/// The parts of a stored event that projections read.
public struct ViewEvent: Sendable {
    public var seq: UInt64
    public var id: String
    public var type: EventType
    public var subject: String
    public var time: Timestamp
    /// Whole seconds of the recorded time, for the `recorded` cut.
    public var recorded: Int64
    public var data: JSONObject

    public init(seq: UInt64, id: String, type: EventType, subject: String, time: Timestamp, recorded: Int64, data: JSONObject) {
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
        self.init(seq: UInt64(seq), id: id, type: type, subject: subject, time: time, recorded: recorded.seconds, data: data)
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
}
