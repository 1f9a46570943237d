import LedgerDomain
import LedgerStore

/// The head state read inside a write (or read) transaction.
struct StoreHeadState: HeadState {
    let txn: Transaction
    let tables: LedgerTables

    func subjectState(_ subject: Subject) throws -> SubjectState? {
        var state: SubjectState?
        _ = try subject.withBytes { key in
            try txn.read(tables.subjects, key: key) { state = try SubjectState(decoding: $0) }
        }
        return state
    }

    func storedEvent(id: String) throws -> StoredEvent? {
        guard let seq = try tables.seq(ofID: id, in: txn) else { return nil }
        return try storedEvent(seq: seq)
    }

    func storedEvent(seq: UInt64) throws -> StoredEvent? {
        let key = Keys.uint64(seq)
        guard let line = try txn.get(tables.events, key) else { return nil }
        let hash = try tables.leafHash(seq: seq, in: txn) ?? []
        let version = CanonicalFields.streamVersion(line) ?? 0
        return StoredEvent(seq: seq, streamVersion: version, leafHash: hash, line: line)
    }

    /// The keyed id of `seq`, unless a recorder already gave that very string as an id.
    func assignID(seq: UInt64) throws -> (id: String, keyed: Bool) {
        guard var assigned = tables.assignedIDs?.id(seq: seq),
            try !assigned.withUTF8({ try txn.contains(tables.ids, UnsafeRawBufferPointer($0)) })
        else {
            return (EventID.random(), false)
        }
        return (assigned, true)
    }

    func hasReferrers(_ subject: Subject) throws -> Bool {
        let prefix = subject.bytes + [0]
        var found = false
        try txn.scan(tables.refs, from: prefix) { key, _ in
            found = key.count >= prefix.count && key.starts(with: prefix)
            return false
        }
        return found
    }
}
