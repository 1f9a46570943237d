/// A checkpoint an auditor kept from earlier, checked against the log as it is now: signed by the
/// same key, no larger than the log, and extended by it (an RFC 6962 consistency proof from its
/// size to the log's verifies against both roots). That is what shows nothing it covered was
/// rewritten since, even by whoever holds the signing key: a rewritten log can be re-signed, but
/// its tree can no longer be proven to extend the kept root.
public struct KeptCheckpoint: Sendable, Equatable {
    public let size: UInt64
    public let root: MerkleTree.Hash

    /// The kept note's checkpoint, once its signature verifies with `verifierKey`; else the
    /// reason it is not this ledger's.
    public static func open(note: String, verifierKey: String) -> Result<KeptCheckpoint, Refusal> {
        guard let body = SignedNote.verify(note: note, verifierKey: verifierKey) else {
            return .failure(Refusal("the kept checkpoint is not signed by this ledger's key (\(verifierKey))"))
        }
        guard let checkpoint = SignedNote.parseCheckpoint(body) else {
            return .failure(Refusal("the kept note is signed by this ledger's key but holds no checkpoint"))
        }
        return .success(KeptCheckpoint(size: checkpoint.size, root: checkpoint.root))
    }

    /// Whether the log of `size` leaves with the (verified) `root` extends this checkpoint;
    /// `proof(from, to)` gives the consistency proof, asked for only when one is needed.
    public func check(size: UInt64, root: MerkleTree.Hash, proof: (UInt64, UInt64) throws -> [MerkleTree.Hash]) throws -> Refusal? {
        guard self.size <= size else {
            return Refusal("the kept checkpoint covers \(self.size) events and the log now has \(size): events it covered are gone")
        }
        let path = self.size == 0 || self.size == size ? [] : try proof(self.size, size)
        guard MerkleTree.verifyConsistency(first: self.size, second: size, firstRoot: self.root, secondRoot: root, proof: path) else {
            return Refusal(
                "the log of \(size) events does not extend the kept checkpoint of \(self.size): events up to seq \(self.size) were changed since it was signed")
        }
        return nil
    }

    /// Why a kept checkpoint does not hold, in words for the auditor.
    public struct Refusal: Error, Sendable, Equatable {
        public let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
