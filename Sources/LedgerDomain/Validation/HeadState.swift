/// An event as stored: its position, stream version, leaf hash and canonical line.
public struct StoredEvent: Sendable, Equatable {
    public var seq: UInt64
    public var streamVersion: Int
    public var leafHash: [UInt8]
    public var line: [UInt8]

    public init(seq: UInt64, streamVersion: Int, leafHash: [UInt8], line: [UInt8]) {
        self.seq = seq
        self.streamVersion = streamVersion
        self.leafHash = leafHash
        self.line = line
    }
}

/// What validation reads of the log's head: implemented by the store inside the write
/// transaction, so it includes the earlier events of the same batch.
public protocol HeadState {
    /// The subject's state, or nil when nothing was ever recorded on it.
    func subjectState(_ subject: Subject) throws -> SubjectState?
    /// The stored event with this id, if any.
    func storedEvent(id: String) throws -> StoredEvent?
    /// Whether some live event on another subject refers to `subject` in its data.
    func hasReferrers(_ subject: Subject) throws -> Bool
    /// The id for an event stored at `seq` without one of its own (a lower-case UUID v4), and
    /// whether it is the keyed id of `seq` (`AssignedIDs`), which the store finds without an index.
    func assignID(seq: UInt64) throws -> (id: String, keyed: Bool)
}

extension HeadState {
    public func assignID(seq: UInt64) throws -> (id: String, keyed: Bool) { (EventID.random(), false) }
}

/// The facts the daemon adds to an event it stores.
public struct AppendContext: Sendable {
    /// When the request is handled: the 24-hour bound on `time` is measured from here.
    public var now: Timestamp
    /// The recorded time with milliseconds, `YYYY-MM-DDTHH:MM:SS.sssZ`.
    public var recorded: String { didSet { commitMembers = Self.render(recorded: recorded, recordedBy: recordedBy) } }
    /// The peer's user name, or `uid:N`.
    public var recordedBy: String { didSet { commitMembers = Self.render(recorded: recorded, recordedBy: recordedBy) } }
    /// `,"recorded":…,"recordedby":…,"seq":` in canonical JSON, rendered once for all the
    /// request's events (`CanonicalLine.assemble`).
    var commitMembers: [UInt8]
    /// The seq the next accepted event gets.
    public var seq: UInt64

    public init(now: Timestamp, recorded: String, recordedBy: String, seq: UInt64) {
        self.now = now
        self.recorded = recorded
        self.recordedBy = recordedBy
        self.commitMembers = Self.render(recorded: recorded, recordedBy: recordedBy)
        self.seq = seq
    }

    private static func render(recorded: String, recordedBy: String) -> [UInt8] {
        var out: [UInt8] = []
        out.append(literal: #","recorded":"#)
        CanonicalJSON.writeString(recorded, into: &out)
        out.append(literal: #","recordedby":"#)
        CanonicalJSON.writeString(recordedBy, into: &out)
        out.append(literal: #","seq":"#)
        return out
    }
}

/// An event that passed every rule, with everything the store must write for it.
public struct AcceptedEvent: Sendable {
    public var id: String
    public var subject: Subject
    /// `subject` as the subjects table's key.
    public var subjectKey: [UInt8]
    public var seq: UInt64
    public var streamVersion: Int
    public var line: [UInt8]
    public var leafHash: [UInt8]
    /// The subject's state after this event.
    public var subjectState: SubjectState
    /// Subjects this event's data refers to, each once.
    public var references: [Subject]
    /// For a retraction: the target's seq and the references that stop counting with it, each once.
    public var retracted: (seq: UInt64, references: [Subject])?
    /// The binary projection record (`ViewRecord`) and its fold-order key; nil for a retraction.
    public var projection: (key: [UInt8], value: [UInt8])?
    /// Whether `id` is the keyed id the daemon assigned to `seq` (it then needs no `ids` entry).
    public var idIsKeyed = false
}

/// What validation decided about one event.
public enum AppendOutcome: Sendable {
    case accepted(AcceptedEvent)
    /// A repeat of a stored event (same id, same content).
    case duplicate(StoredEvent)
}
