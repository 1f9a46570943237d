import LedgerDomain
import LedgerStore

/// The ledger's LMDB databases and their key layouts.
struct LedgerTables: Sendable {
    static let names = ["events", "leaves", "ids", "subjects", "refs", "meta"]

    /// seq (8 bytes, big-endian) -> canonical line, byte-exact.
    let events: Database
    /// seq -> SHA-256(0x00 || line).
    let leaves: Database
    /// event id -> seq.
    let ids: Database
    /// subject -> `SubjectState` (every event on it, for validation and history).
    let subjects: Database
    /// referenced subject + 0x00 + seq of a live referring event -> empty.
    let refs: Database
    /// small named values.
    let meta: Database

    init(_ env: Environment) {
        events = env.database("events")
        leaves = env.database("leaves")
        ids = env.database("ids")
        subjects = env.database("subjects")
        refs = env.database("refs")
        meta = env.database("meta")
    }

    static func refKey(_ subject: Subject, seq: UInt64) -> [UInt8] {
        Array(subject.description.utf8) + [0] + Keys.uint64(seq)
    }
}
