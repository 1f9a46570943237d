import LedgerDomain
import LedgerStore

/// The ledger's LMDB databases and their key layouts.
struct LedgerTables: Sendable {
    static let names = ["events", "leaves", "ids", "subjects", "refs", "meta", "tree", "views", "retractions"]

    /// seq (8 bytes, big-endian) -> canonical line, byte-exact.
    let events: Database
    /// seq -> SHA-256(0x00 || line).
    let leaves: Database
    /// event id -> seq, for the ids that `assignedIDs` does not resolve: those the recorders
    /// gave (and assigned ids of stores made before the key existed).
    let ids: Database
    /// subject -> `SubjectState` (every event on it, for validation and history).
    let subjects: Database
    /// referenced subject + 0x00 + seq of a live referring event -> empty.
    let refs: Database
    /// small named values: `checkpoint` (the last signed note), `verifier` (its key),
    /// `id-key` (the key of `AssignedIDs`), `view-record-format`.
    let meta: Database
    /// level (1 byte) + index (8 bytes big-endian) -> hash of a complete RFC 6962 subtree of
    /// 2^level leaves; level 0 lives in `leaves`.
    let tree: Database
    /// `ViewRecord` key (time, seq) -> the event's binary projection record, in fold order;
    /// retractions have none. What every view folds, without parsing JSON.
    let views: Database
    /// seq of a retraction -> seq of the event it retracts (8 bytes big-endian).
    let retractions: Database
    /// How assigned ids map to seqs (nil for a read-only store made before the key existed).
    var assignedIDs: AssignedIDs?

    init(_ env: Environment) {
        events = env.database("events")
        leaves = env.database("leaves")
        ids = env.database("ids")
        subjects = env.database("subjects")
        refs = env.database("refs")
        meta = env.database("meta")
        tree = env.database("tree")
        views = env.database("views")
        retractions = env.database("retractions")
    }

    static let idKeyName = Array("id-key".utf8)

    /// The key of the store's assigned ids: read from `meta`, or made and stored when `txn`
    /// may write and there is none yet.
    static func assignedIDs(meta: Database, in txn: Transaction, create: Bool) throws -> AssignedIDs? {
        if let stored = try txn.get(meta, idKeyName) { return AssignedIDs(key: stored) }
        guard create else { return nil }
        var key = [UInt8](repeating: 0, count: AssignedIDs.keyBytes)
        var rng = SystemRandomNumberGenerator()
        for i in key.indices { key[i] = rng.next() }
        try txn.put(meta, idKeyName, key)
        return AssignedIDs(key: key)
    }

    /// The seq of the event with this id, if one is stored.
    func seq(ofID id: String, in txn: Transaction) throws -> UInt64? {
        if let seq = try txn.get(ids, Array(id.utf8)) { return Keys.uint64(from: seq) }
        guard let seq = assignedIDs?.seq(of: id), let line = try txn.get(events, Keys.uint64(seq)) else { return nil }
        return CanonicalFields.holdsID(line, id) ? seq : nil
    }

    /// Whether the ids table must hold `id` for the event at `seq` to be found.
    func needsIndex(id: String, seq: UInt64) -> Bool {
        assignedIDs?.seq(of: id) != seq
    }

    static func treeKey(level: Int, index: UInt64) -> [UInt8] {
        [UInt8(level)] + Keys.uint64(index)
    }

    /// The stored node lookup inside `txn`, as `MerkleTree` takes it.
    func nodes(_ txn: Transaction) -> MerkleTree.NodeLookup {
        { level, index in
            let hash =
                level == 0
                ? try txn.get(leaves, Keys.uint64(index + 1))
                : try txn.get(tree, LedgerTables.treeKey(level: level, index: index))
            guard let hash else { throw LedgerError(.internalError, "tree node \(level)/\(index) is missing") }
            return hash
        }
    }

    static func refKey(_ subject: Subject, seq: UInt64) -> [UInt8] {
        Array(subject.description.utf8) + [0] + Keys.uint64(seq)
    }
}
