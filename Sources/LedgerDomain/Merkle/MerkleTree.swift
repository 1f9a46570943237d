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
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(1)) { hasher.update(bufferPointer: $0) }
        left.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        right.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return Array(hasher.finalize())
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

    /// The interior nodes that become complete when leaf `index` is appended: (level, index, hash)
    /// for each level above 0, given the leaf's hash and a lookup of existing nodes.
    public static func completedNodes(appending leaf: Hash, at index: UInt64, node: NodeLookup) throws
        -> [(level: Int, index: UInt64, hash: Hash)]
    {
        var result: [(level: Int, index: UInt64, hash: Hash)] = []
        var i = index
        var level = 0
        var hash = leaf
        while i & 1 == 1 {
            let left = try node(level, i - 1)
            hash = interior(left, hash)
            level += 1
            i >>= 1
            result.append((level, i, hash))
        }
        return result
    }

    /// Recomputes a root from all leaf hashes in order (offline verification), in O(log n) memory.
    public struct Builder {
        private var stack: [(size: UInt64, hash: Hash)] = []
        public private(set) var count: UInt64 = 0

        public init() {}

        public mutating func append(_ leaf: Hash) {
            var item = (size: UInt64(1), hash: leaf)
            while let last = stack.last, last.size == item.size {
                stack.removeLast()
                item = (last.size * 2, MerkleTree.interior(last.hash, item.hash))
            }
            stack.append(item)
            count += 1
        }

        /// The root of the leaves appended so far.
        public var root: Hash {
            guard var hash = stack.last?.hash else { return MerkleTree.emptyRoot }
            for item in stack.dropLast().reversed() { hash = MerkleTree.interior(item.hash, hash) }
            return hash
        }
    }
}
