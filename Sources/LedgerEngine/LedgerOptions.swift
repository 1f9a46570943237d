/// How a ledger is opened: where, how large its map may grow, and its request limits.
public struct LedgerOptions: Sendable {
    /// The directory holding `data.mdb` and `lock.mdb`.
    public var directory: String
    /// The map size at open, in bytes.
    public var initialMapSize: Int
    /// The largest the map may grow to; past it appends answer `storage-full`.
    public var maximumMapSize: Int
    /// Open read-only (offline verification).
    public var readOnly: Bool
    /// The checkpoint origin line and signing key name.
    public var origin: String
    /// Keep the Merkle tree and sign a checkpoint per commit. Off only for the benchmark's
    /// measure of what tamper evidence costs an append: such a store has no tree, no
    /// checkpoints and no proofs, and fails `verify`.
    public var tamperEvidence = true
    /// Called on the writer thread after each synced commit with its times (the daemon's metrics).
    public var onCommit: (@Sendable (CommitTimes) -> Void)?

    public init(
        directory: String, initialMapSize: Int = 64 << 20, maximumMapSize: Int = 64 << 30, readOnly: Bool = false,
        origin: String = "localhost/ledgerd"
    ) {
        self.origin = origin
        self.directory = directory
        self.initialMapSize = initialMapSize
        self.maximumMapSize = max(maximumMapSize, initialMapSize)
        self.readOnly = readOnly
    }
}

/// How long a commit took: from taking its group of appends to the synced commit, and the part
/// of that spent in LMDB writing and syncing the pages once the group was applied (the disk's share).
public struct CommitTimes: Sendable {
    public var total: Duration
    public var sync: Duration
}
