import Foundation
import LedgerDomain
import LedgerStore

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
    public func verifyStore(progress: (UInt64) -> Void = { _ in }) throws -> VerificationReport {
        let tables = self.tables
        return try env.read { txn in
            var builder = MerkleTree.Builder()
            var expected: UInt64 = 1
            var failure: VerificationReport.Failure?
            try txn.scan(tables.events) { key, line in
                let seq = Keys.uint64(from: key)
                if seq != expected {
                    failure = .init(seq: expected, reason: "seq \(expected) is missing (next stored is \(seq))")
                    return false
                }
                let leaf = Validator.leafHash(line)
                guard let stored = try txn.get(tables.leaves, key), stored == leaf else {
                    failure = .init(seq: seq, reason: "the stored line of seq \(seq) does not hash to its stored leaf")
                    return false
                }
                if !CanonicalFields.holdsSeq(line, seq) {
                    failure = .init(seq: seq, reason: "the line stored at seq \(seq) does not carry that seq")
                    return false
                }
                builder.append(leaf)
                expected += 1
                if seq % 65_536 == 0 { progress(seq) }
                return true
            }
            let size = builder.count
            progress(size)
            if let failure { return VerificationReport(size: size, root: nil, failure: failure) }
            let root = builder.root
            if (try? MerkleTree.root(size: size, node: tables.nodes(txn))) != root {
                return VerificationReport(
                    size: size, root: root, failure: .init(seq: nil, reason: "the stored tree's root does not match the leaves"))
            }
            guard let note = try txn.get(tables.meta, Array("checkpoint".utf8)).map({ String(decoding: $0, as: UTF8.self) }),
                let verifier = try txn.get(tables.meta, Array("verifier".utf8)).map({ String(decoding: $0, as: UTF8.self) })
            else {
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
    public func backup(to directory: String) throws -> UInt64 {
        let fm = FileManager.default
        if fm.fileExists(atPath: directory) {
            guard (try fm.contentsOfDirectory(atPath: directory)).isEmpty else {
                throw LedgerError(.invalidState, "\(directory) is not empty")
            }
        } else {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let seq = head
        try env.copy(to: directory, compact: true)
        let key = options.directory + "/" + CheckpointSigner.fileName
        if fm.fileExists(atPath: key) {
            try fm.copyItem(atPath: key, toPath: directory + "/" + CheckpointSigner.fileName)
            try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: directory + "/" + CheckpointSigner.fileName)
        }
        return seq
    }
}
