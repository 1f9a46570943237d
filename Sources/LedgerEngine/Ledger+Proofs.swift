import Foundation
import LedgerDomain
import LedgerStore
import Synchronization

extension Ledger {
    /// The RFC 6962 root of the first `size` leaves, from the stored tree.
    public func root(size: UInt64) throws -> [UInt8] {
        let tables = self.tables
        return try env.read { txn in try MerkleTree.root(size: size, node: tables.nodes(txn)) }
    }

    /// The audit path of leaf `seq - 1` in the tree of `size` leaves.
    public func inclusionProof(seq: UInt64, size: UInt64) throws -> [[UInt8]] {
        let tables = self.tables
        return try env.read { txn in try MerkleTree.inclusionProof(index: seq - 1, size: size, node: tables.nodes(txn)) }
    }

    /// The consistency proof between the trees of `from` and `to` leaves.
    public func consistencyProof(from: UInt64, to: UInt64) throws -> [[UInt8]] {
        let tables = self.tables
        return try env.read { txn in try MerkleTree.consistencyProof(from: from, to: to, node: tables.nodes(txn)) }
    }

    /// The last signed checkpoint (a C2SP signed note), nil before the first event.
    public func checkpoint() throws -> String? {
        let tables = self.tables
        return try env.read { txn in
            try txn.get(tables.meta, Array("checkpoint".utf8)).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// The verifier key of the checkpoint signatures.
    public func verifierKey() throws -> String? {
        let tables = self.tables
        return try env.read { txn in
            try txn.get(tables.meta, Array("verifier".utf8)).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Offline verification: recomputes every leaf from its stored line and the root from the
    /// leaves, and checks them against the stored leaves, the stored tree and the last signed
    /// checkpoint. `progress` is called with the number of lines checked.
    ///
    /// The log is checked in chunks of 2^14 seqs on every core, each chunk in its own read
    /// snapshot (lines below the head never change, so every snapshot agrees on them). A chunk
    /// is a perfect RFC 6962 subtree, so the root is the chunks' roots combined like leaves.
    /// `chunkSize` must be a power of two (smaller ones let tests cross chunk boundaries).
    public func verifyStore(chunkSize: UInt64 = 1 << 14, progress: (UInt64) -> Void = { _ in }) throws -> VerificationReport {
        precondition(chunkSize > 0 && chunkSize & (chunkSize - 1) == 0, "chunkSize must be a power of two")
        let tables = self.tables
        // One snapshot fixes the size and what it is checked against.
        let (size, storedRoot, note, verifier) = try env.read { txn in
            let size = try txn.last(tables.events).map { Keys.uint64(from: $0.key) } ?? 0
            let root = try? MerkleTree.root(size: size, node: tables.nodes(txn))
            let note = try txn.get(tables.meta, Array("checkpoint".utf8)).map { String(decoding: $0, as: UTF8.self) }
            let verifier = try txn.get(tables.meta, Array("verifier".utf8)).map { String(decoding: $0, as: UTF8.self) }
            return (size, root, note, verifier)
        }
        let chunkCount = Int((size + chunkSize - 1) / chunkSize)
        let results = StoreVerifier.Results(count: chunkCount)
        let workers = max(1, min(Parallel.cores, chunkCount))
        let env = self.env
        let work: @Sendable () -> Void = {
            while let chunk = results.take() {
                let first = UInt64(chunk) * chunkSize + 1
                let last = min(first + chunkSize - 1, size)
                let result = (try? env.read { txn in try StoreVerifier.check(first...last, txn: txn, tables: tables) })
                    ?? .init(root: [], checked: 0, failure: .init(seq: first, reason: "the chunk from seq \(first) cannot be read"))
                results.finish(chunk, result)
            }
        }
        let threads = (1..<workers).map { _ in Thread { work() } }
        threads.forEach { $0.start() }
        work()
        while !results.allDone { results.waitForProgress { progress($0) } }
        progress(size)

        var builder = MerkleTree.Frontier()
        for result in results.all {
            if let failure = result.failure { return VerificationReport(size: builder.size * chunkSize, root: nil, failure: failure) }
            builder.append(result.root)
        }
        let root = size == 0 ? MerkleTree.emptyRoot : builder.root
        if storedRoot != root {
            return VerificationReport(
                size: size, root: root, failure: .init(seq: nil, reason: "the stored tree's root does not match the leaves"))
        }
        guard let note, let verifier else {
            return VerificationReport(
                size: size, root: root, failure: size == 0 ? nil : .init(seq: nil, reason: "no signed checkpoint is stored"))
        }
        guard let body = SignedNote.verify(note: note, verifierKey: verifier), let checkpoint = SignedNote.parseCheckpoint(body)
        else {
            return VerificationReport(
                size: size, root: root, failure: .init(seq: nil, reason: "the stored checkpoint's signature does not verify with the stored key"))
        }
        if checkpoint.size != size {
            return VerificationReport(
                size: size, root: root,
                failure: .init(seq: min(checkpoint.size, size) + 1, reason: "the last signed checkpoint has size \(checkpoint.size) but the log holds \(size) events"))
        }
        if checkpoint.root != root {
            return VerificationReport(
                size: size, root: root, failure: .init(seq: nil, reason: "the recomputed root differs from the signed checkpoint's root"))
        }
        return VerificationReport(size: size, root: root, failure: nil)
    }
}

/// What offline verification found.
public struct VerificationReport: Sendable {
    public struct Failure: Sendable {
        /// The first bad seq, when one is to blame.
        public var seq: UInt64?
        public var reason: String
    }

    public var size: UInt64
    public var root: [UInt8]?
    public var failure: Failure?
}

extension Ledger {
    /// Writes a consistent, compacted copy of the store (and the signing key) into `directory`,
    /// which must not exist or be empty, while appends go on; returns the head the copy holds
    /// at least. The corresponding C function is `mdb_env_copy2`.
    /// A destination the daemon cannot use is refused as `invalid-field`, naming the system's reason.
    public func backup(to directory: String) throws -> UInt64 {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw LedgerError(.invalidField, "path: \(directory) is not a directory") }
            guard (try? fm.contentsOfDirectory(atPath: directory))?.isEmpty ?? false else {
                throw LedgerError(.invalidState, "\(directory) is not empty")
            }
        } else {
            try Ledger.unwritable(directory) { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        }
        let seq = head
        try Ledger.unwritable(directory) { try env.copy(to: directory, compact: true) }
        let key = options.directory + "/" + CheckpointSigner.fileName
        if fm.fileExists(atPath: key) {
            let copy = directory + "/" + CheckpointSigner.fileName
            try Ledger.unwritable(directory) {
                try fm.copyItem(atPath: key, toPath: copy)
                try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: copy)
            }
        }
        return seq
    }

    /// Runs `body`, turning a file system failure into a refusal that says why `directory`
    /// cannot be written (a read-only or forbidden place is the usual one under systemd).
    private static func unwritable(_ directory: String, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            let code: Int32? =
                (error as? LMDBError)?.code
                ?? ((error as NSError).userInfo[NSUnderlyingErrorKey] as? any Error).flatMap {
                    let underlying = $0 as NSError
                    return underlying.domain == NSPOSIXErrorDomain ? Int32(underlying.code) : nil
                }
            let reason = code.map { String(cString: strerror($0)) } ?? "\(error)"
            let hint = [EROFS, EACCES, EPERM].contains(code ?? 0) ? backupPlaceHint : ""
            throw LedgerError(.invalidField, "path: the daemon cannot write \(directory): \(reason)\(hint)")
        }
    }

    static let backupPlaceHint =
        " (under the shipped systemd unit ledgerd may write only its state directory and /var/backups/ledgerd; add ReadWritePaths= with `systemctl edit ledgerd` for another place)"
}
