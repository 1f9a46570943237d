/// Checking RFC 6962 proofs against roots, as a client holding only hashes does: RFC 9162
/// section 2.1.3.2 (inclusion) and 2.1.4.2 (consistency).
extension MerkleTree {
    /// Whether `proof` shows the leaf `leafHash` at 0-based `index` in the tree of `size` leaves
    /// whose root is `root`.
    public static func verifyInclusion(index: UInt64, size: UInt64, leafHash: Hash, proof: [Hash], root: Hash) -> Bool {
        guard index < size, proof.allSatisfy({ $0.count == 32 }) else { return false }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = interior(p, r)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                r = interior(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// Whether `proof` shows that the tree of `first` leaves with root `firstRoot` is a prefix of
    /// the tree of `second` leaves with root `secondRoot`: nothing in the first was changed,
    /// removed or reordered. Every tree extends the empty one; equal sizes need equal roots.
    public static func verifyConsistency(first: UInt64, second: UInt64, firstRoot: Hash, secondRoot: Hash, proof: [Hash]) -> Bool {
        guard first <= second, proof.allSatisfy({ $0.count == 32 }) else { return false }
        if first == second { return proof.isEmpty && firstRoot == secondRoot }
        if first == 0 { return proof.isEmpty && firstRoot == emptyRoot }
        // A first tree that is a perfect subtree of the second is a node of its proof.
        let path = first & (first - 1) == 0 ? [firstRoot] + proof : proof
        guard let start = path.first else { return false }
        var fn = first - 1
        var sn = second - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = start
        var sr = start
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = interior(c, fr)
                sr = interior(c, sr)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                sr = interior(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == firstRoot && sr == secondRoot && sn == 0
    }
}

extension MerkleTree {
    /// The 1-based position of the first leaf (hashes laid end to end, 32 bytes each) that is
    /// not the leaf at that position in a signed tree of `size` leaves with root `root` (nil when
    /// they all are), found by bisection: the first m leaves agree exactly when a consistency
    /// proof from m to `size`, given by `proof(m)`, verifies against their root and `root`. Asks
    /// for about log2(size) proofs.
    public static func firstDivergence(leafBytes: [UInt8], size: UInt64, root: Hash, proof: (UInt64) throws -> [Hash]) rethrows -> UInt64? {
        let lookup = inMemory(leafBytes: leafBytes)
        // Every perfect subtree of the leaves is in the lookup, so it never misses.
        func prefixRoot(_ m: UInt64) -> Hash { (try? MerkleTree.root(size: m, node: lookup)) ?? [] }
        let count = min(UInt64(leafBytes.count / 32), size)
        func agrees(_ m: UInt64) throws -> Bool {
            if m == 0 { return true }
            return m == size
                ? prefixRoot(m) == root
                : try verifyConsistency(first: m, second: size, firstRoot: prefixRoot(m), secondRoot: root, proof: proof(m))
        }
        if try agrees(count) { return nil }
        // The first `low` leaves agree, the first `high` do not.
        var low: UInt64 = 0
        var high = count
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if try agrees(middle) { low = middle } else { high = middle }
        }
        return high
    }
}

extension MerkleTree {
    /// A node lookup over every perfect subtree of the leaves (hashes laid end to end, 32 bytes
    /// each), computed once, about twice their size in memory, so that any prefix's root or
    /// proof takes O(log n).
    public static func inMemory(leafBytes: [UInt8]) -> NodeLookup {
        var levels = [leafBytes]
        while levels[levels.count - 1].count > 32 {
            let below = levels[levels.count - 1]
            var level = [UInt8](repeating: 0, count: below.count / 64 * 32)
            below.withUnsafeBytes { below in
                level.withUnsafeMutableBytes { level in
                    for i in 0..<level.count / 32 {
                        interior(below.baseAddress! + 64 * i, below.baseAddress! + 64 * i + 32, into: level.baseAddress! + 32 * i)
                    }
                }
            }
            levels.append(level)
        }
        return { level, index in Array(levels[level][Int(index) * 32..<Int(index) * 32 + 32]) }
    }
}
