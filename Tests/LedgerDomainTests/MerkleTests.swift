import Crypto
import Foundation
import Testing

@testable import LedgerDomain

/// An independent RFC 6962 / RFC 9162 implementation written from the RFC for the tests:
/// recursive MTH and the RFC 9162 section 2.1.3 / 2.1.4 verification algorithms.
enum Reference {
    static func sha(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
    static func leaf(_ data: [UInt8]) -> [UInt8] { sha([0] + data) }
    static func node(_ l: [UInt8], _ r: [UInt8]) -> [UInt8] { sha([1] + l + r) }

    static func mth(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        if leaves.isEmpty { return sha([]) }
        if leaves.count == 1 { return leaf(leaves.first!) }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        return node(mth(leaves.prefix(k)), mth(leaves.dropFirst(k)))
    }

    static func verifyInclusion(index: UInt64, size: UInt64, leafHash: [UInt8], proof: [[UInt8]], root: [UInt8]) -> Bool {
        guard index < size else { return false }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = node(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
                }
            } else {
                r = node(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    static func verifyConsistency(first: UInt64, second: UInt64, firstRoot: [UInt8], secondRoot: [UInt8], proof: [[UInt8]]) -> Bool {
        if first == second { return proof.isEmpty && firstRoot == secondRoot }
        if first == 0 { return proof.isEmpty }
        var path = proof
        if first & (first - 1) == 0 { path.insert(firstRoot, at: 0) }
        guard !path.isEmpty else { return false }
        var fn = first - 1
        var sn = second - 1
        while fn & 1 == 1 { fn >>= 1; sn >>= 1 }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = node(c, fr)
                sr = node(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
                }
            } else {
                sr = node(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == firstRoot && sr == secondRoot && sn == 0
    }
}

func hex(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = Array(s)
    while chars.count >= 2 { out.append(UInt8(String(chars[0..<2]), radix: 16)!); chars.removeFirst(2) }
    return out
}

/// The stored-node lookup the ledger keeps, built here from the leaf hashes.
func nodeLookup(_ leaves: [[UInt8]]) -> MerkleTree.NodeLookup {
    var nodes: [Int: [[UInt8]]] = [0: leaves]
    var level = 0
    while nodes[level]!.count > 1 {
        let below = nodes[level]!
        nodes[level + 1] = stride(from: 0, to: below.count - 1, by: 2).map { MerkleTree.interior(below[$0], below[$0 + 1]) }
        level += 1
    }
    return { level, index in nodes[level]![Int(index)] }
}

@Suite("RFC 6962 Merkle tree and C2SP signed notes")
struct MerkleTests {
    static let vectorLeaves: [[UInt8]] = [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43], Array(0x50...0x57), Array(0x60...0x6f),
    ]
    static let vectorRoots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    @Test func rootsMatchTheRFC6962TestVectors() throws {
        let leaves = Self.vectorLeaves.map { Validator.leafHash($0) }
        let lookup = nodeLookup(leaves)
        #expect(MerkleTree.emptyRoot == hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
        for size in 1...8 {
            #expect(try MerkleTree.root(size: UInt64(size), node: lookup) == hex(Self.vectorRoots[size - 1]))
            var builder = MerkleTree.Frontier()
            for leaf in leaves.prefix(size) { builder.append(leaf) }
            #expect(builder.root == hex(Self.vectorRoots[size - 1]))
        }
        let path = try MerkleTree.inclusionProof(index: 0, size: 8, node: lookup)
        #expect(path == [
            hex("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            hex("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            hex("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ])
    }

    @Test func proofsForRandomSizesVerifyIndependently() throws {
        var rng = SystemRandomNumberGenerator()
        let data = (0..<300).map { i in Array("leaf \(i)".utf8) }
        let leaves = data.map(Reference.leaf)
        let lookup = nodeLookup(leaves)
        for _ in 0..<400 {
            let size = UInt64.random(in: 1...300, using: &rng)
            let index = UInt64.random(in: 0..<size, using: &rng)
            let root = Reference.mth(data.prefix(Int(size)))
            #expect(try MerkleTree.root(size: size, node: lookup) == root)
            let proof = try MerkleTree.inclusionProof(index: index, size: size, node: lookup)
            #expect(Reference.verifyInclusion(index: index, size: size, leafHash: leaves[Int(index)], proof: proof, root: root), "inclusion \(index)/\(size)")
            let first = UInt64.random(in: 1...size, using: &rng)
            let consistency = try MerkleTree.consistencyProof(from: first, to: size, node: lookup)
            #expect(Reference.verifyConsistency(
                first: first, second: size, firstRoot: Reference.mth(data.prefix(Int(first))), secondRoot: root, proof: consistency),
                "consistency \(first)->\(size)")
            // A proof for the wrong leaf fails.
            if size > 1 {
                #expect(!Reference.verifyInclusion(index: index, size: size, leafHash: leaves[Int((index + 1) % size)], proof: proof, root: root))
            }
        }
    }

    /// The verifiers `ledgerctl` runs: every proof the tree gives, for every size up to 70,
    /// holds; a proof with any byte changed, a hash missing or added, or checked against another
    /// leaf, index, size or root does not. The reference verifier agrees on each case.
    @Test func theVerifiersAcceptEveryProofAndRefuseEveryAlteredOne() throws {
        let leaves = (0..<70).map { Reference.leaf(Array("event \($0)".utf8)) }
        let lookup = nodeLookup(leaves)
        let roots = try (0...70).map { try MerkleTree.root(size: UInt64($0), node: lookup) }
        func altered(_ proof: [[UInt8]]) -> [[[UInt8]]] {
            var out = [Array(proof.dropLast()), proof + [roots[1]]]
            for i in proof.indices {
                var changed = proof
                changed[i][i % 32] ^= 0x01
                out.append(changed)
            }
            return proof.isEmpty ? [[roots[1]]] : out
        }
        for size in UInt64(1)...70 {
            for index in 0..<size {
                let proof = try MerkleTree.inclusionProof(index: index, size: size, node: lookup)
                let leaf = leaves[Int(index)]
                #expect(MerkleTree.verifyInclusion(index: index, size: size, leafHash: leaf, proof: proof, root: roots[Int(size)]))
                var wrong: [(UInt64, UInt64, [UInt8], [[UInt8]], [UInt8])] = altered(proof).map { (index, size, leaf, $0, roots[Int(size)]) }
                if size < 70 { wrong.append((index, size + 1, leaf, proof, roots[Int(size) + 1])) }
                wrong.append((index, size, roots[0], proof, roots[Int(size)]))
                if size > 1 {
                    wrong.append(((index + 1) % size, size, leaf, proof, roots[Int(size)]))
                    wrong.append((index, size, leaves[Int((index + 1) % size)], proof, roots[Int(size)]))
                }
                for (i, n, l, p, r) in wrong {
                    #expect(!MerkleTree.verifyInclusion(index: i, size: n, leafHash: l, proof: p, root: r), "inclusion \(index)/\(size)")
                    #expect(!Reference.verifyInclusion(index: i, size: n, leafHash: l, proof: p, root: r))
                }
            }
            for first in 0...size {
                let proof = try MerkleTree.consistencyProof(from: first, to: size, node: lookup)
                let (a, b) = (roots[Int(first)], roots[Int(size)])
                #expect(MerkleTree.verifyConsistency(first: first, second: size, firstRoot: a, secondRoot: b, proof: proof), "\(first)->\(size)")
                var wrong: [(UInt64, UInt64, [UInt8], [UInt8], [[UInt8]])] = altered(proof).map { (first, size, a, b, $0) }
                if first > 0 { wrong.append((first, size, roots[Int(first) - 1], b, proof)) }
                // Every tree extends the empty one, whatever its root.
                if first > 0 && first < size { wrong.append((first, size, a, roots[Int(size) - 1], proof)) }
                if first < size { wrong.append((size, first, b, a, proof)) }
                for (m, n, x, y, p) in wrong {
                    #expect(!MerkleTree.verifyConsistency(first: m, second: n, firstRoot: x, secondRoot: y, proof: p), "consistency \(first)->\(size)")
                    // (The reference takes neither sizes out of order nor a proof from the empty tree.)
                    if m <= n && m > 0 {
                        #expect(!Reference.verifyConsistency(first: m, second: n, firstRoot: x, secondRoot: y, proof: p))
                    }
                }
            }
        }
    }

    /// Online `verify` names the first changed line by bisection with consistency proofs.
    @Test func theFirstDivergingLeafIsFoundWithFewProofs() throws {
        let signed = (0..<70).map { Reference.leaf(Array("event \($0)".utf8)) }
        let lookup = nodeLookup(signed)
        let root = try MerkleTree.root(size: 70, node: lookup)
        var asked = 0
        let proof = { (m: UInt64) throws -> [[UInt8]] in
            asked += 1
            return try MerkleTree.consistencyProof(from: m, to: 70, node: lookup)
        }
        #expect(try MerkleTree.firstDivergence(leafBytes: signed.flatMap { $0 }, size: 70, root: root, proof: proof) == nil)
        #expect(try MerkleTree.firstDivergence(leafBytes: signed.prefix(40).flatMap { $0 }, size: 70, root: root, proof: proof) == nil)
        for k in 1...70 {
            var seen = signed
            seen[k - 1] = Reference.leaf(Array("rewritten \(k)".utf8))
            if k < 60 { seen[69] = Reference.leaf(Array("also rewritten".utf8)) }
            asked = 0
            #expect(try MerkleTree.firstDivergence(leafBytes: seen.flatMap { $0 }, size: 70, root: root, proof: proof) == UInt64(k))
            #expect(asked <= 8, "\(asked) proofs for 70 leaves")
        }
    }

    @Test func incrementalNodesMatchTheFullTree() throws {
        var stored: [String: [UInt8]] = [:]
        let lookup: MerkleTree.NodeLookup = { level, index in stored["\(level)/\(index)"]! }
        var frontier = try MerkleTree.Frontier(size: 0, node: lookup)
        var data: [[UInt8]] = []
        for i in 0..<100 {
            data.append(Array("x\(i)".utf8))
            let leaf = Reference.leaf(data[i])
            stored["0/\(i)"] = leaf
            frontier.append(leaf) { level, index, hash in stored["\(level)/\(index)"] = Array(hash) }
            let size = UInt64(i + 1)
            // The stored nodes, the kept frontier and one rebuilt from the store agree with the reference.
            #expect(try MerkleTree.root(size: size, node: lookup) == Reference.mth(data[...]))
            #expect(frontier.root == Reference.mth(data[...]) && frontier.size == size)
            #expect(try MerkleTree.Frontier(size: size, node: lookup) == frontier)
        }
        // Exactly the complete subtrees were stored: floor(100 / 2^level) at each level.
        #expect(stored.count == 100 + 50 + 25 + 12 + 6 + 3 + 1)
    }

    @Test func signedCheckpointsFollowC2SP() throws {
        let key = Curve25519.Signing.PrivateKey()
        let root = Reference.mth([[1, 2, 3]][...])
        let body = SignedNote.checkpointBody(origin: "example.org/log", size: 1, root: root)
        #expect(body == "example.org/log\n1\n\(Data(root).base64EncodedString())\n")
        let note = try SignedNote.sign(body: body, name: "example.org/log", key: key)
        let verifier = SignedNote.verifierKey(name: "example.org/log", publicKey: Array(key.publicKey.rawRepresentation))
        #expect(verifier.hasPrefix("example.org/log+"))
        #expect(SignedNote.verify(note: note, verifierKey: verifier) == body)
        // The signature line: em dash, key name, base64(4-byte key hash || 64-byte signature).
        let line = note.split(separator: "\n").last!
        #expect(line.hasPrefix("\u{2014} example.org/log "))
        #expect(Data(base64Encoded: String(line.split(separator: " ").last!))?.count == 68)
        let tampered = note.replacingOccurrences(of: "\n1\n", with: "\n2\n")
        #expect(SignedNote.verify(note: tampered, verifierKey: verifier) == nil)
        let other = SignedNote.verifierKey(name: "example.org/log", publicKey: Array(Curve25519.Signing.PrivateKey().publicKey.rawRepresentation))
        #expect(SignedNote.verify(note: note, verifierKey: other) == nil)
        let signer = SignedNote.signerKey(name: "example.org/log", key: key)
        #expect(SignedNote.parseSignerKey(signer)?.key.rawRepresentation == key.rawRepresentation)
    }
}
