import Crypto
import Foundation
import LedgerDomain
import LedgerStore

/// One chunk of offline verification: the stored lines of a seq range hashed to leaves,
/// compared with the stored leaves, and combined into the range's RFC 6962 subtree root.
enum StoreVerifier {
    struct ChunkResult: Sendable {
        var root: [UInt8]
        var checked: UInt64
        var failure: VerificationReport.Failure?
    }

    /// Checks seqs `range` (a chunk: aligned to its power-of-two size, so a perfect subtree unless last) in `txn`.
    static func check(_ range: ClosedRange<UInt64>, txn: Transaction, tables: LedgerTables) throws -> ChunkResult {
        let count = Int(range.upperBound - range.lowerBound + 1)
        // The stored leaves of the range, in one sequential pass.
        var stored = [UInt8](repeating: 0, count: count * 32)
        var present = [Bool](repeating: false, count: count)
        try txn.scan(tables.nodes, from: TreeNodeKey.make(level: 0, index: range.lowerBound - 1)) { key, leaf in
            // Keys run by last leaf covered: past the range's last leaf, nothing is left to read.
            guard key.count == 9 else { return true }
            let seq = Keys.uint64(from: key) + 1
            if seq > range.upperBound { return false }
            guard key[8] == 0 else { return true }
            let i = Int(seq - range.lowerBound)
            if leaf.count == 32 {
                stored.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: i * 32).copyMemory(from: leaf.baseAddress!, byteCount: 32) }
                present[i] = true
            }
            return true
        }
        var builder = MerkleTree.Frontier()
        let leaf = UnsafeMutableRawPointer.allocate(byteCount: 32, alignment: 8)
        defer { leaf.deallocate() }
        var expected = range.lowerBound
        var failure: VerificationReport.Failure?
        var needle = [UInt8]()
        try txn.scan(tables.events, from: Keys.uint64(range.lowerBound)) { key, line in
            let seq = Keys.uint64(from: key)
            if seq > range.upperBound { return false }
            if seq != expected {
                failure = .init(seq: expected, reason: "seq \(expected) is missing (next stored is \(seq))")
                return false
            }
            leafHash(line, into: leaf)
            let i = Int(seq - range.lowerBound)
            let matches = present[i] && stored.withUnsafeBytes { memcmp($0.baseAddress! + i * 32, leaf, 32) == 0 }
            guard matches else {
                failure = .init(seq: seq, reason: "the stored line of seq \(seq) does not hash to its stored leaf")
                return false
            }
            if !CanonicalFields.holdsSeq(line, seq, needle: &needle) {
                failure = .init(seq: seq, reason: "the line stored at seq \(seq) does not carry that seq")
                return false
            }
            builder.append(leaf)
            expected += 1
            return true
        }
        if failure == nil && expected <= range.upperBound {
            failure = .init(seq: expected, reason: "seq \(expected) is missing")
        }
        return ChunkResult(root: builder.root, checked: builder.size, failure: failure)
    }

    /// `SHA-256(0x00 || line)` straight from the mapped bytes, into `leaf` (32 bytes).
    static func leafHash(_ line: UnsafeRawBufferPointer, into leaf: UnsafeMutableRawPointer) {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0)) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: line)
        hasher.finalize().withUnsafeBytes { leaf.copyMemory(from: $0.baseAddress!, byteCount: 32) }
    }

    /// The chunks' results and who is working on what, shared by the verifying threads.
    final class Results: @unchecked Sendable {  // Sendable: every field is guarded by `condition`.
        private let condition = NSCondition()
        private var results: [ChunkResult?]
        private var next = 0
        private var done = 0
        private var checked: UInt64 = 0

        init(count: Int) {
            results = Array(repeating: nil, count: count)
        }

        /// The next chunk to check, or nil when every chunk is taken.
        func take() -> Int? {
            condition.lock()
            defer { condition.unlock() }
            guard next < results.count else { return nil }
            next += 1
            return next - 1
        }

        func finish(_ chunk: Int, _ result: ChunkResult) {
            condition.lock()
            results[chunk] = result
            done += 1
            checked += result.checked
            condition.broadcast()
            condition.unlock()
        }

        var allDone: Bool {
            condition.lock()
            defer { condition.unlock() }
            return done == results.count
        }

        /// Waits for the next finished chunk (or a short while), then reports the lines checked.
        func waitForProgress(_ report: (UInt64) -> Void) {
            condition.lock()
            if done < results.count { _ = condition.wait(until: Date().addingTimeInterval(0.2)) }
            let checked = self.checked
            condition.unlock()
            report(checked)
        }

        var all: [ChunkResult] {
            condition.lock()
            defer { condition.unlock() }
            return results.map { $0! }
        }
    }
}
