/// Everything validation needs to know about one subject at the head of the log: every event
/// ever stored on it (retractions included) with what the fold needs, so that the head state
/// is re-derived from them and never drifts.
public struct SubjectState: Sendable, Equatable {
    /// One stored event on the subject.
    public struct Entry: Sendable, Equatable {
        public var seq: UInt64
        public var id: String
        public var type: EventType
        public var time: Timestamp
        /// Whether a stored retraction targets this event.
        public var retracted: Bool
        /// The priority slug of a priority event, the target id of a retraction, else empty.
        public var key: String

        public init(seq: UInt64, id: String, type: EventType, time: Timestamp, retracted: Bool = false, key: String = "") {
            self.seq = seq
            self.id = id
            self.type = type
            self.time = time
            self.retracted = retracted
            self.key = key
        }
    }

    /// A plan's position on a priority.
    public enum Position: Sendable, Equatable {
        case adopted, waived, none
    }

    public var entries: [Entry] = []

    public init(entries: [Entry] = []) {
        self.entries = entries
    }

    /// Events ever stored on the subject, retractions included (the stream version).
    public var streamVersion: Int { entries.count }

    /// The live events in fold order: not retracted, not retractions, by (time, seq).
    public var folded: [Entry] {
        entries.filter { !$0.retracted && $0.type != .eventRetracted }
            .sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
    }

    /// The live creation event, if the subject exists at the head.
    public var creation: Entry? {
        entries.last { !$0.retracted && $0.type.isCreation }
    }

    public var exists: Bool { creation != nil }

    /// Whether a live `measure.ended` or `coordination.ended` stands.
    public var ended: Bool {
        entries.contains { !$0.retracted && ($0.type == .measureEnded || $0.type == .coordinationEnded) }
    }

    /// The plan's current position on `priority` in fold order.
    public func position(of priority: String) -> Position {
        var position = Position.none
        for entry in folded where entry.key == priority {
            switch entry.type {
            case .priorityAdopted: position = .adopted
            case .priorityWaived: position = .waived
            case .priorityDropped: position = .none
            default: break
            }
        }
        return position
    }

    /// A compact binary form for the head-state index.
    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 16 + entries.count * 48)
        w.u32(UInt32(entries.count))
        for e in entries {
            w.u64(e.seq)
            w.string(e.id)
            w.u8(e.type.code)
            w.i64(e.time.seconds)
            w.u8(e.retracted ? 1 : 0)
            w.string(e.key)
        }
        return w.bytes
    }

    public init(decoding bytes: UnsafeRawBufferPointer) throws {
        var r = ByteReader(bytes)
        let count = Int(try r.u32())
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let seq = try r.u64()
            let id = try r.string()
            guard let type = EventType(code: try r.u8()) else { throw ByteReader.Truncated() }
            let time = Timestamp(seconds: try r.i64())
            let retracted = try r.u8() == 1
            let key = try r.string()
            entries.append(Entry(seq: seq, id: id, type: type, time: time, retracted: retracted, key: key))
        }
    }
}
