import LedgerDomain
import LedgerStore

/// The ledger's LMDB databases and their key layouts.
struct LedgerTables: Sendable {
    static let names = ["events", "nodes", "ids", "subjects", "refs", "meta", "views", "retractions"]
    /// The tree's tables before `treeFormat` 2 (leaves by seq, interior nodes by level then
    /// index), read once by `Ledger.migrateTreeIfNeeded` and dropped.
    static let legacyNames = ["leaves", "tree"]

    /// seq (8 bytes, big-endian) -> canonical line, byte-exact.
    let events: Database
    /// Every node of the RFC 6962 tree, the leaves `SHA-256(0x00 || line)` included:
    /// `TreeNodeKey` (the last leaf a node covers, then its level) -> hash. An append adds the
    /// new leaf and then the subtrees it completes, bottom up, all above every stored key, so
    /// the table is only ever written at its end.
    let nodes: Database
    /// event id -> seq, for the ids that `assignedIDs` does not resolve: those the recorders
    /// gave (and assigned ids of stores made before the key existed).
    let ids: Database
    /// subject -> `SubjectState` (every event on it, for validation and history).
    let subjects: Database
    /// referenced subject + 0x00 + seq of a live referring event -> empty.
    let refs: Database
    /// small named values: `checkpoint` (the last signed note), `verifier` (its key),
    /// `id-key` (the key of `AssignedIDs`), `tree-format`, `view-record-format`.
    let meta: Database
    /// `ViewRecord` key (time, seq) -> the event's binary projection record, in fold order;
    /// retractions have none. What every view folds, without parsing JSON.
    let views: Database
    /// seq of a retraction -> seq of the event it retracts (8 bytes big-endian).
    let retractions: Database
    /// How assigned ids map to seqs (nil for a read-only store made before the key existed).
    var assignedIDs: AssignedIDs?

    init(_ env: Environment) {
        events = env.database("events")
        nodes = env.database("nodes")
        ids = env.database("ids")
        subjects = env.database("subjects")
        refs = env.database("refs")
        meta = env.database("meta")
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

    /// The stored leaf hash of `seq`.
    func leafHash(seq: UInt64, in txn: Transaction) throws -> [UInt8]? {
        try txn.get(nodes, TreeNodeKey.make(level: 0, index: seq - 1))
    }

    /// Interior nodes below this level are not stored: a node of level 1 to 3 is recomputed
    /// from its 2 to 8 stored leaves when a root or a proof needs it, which saves 15 of every
    /// 16 interior writes for at most 7 hashes per lookup.
    static let lowestStoredLevel = 4

    /// The node lookup inside `txn`, as `MerkleTree` takes it.
    func nodes(_ txn: Transaction) -> MerkleTree.NodeLookup {
        { level, index in
            if level == 0 || level >= LedgerTables.lowestStoredLevel {
                guard let hash = try txn.get(nodes, TreeNodeKey.make(level: level, index: index)) else {
                    throw LedgerError(.internalError, "tree node \(level)/\(index) is missing")
                }
                return hash
            }
            let first = index << UInt64(level)
            let count = UInt64(1) << UInt64(level)
            var builder = MerkleTree.Frontier()
            try txn.scan(nodes, from: TreeNodeKey.make(level: 0, index: first)) { key, hash in
                guard key.count == 9, key[8] == 0 else { return true }
                guard Keys.uint64(from: key) == first + builder.size, hash.count == 32 else { return false }
                builder.append(hash.baseAddress!)
                return builder.size < count
            }
            guard builder.size == count else { throw LedgerError(.internalError, "tree node \(level)/\(index) is missing") }
            return builder.root
        }
    }

    static func refKey(_ subject: Subject, seq: UInt64) -> [UInt8] {
        var key = subject.bytes(reserving: 9)
        key.append(0)
        key.append(contentsOf: Keys.uint64(seq))
        return key
    }
}

/// The key of a tree node in the `nodes` table: the 0-based index of the last leaf it covers,
/// `(index + 1) · 2^level − 1` (8 bytes big-endian), then its level (1 byte). Leaves are level 0.
public enum TreeNodeKey {
    public static func make(level: Int, index: UInt64) -> [UInt8] {
        withKey(level: level, index: index) { Array($0) }
    }

    /// Calls `body` with the key's bytes, built on the stack: the writer stores a leaf for every
    /// event.
    public static func withKey<T>(level: Int, index: UInt64, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let last = ((index + 1) << UInt64(level)) - 1
        return try withUnsafeTemporaryAllocation(byteCount: 9, alignment: 1) { key in
            withUnsafeBytes(of: last.bigEndian) { key.copyMemory(from: $0) }
            key[8] = UInt8(level)
            return try body(UnsafeRawBufferPointer(key))
        }
    }

    /// The level and index a key names; nil for a key of another length.
    public static func parse(_ key: UnsafeRawBufferPointer) -> (level: Int, index: UInt64)? {
        guard key.count == 9 else { return nil }
        let last = (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(key[$1]) }
        let level = Int(key[8])
        guard level < 64 else { return nil }
        return (level, ((last + 1) >> UInt64(level)) - 1)
    }
}
