import Crypto

/// RFC 6962 Merkle tree hashing over stored nodes. `node(level, index)` returns the hash of the
/// perfect subtree of 2^level leaves starting at leaf `index * 2^level` (level 0: the leaf hash).
public enum MerkleTree {
    public typealias Hash = [UInt8]
    public typealias NodeLookup = (_ level: Int, _ index: UInt64) throws -> Hash

    /// The root of the empty tree: SHA-256 of the empty string.
    public static let emptyRoot: Hash = Array(SHA256.hash(data: [UInt8]()))

    /// `SHA-256(0x01 || left || right)`.
    public static func interior(_ left: Hash, _ right: Hash) -> Hash {
        var out = Hash(repeating: 0, count: 32)
        left.withUnsafeBytes { l in
            right.withUnsafeBytes { r in out.withUnsafeMutableBytes { interior(l.baseAddress!, r.baseAddress!, into: $0.baseAddress!) } }
        }
        return out
    }

    /// out = SHA-256(0x01 || left || right) over 32-byte hashes; `out` may be `left` or `right`.
    static func interior(_ left: UnsafeRawPointer, _ right: UnsafeRawPointer, into out: UnsafeMutableRawPointer) {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(1)) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: UnsafeRawBufferPointer(start: left, count: 32))
        hasher.update(bufferPointer: UnsafeRawBufferPointer(start: right, count: 32))
        hasher.finalize().withUnsafeBytes { out.copyMemory(from: $0.baseAddress!, byteCount: 32) }
    }

    /// The largest power of two smaller than `n` (n >= 2).
    static func split(_ n: UInt64) -> UInt64 {
        var k: UInt64 = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH of leaves [start, end): stored perfect subtrees combined along RFC 6962's splits.
    public static func rangeHash(_ start: UInt64, _ end: UInt64, node: NodeLookup) throws -> Hash {
        let n = end - start
        if n == 0 { return emptyRoot }
        if n & (n - 1) == 0 && start % n == 0 {
            return try node(n.trailingZeroBitCount, start / n)
        }
        let k = split(n)
        return interior(try rangeHash(start, start + k, node: node), try rangeHash(start + k, end, node: node))
    }

    /// The root of the first `size` leaves.
    public static func root(size: UInt64, node: NodeLookup) throws -> Hash {
        try rangeHash(0, size, node: node)
    }

    /// RFC 6962 section 2.1.1 audit path for leaf `index` in the tree of `size` leaves, leaf to root.
    public static func inclusionProof(index: UInt64, size: UInt64, node: NodeLookup) throws -> [Hash] {
        precondition(index < size)
        func path(_ m: UInt64, _ start: UInt64, _ end: UInt64) throws -> [Hash] {
            let n = end - start
            if n <= 1 { return [] }
            let k = split(n)
            if m < k {
                return try path(m, start, start + k) + [rangeHash(start + k, end, node: node)]
            }
            return try path(m - k, start + k, end) + [rangeHash(start, start + k, node: node)]
        }
        return try path(index, 0, size)
    }

    /// RFC 6962 section 2.1.2 consistency proof between the trees of `from` and `to` leaves.
    public static func consistencyProof(from m: UInt64, to n: UInt64, node: NodeLookup) throws -> [Hash] {
        precondition(m <= n)
        if m == 0 || m == n { return [] }
        func subproof(_ m: UInt64, _ start: UInt64, _ end: UInt64, _ complete: Bool) throws -> [Hash] {
            let n = end - start
            if m == n { return complete ? [] : [try rangeHash(start, end, node: node)] }
            let k = split(n)
            if m <= k {
                return try subproof(m, start, start + k, complete) + [rangeHash(start + k, end, node: node)]
            }
            return try subproof(m - k, start + k, end, false) + [rangeHash(start, start + k, node: node)]
        }
        return try subproof(m, 0, n, true)
    }

    /// The right edge of a tree that is being appended to: the roots of the perfect subtrees
    /// whose sizes are the set bits of `size`, largest first. Appending a leaf and taking the
    /// root need no stored node and O(log n) memory. The writer keeps one across commits (a
    /// value, so that a refused batch leaves its copy untouched); verification recomputes roots
    /// with one.
    public struct Frontier: Sendable, Equatable {
        public private(set) var size: UInt64 = 0
        /// The subtree roots, 32 bytes each, largest first (one flat buffer: appending hashes
        /// in place allocates nothing).
        private var hashes: [UInt8] = []

        /// The empty tree.
        public init() {}

        /// The frontier of the tree of `size` leaves, read from its stored nodes.
        public init(size: UInt64, node: NodeLookup) throws {
            var start: UInt64 = 0
            for level in stride(from: 63, through: 0, by: -1) where size >> UInt64(level) & 1 == 1 {
                hashes.append(contentsOf: try node(level, start >> UInt64(level)))
                start += 1 << UInt64(level)
            }
            self.size = size
        }

        /// Appends a leaf hash; `completed` gets each interior node it completes, bottom up, as
        /// (level, index, hash), the hash valid during the call.
        public mutating func append(
            _ leaf: Hash, completed: (_ level: Int, _ index: UInt64, _ hash: UnsafeRawBufferPointer) throws -> Void
        ) rethrows {
            precondition(leaf.count == 32, "a leaf hash is 32 bytes")
            try leaf.withUnsafeBytes { try append($0.baseAddress!, completed: completed) }
        }

        /// Appends a leaf hash, for those who need only the roots.
        public mutating func append(_ leaf: Hash) { append(leaf, completed: { _, _, _ in }) }

        /// Appends the 32-byte leaf hash at `leaf`, for those who need only the roots.
        public mutating func append(_ leaf: UnsafeRawPointer) { append(leaf, completed: { _, _, _ in }) }

        /// Appends the 32-byte leaf hash at `leaf`, as `append(_:completed:)`.
        public mutating func append(
            _ leaf: UnsafeRawPointer,
            completed: (_ level: Int, _ index: UInt64, _ hash: UnsafeRawBufferPointer) throws -> Void
        ) rethrows {
            hashes.append(contentsOf: UnsafeRawBufferPointer(start: leaf, count: 32))
            var index = size
            var level = 0
            var top = hashes.count / 32 - 1
            try hashes.withUnsafeMutableBytes { buffer in
                while index & 1 == 1 {
                    let left = buffer.baseAddress! + (top - 1) * 32
                    MerkleTree.interior(left, left + 32, into: left)
                    top -= 1
                    level += 1
                    index >>= 1
                    try completed(level, index, UnsafeRawBufferPointer(start: left, count: 32))
                }
            }
            hashes.removeLast(hashes.count - (top + 1) * 32)
            size += 1
        }

        /// The RFC 6962 root of the `size` leaves.
        public var root: Hash {
            guard !hashes.isEmpty else { return MerkleTree.emptyRoot }
            var root = Hash(hashes[(hashes.count - 32)...])
            hashes.withUnsafeBytes { buffer in
                root.withUnsafeMutableBytes { out in
                    for left in stride(from: buffer.count / 32 - 2, through: 0, by: -1) {
                        MerkleTree.interior(buffer.baseAddress! + left * 32, out.baseAddress!, into: out.baseAddress!)
                    }
                }
            }
            return root
        }
    }
}
