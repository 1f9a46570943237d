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
        try txn.scan(tables.leaves, from: Keys.uint64(range.lowerBound)) { key, leaf in
            let seq = Keys.uint64(from: key)
            if seq > range.upperBound { return false }
            let i = Int(seq - range.lowerBound)
            if leaf.count == 32 {
                stored.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: i * 32).copyMemory(from: leaf.baseAddress!, byteCount: 32) }
                present[i] = true
            }
            return true
        }
        let builder = FlatBuilder()
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
            if !holdsSeq(line, seq, needle: &needle) {
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
        return ChunkResult(root: builder.root, checked: builder.count, failure: failure)
    }

    /// `SHA-256(0x00 || line)` straight from the mapped bytes, into `leaf` (32 bytes).
    static func leafHash(_ line: UnsafeRawBufferPointer, into leaf: UnsafeMutableRawPointer) {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0)) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: line)
        hasher.finalize().withUnsafeBytes { leaf.copyMemory(from: $0.baseAddress!, byteCount: 32) }
    }

    /// `MerkleTree.Builder` without an allocation or a copy-on-write check per hash: the stack
    /// of perfect subtrees (at most 64) lives in one buffer allocated once.
    final class FlatBuilder {
        private let hashes = UnsafeMutableRawPointer.allocate(byteCount: 65 * 32, alignment: 8)
        private let sizes = UnsafeMutablePointer<UInt64>.allocate(capacity: 65)
        private var depth = 0
        private(set) var count: UInt64 = 0

        deinit {
            hashes.deallocate()
            sizes.deallocate()
        }

        /// Appends the leaf at `leaf` (32 bytes).
        func append(_ leaf: UnsafeRawPointer) {
            var d = depth
            (hashes + d * 32).copyMemory(from: leaf, byteCount: 32)
            sizes[d] = 1
            while d > 0 && sizes[d - 1] == sizes[d] {
                Self.interior(hashes + (d - 1) * 32, hashes + d * 32, into: hashes + (d - 1) * 32)
                sizes[d - 1] &*= 2
                d -= 1
            }
            depth = d + 1
            count += 1
        }

        /// The RFC 6962 root of the leaves appended so far.
        var root: [UInt8] {
            guard depth > 0 else { return MerkleTree.emptyRoot }
            var hash = [UInt8](UnsafeRawBufferPointer(start: hashes + (depth - 1) * 32, count: 32))
            var d = depth - 1
            while d > 0 {
                hash.withUnsafeMutableBytes { Self.interior(hashes + (d - 1) * 32, $0.baseAddress!, into: $0.baseAddress!) }
                d -= 1
            }
            return hash
        }

        /// out = SHA-256(0x01 || left || right); `out` may be `left` or `right`.
        private static func interior(_ left: UnsafeRawPointer, _ right: UnsafeRawPointer, into out: UnsafeMutableRawPointer) {
            var hasher = SHA256()
            withUnsafeBytes(of: UInt8(1)) { hasher.update(bufferPointer: $0) }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: left, count: 32))
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: right, count: 32))
            hasher.finalize().withUnsafeBytes { out.copyMemory(from: $0.baseAddress!, byteCount: 32) }
        }
    }

    /// Whether the line carries `,"seq":N,"source":` (JCS places seq between recordedby and source).
    /// Candidates are found with memchr on the rare byte `q`, then compared whole.
    static func holdsSeq(_ line: UnsafeRawBufferPointer, _ seq: UInt64, needle: inout [UInt8]) -> Bool {
        needle.removeAll(keepingCapacity: true)
        needle.append(contentsOf: #","seq":"#.utf8)
        let start = needle.count
        var n = seq
        repeat {
            needle.insert(UInt8(ascii: "0") + UInt8(n % 10), at: start)
            n /= 10
        } while n > 0
        needle.append(contentsOf: #","source":"#.utf8)
        let count = needle.count
        guard line.count >= count, let base = line.baseAddress else { return false }
        return needle.withUnsafeBytes { pattern in
            var offset = 4  // the `q` of `,"seq":` is at index 4 of the needle
            while offset < line.count {
                guard let hit = memchr(base + offset, Int32(UInt8(ascii: "q")), line.count - offset) else { return false }
                let at = base.distance(to: UnsafeRawPointer(hit)) - 4
                if at >= 0, at + count <= line.count, memcmp(base + at, pattern.baseAddress!, count) == 0 { return true }
                offset = at + 5
            }
            return false
        }
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
