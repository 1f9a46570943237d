import Foundation
import LedgerDomain
import LedgerStore
import Logging
import Synchronization

/// The policy ledger: an append-only log of canonical event lines in LMDB with the indexes
/// validation needs, durable group commit, and the reads the API serves.
public final class Ledger: Sendable {
    let env: Environment
    let tables: LedgerTables
    public let options: LedgerOptions
    let logger: Logger
    private let validator = Validator()
    /// Signs a checkpoint for every new tree size (nil when read-only).
    let signer: CheckpointSigner?
    private let committer: GroupCommitter?
    /// Held while the ledger is open for writing (nil when read-only).
    private let writerLock: WriterLock?
    private let state: Mutex<WriterState>
    private let watchers = Mutex<[UInt64: AsyncStream<UInt64>.Continuation]>([:])
    private let watcherCounter = Atomic<UInt64>(0)
    let viewCache = Mutex(ViewCache())

    struct WriterState {
        var head: UInt64
        var lastRecordedMilliseconds: Int64
        /// The tree's right edge at `head`, so that appends and roots read no stored node
        /// (nil without tamper evidence, and read-only).
        var frontier: MerkleTree.Frontier?
    }

    /// Opens (creating unless read-only) the ledger in `options.directory`.
    public init(options: LedgerOptions, logger: Logger = Logger(label: "ledger")) throws {
        if !options.readOnly {
            try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
        }
        writerLock = options.readOnly ? nil : try WriterLock(directory: options.directory)
        var mapSize = options.initialMapSize
        if let attributes = try? FileManager.default.attributesOfItem(atPath: options.directory + "/data.mdb"),
            let fileSize = attributes[.size] as? Int
        {
            mapSize = max(mapSize, fileSize)
        }
        do {
            self.env = try Environment(
                path: options.directory, mapSize: mapSize, databases: LedgerTables.names,
                legacy: options.readOnly ? [] : LedgerTables.legacyNames, readOnly: options.readOnly)
        } catch let error as LMDBError where options.readOnly && error.isNotFound {
            throw Ledger.olderLayout(options.directory)
        }
        var tables = LedgerTables(env)
        let meta = tables.meta
        tables.assignedIDs =
            options.readOnly
            ? try env.read { txn in try LedgerTables.assignedIDs(meta: meta, in: txn, create: false) }
            : try env.write { txn in try LedgerTables.assignedIDs(meta: meta, in: txn, create: true) }
        self.tables = tables
        self.options = options
        self.logger = logger
        if !options.readOnly {
            try Ledger.migrateTreeIfNeeded(env: env, tables: tables, logger: logger)
        } else if try env.read({ txn in try txn.get(tables.meta, Ledger.treeFormatKey) != Ledger.treeFormat && txn.count(tables.events) > 0 }) {
            throw Ledger.olderLayout(options.directory)
        }
        let (head, lastRecorded) = try env.read { txn -> (UInt64, Int64) in
            guard let last = try txn.last(tables.events) else { return (0, 0) }
            return (Keys.uint64(from: last.key), Ledger.recordedMilliseconds(of: last.value))
        }
        let frontier =
            options.readOnly || !options.tamperEvidence
            ? nil : try env.read { txn in try MerkleTree.Frontier(size: head, node: tables.nodes(txn)) }
        self.state = Mutex(WriterState(head: head, lastRecordedMilliseconds: lastRecorded, frontier: frontier))
        if options.readOnly {
            self.signer = nil
            self.committer = nil
        } else {
            let signer = options.tamperEvidence ? try CheckpointSigner.open(directory: options.directory, origin: options.origin) : nil
            self.signer = signer
            let env = self.env
            if let signer {
                try env.write { txn in
                    let key = Array("verifier".utf8)
                    if let stored = try txn.get(tables.meta, key), stored != Array(signer.verifierKey.utf8) {
                        throw LedgerError(
                            .internalError,
                            "the signing key in \(options.directory) does not match the key that signed this ledger's checkpoints (\(String(decoding: stored, as: UTF8.self))); restore the original checkpoint.key")
                    }
                    try txn.put(tables.meta, key, Array(signer.verifierKey.utf8))
                    if try txn.get(tables.meta, Array("checkpoint".utf8)) == nil {
                        let note = try signer.sign(size: head, root: MerkleTree.root(size: head, node: tables.nodes(txn)))
                        try txn.put(tables.meta, Array("checkpoint".utf8), Array(note.utf8))
                    }
                }
            }
            try Ledger.buildViewRecordsIfNeeded(env: env, tables: tables, logger: logger, head: head)
            let box = ApplyBox()
            self.committer = GroupCommitter { group in box.apply?(group) }
            box.apply = { [unowned self] group in self.commitGroup(group) }
            committer?.start()
        }
    }

    /// Answers queued appends and stops the writer; the environment closes when the ledger is released.
    public func close() {
        committer?.stop()
        writerLock?.release()
        watchers.withLock { watchers in
            for continuation in watchers.values { continuation.finish() }
            watchers.removeAll()
        }
    }

    /// The seq of the last stored event (0 when empty).
    public var head: UInt64 { state.withLock { $0.head } }

    /// Validates and stores `events` atomically; returns once they are synced to disk.
    /// `batch` says whether the request was an array or NDJSON (its errors then carry an index).
    /// The checks that need no head state run before the writer thread (a large batch on worker
    /// tasks, handed to the writer chunk by chunk), so that it only does what depends on the log.
    /// `soleClient` says that no other client is connected: a small request is then committed on
    /// the caller's thread when the writer is idle (see `GroupCommitter.submit`).
    public func append(_ events: [JSONValue], batch: Bool, recordedBy: String, soleClient: Bool = false) async throws
        -> AppendResult
    {
        try await append(count: events.count, batch: batch, recordedBy: recordedBy, soleClient: soleClient) {
            .success(events[$0])
        }
    }

    /// `append` for events still to be parsed: `event(i)` gives the event at index i, or the
    /// `malformed-json` refusal of its text. The parsing then runs with the checks, chunk by
    /// chunk, and a malformed event anywhere wins over every other refusal.
    public func append(
        count: Int, batch: Bool, recordedBy: String, soleClient: Bool = false,
        event: @escaping @Sendable (Int) -> Result<JSONValue, LedgerError>
    ) async throws -> AppendResult {
        guard let committer else { throw LedgerError(.forbidden, "the ledger is open read-only") }
        let prepared = PreparedEvents.prepare(count: count, validator: validator, event: event)
        defer { prepared.discard() }
        return try await withCheckedThrowingContinuation { continuation in
            committer.submit(
                PendingAppend(events: prepared, batch: batch, recordedBy: recordedBy, continuation: continuation),
                mayApplyHere: soleClient)
        }
    }

    /// A stream of head seqs, one after each commit, until the ledger closes or the stream is dropped.
    public func headUpdates() -> AsyncStream<UInt64> {
        let id = watcherCounter.wrappingAdd(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream<UInt64>.makeStream(bufferingPolicy: .bufferingNewest(1))
        continuation.onTermination = { [weak self] _ in
            _ = self?.watchers.withLock { $0.removeValue(forKey: id) }
        }
        watchers.withLock { $0[id] = continuation }
        return stream
    }

    /// Size of the data file in use and of the map, in bytes.
    public var storage: (used: Int, mapSize: Int) { (env.usedBytes, env.mapSize) }

    // MARK: - Writing (writer thread only)

    private func commitGroup(_ group: [PendingAppend]) {
        var results = process(group)
        if results == nil {
            // The map could not grow: apply the requests one by one so only those that do not fit fail.
            results = group.flatMap { process([$0]) ?? [.failure(Ledger.storageFull)] }
        }
        for (request, result) in zip(group, results!) {
            request.continuation.resume(with: result)
        }
        let head = self.head
        watchers.withLock { watchers in
            for continuation in watchers.values { continuation.yield(head) }
        }
    }

    static let storageFull = LedgerError(
        .storageFull, "the store is full and cannot grow past its configured maximum (storage.max_map_size)")

    /// Applies and commits a group; nil when the map is full at its maximum size.
    private func process(_ group: [PendingAppend]) -> [Result<AppendResult, any Error>]? {
        growAhead()
        while true {
            let start = state.withLock { $0 }
            let clock = ContinuousClock.now
            let now = max(WallClock.nowMilliseconds(), start.lastRecordedMilliseconds)
            var results: [Result<AppendResult, any Error>] = []
            var head = start.head
            var frontier = start.frontier
            // A request alone in its group needs no nested transaction: if it is refused, the
            // whole transaction is dropped.
            let alone = group.count == 1
            var applied = clock
            do {
                try env.write { txn in
                    for request in group {
                        do {
                            // A one-event request writes nothing until it is valid, so it needs no
                            // nested transaction of its own either (they are costly: a child
                            // copies every page it touches); a batch sharing the commit does, so
                            // that a refusal part-way leaves no trace. The request works on a
                            // copy of the frontier, kept only if it succeeds.
                            var requestFrontier = frontier
                            let result =
                                alone || request.events.count == 1
                                ? try apply(request, in: txn, after: head, nowMilliseconds: now, frontier: &requestFrontier)
                                : try txn.nested { child in
                                    try apply(request, in: child, after: head, nowMilliseconds: now, frontier: &requestFrontier)
                                }
                            head = result.size
                            frontier = requestFrontier
                            results.append(.success(result))
                        } catch let error as LedgerError {
                            if alone { throw RefusedAlone(error: error) }
                            results.append(.failure(error))
                        }
                    }
                    if head > start.head, let signer, let frontier {
                        precondition(frontier.size == head, "the kept tree frontier is at \(frontier.size), the head at \(head)")
                        let note = try signer.sign(size: head, root: frontier.root)
                        try txn.put(tables.meta, Array("checkpoint".utf8), Array(note.utf8))
                    }
                    applied = ContinuousClock.now
                }
                state.withLock { $0 = WriterState(head: head, lastRecordedMilliseconds: now, frontier: frontier) }
                let committed = ContinuousClock.now
                options.onCommit?(CommitTimes(total: committed - clock, sync: committed - applied))
                return results
            } catch let refused as RefusedAlone {
                return [.failure(refused.error)]
            } catch let error as LMDBError where error.isMapFull {
                do {
                    if try env.grow(maximum: options.maximumMapSize) {
                        logger.notice("map grown", metadata: ["size": "\(env.mapSize)"])
                        continue
                    }
                } catch {
                    logger.error("map growth failed: \(error)")
                }
                return nil
            } catch {
                logger.error("append failed: \(error)")
                let failure = LedgerError(.internalError, "the store failed: \(error)")
                return group.map { _ in .failure(failure) }
            }
        }
    }

    /// Grows the map before a commit once a quarter of it is left: a transaction that runs out of
    /// map is dropped and applied again after the growth, which cost a 10,000-event import batch
    /// its whole work (about 0.1 s) at each doubling. Growing only reserves address space; the
    /// file grows as pages are written.
    private func growAhead() {
        let (used, mapSize) = storage
        guard mapSize < options.maximumMapSize, used > mapSize / 4 * 3 else { return }
        do {
            if try env.grow(maximum: options.maximumMapSize) {
                logger.notice("map grown", metadata: ["size": "\(env.mapSize)"])
            }
        } catch {
            logger.error("map growth failed: \(error)")
        }
    }

    private func apply(
        _ request: PendingAppend, in txn: Transaction, after head: UInt64, nowMilliseconds: Int64,
        frontier: inout MerkleTree.Frontier?
    ) throws -> AppendResult {
        // One existential for the whole request: made at each call, it was a heap box per event.
        let state: any HeadState = StoreHeadState(txn: txn, tables: tables)
        var context = AppendContext(
            now: Timestamp(seconds: nowMilliseconds.floorDiv(1000)),
            recorded: WallClock.recordedString(milliseconds: nowMilliseconds),
            recordedBy: request.recordedBy, seq: head + 1)
        var entries: [AppendResult.Entry] = []
        entries.reserveCapacity(request.events.count)
        try request.events.forEach { index, event in
            let outcome: AppendOutcome
            do {
                outcome = try validator.validate(event, context: context, head: state)
            } catch let error as LedgerError {
                if let malformed = request.events.firstMalformed() { throw malformed }
                throw error.at(request.batch ? index : nil)
            }
            switch outcome {
            case .duplicate(let stored):
                entries.append(
                    .init(
                        id: event.id ?? "", seq: stored.seq, streamVersion: stored.streamVersion,
                        leafHash: stored.leafHash, duplicate: true))
            case .accepted(let accepted):
                try store(accepted, in: txn, frontier: &frontier)
                entries.append(
                    .init(
                        id: accepted.id, seq: accepted.seq, streamVersion: accepted.streamVersion,
                        leafHash: accepted.leafHash, duplicate: false))
                context.seq += 1
            }
        }
        return AppendResult(entries: entries, size: context.seq - 1)
    }

    private func store(_ event: AcceptedEvent, in txn: Transaction, frontier: inout MerkleTree.Frontier?) throws {
        try txn.put(tables.events, uint64Key: event.seq, event.line, append: true)
        try TreeNodeKey.withKey(level: 0, index: event.seq - 1) {
            try txn.put(tables.nodes, rawKey: $0, event.leafHash, append: true)
        }
        if !event.idIsKeyed && tables.needsIndex(id: event.id, seq: event.seq) {
            try txn.put(tables.ids, Array(event.id.utf8), Keys.uint64(event.seq))
        }
        try txn.put(tables.subjects, event.subjectKey, event.subjectState.encoded())
        for reference in event.references {
            try txn.put(tables.refs, LedgerTables.refKey(reference, seq: event.seq), [UInt8]())
        }
        if frontier != nil {
            try frontier!.append(event.leafHash) { level, index, hash in
                if level >= LedgerTables.lowestStoredLevel {
                    try txn.put(tables.nodes, TreeNodeKey.make(level: level, index: index), hash, append: true)
                }
            }
        }
        if let projection = event.projection {
            try txn.put(tables.views, projection.key, projection.value)
        }
        if let retracted = event.retracted {
            try txn.put(tables.retractions, uint64Key: event.seq, Keys.uint64(retracted.seq))
            for reference in retracted.references {
                try txn.delete(tables.refs, LedgerTables.refKey(reference, seq: retracted.seq))
            }
        }
    }

    /// Moves a store made before tree format 2 (leaves and interior nodes in two tables) into
    /// `nodes`, once, at open, and drops the old tables.
    static func migrateTreeIfNeeded(env: Environment, tables: LedgerTables, logger: Logger) throws {
        if try env.read({ txn in try txn.get(tables.meta, treeFormatKey) }) == treeFormat { return }
        let leaves = env.databaseIfPresent("leaves")
        let tree = env.databaseIfPresent("tree")
        try env.write { txn in
            if let leaves {
                let count = try txn.count(leaves)
                if count > 0 { logger.notice("moving the Merkle tree into one table", metadata: ["leaves": "\(count)"]) }
                try txn.scan(leaves) { key, hash in
                    try txn.put(tables.nodes, TreeNodeKey.make(level: 0, index: Keys.uint64(from: key) - 1), hash)
                    return true
                }
                try txn.drop(leaves)
            }
            if let tree {
                try txn.scan(tree) { key, hash in
                    guard key.count == 9 else { throw LedgerError(.internalError, "a stored tree key has \(key.count) bytes") }
                    let index = Keys.uint64(from: UnsafeRawBufferPointer(rebasing: key[1...]))
                    try txn.put(tables.nodes, TreeNodeKey.make(level: Int(key[0]), index: index), hash)
                    return true
                }
                try txn.drop(tree)
            }
            try txn.put(tables.meta, treeFormatKey, treeFormat)
        }
    }

    static let treeFormatKey = Array("tree-format".utf8)
    static let treeFormat = Array("2".utf8)

    static func olderLayout(_ directory: String) -> LedgerError {
        LedgerError(
            .internalError,
            "\(directory) holds a store in an older layout; start ledgerd \(PolicyLedger.version) on it once to upgrade it")
    }

    static func recordedMilliseconds(of line: [UInt8]) -> Int64 {
        guard case .object(let object)? = try? JSONParser.parse(line), case .string(let text)? = object["recorded"],
            let seconds = TimeParser.parse(text)
        else { return 0 }
        let fraction = text.split(separator: ".").last.map { Int64($0.dropLast()) ?? 0 } ?? 0
        return seconds.seconds * 1000 + fraction
    }
}

/// A refused request that was alone in its group: thrown out of the write so that it aborts.
private struct RefusedAlone: Error {
    let error: LedgerError
}

/// Lets the writer thread call back into the ledger without a retain cycle at init time.
final class ApplyBox: @unchecked Sendable {  // Sendable: set once during `Ledger.init`, before the writer thread starts.
    var apply: (@Sendable ([PendingAppend]) -> Void)?
}

