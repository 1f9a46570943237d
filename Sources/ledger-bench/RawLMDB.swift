import Crypto
import Foundation
import LedgerDomain
import LedgerEngine
import LedgerStore

/// The baseline: LMDB itself, through the same store layer, with a 300-byte value per event.
/// Its synced single-event commits are timed in rounds between the append loads (`AppendRounds`).
enum RawLMDB {
    struct Figures {
        /// Seconds of the 10,000-event commits.
        var batchedSeconds: Double
        var scanRate: Double
    }

    /// Appends `events` in 10,000-event commits to `store`, then scans it.
    static func measure(store: Store, events: Int) throws -> Figures {
        let seconds = try timedCommits(store: store, events: events)
        let start = Date()
        var scanned = 0
        var checksum = 0
        try store.env.read { txn in
            try txn.scan(store.db) { _, v in
                scanned += 1
                checksum &+= Int(v.count)
                return true
            }
        }
        let scanRate = Double(scanned) / Date().timeIntervalSince(start)
        precondition(checksum > 0)
        return Figures(batchedSeconds: seconds, scanRate: scanRate)
    }

    /// Seconds to append `events` to `store` in 10,000-event commits.
    static func timedCommits(store: Store, events: Int) throws -> Double {
        let start = Date()
        var written = 0
        while written < events {
            let n = min(10_000, events - written)
            try store.commit(events: n)
            written += n
        }
        return Date().timeIntervalSince(start)
    }

    /// The baseline's store: one table, seq (8 bytes big-endian) -> 300 bytes, appended.
    final class Store {
        let env: Environment
        let db: Database
        private var seq: UInt64 = 0
        private let value = [UInt8](repeating: 0x61, count: 300)

        init(directory: String) throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            env = try Environment(path: directory, mapSize: 4 << 30, databases: ["log"])
            db = env.database("log")
            seq = try env.read { txn in try txn.last(db).map { Keys.uint64(from: $0.key) } } ?? 0
        }

        /// Appends `events` values in one synced commit.
        func commit(events: Int) throws {
            try env.write { txn in
                for _ in 0..<events {
                    seq += 1
                    try txn.put(db, Keys.uint64(seq), value, append: true)
                }
            }
        }
    }

    /// What the ledger's table layout alone costs an event, for comparison with `measure`'s
    /// batched rate: the writes `Ledger` makes for an `actor.registered` event of the import
    /// (the subject read, which misses; the log line, the leaf, the subject's record and the view
    /// record written), with nothing else, in synced 10,000-event commits. The line is the
    /// baseline's 300 bytes (the import's are about 430). Not a target's baseline: it shows how
    /// much of the import's distance to the raw rate is the layout.
    static func layoutRate(directory: String, events: Int) throws -> Double {
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let names = ["log", "nodes", "subjects", "views"]
        let env = try Environment(path: directory, mapSize: 4 << 30, databases: names)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (log, nodes, subjects, views) = (env.database("log"), env.database("nodes"), env.database("subjects"), env.database("views"))
        let line = [UInt8](repeating: 0x61, count: 300)
        let leaf = [UInt8](repeating: 0x07, count: 32)
        let state = [UInt8](repeating: 0x03, count: 60)
        let record = [UInt8](repeating: 0x05, count: 100)
        // Keys built in place, so that the figure is the tables' and not the allocator's: the
        // subject `actor/imp-<seq>` (out of order, as the import's), the leaf's (on the stack, as
        // the ledger builds it) and the view record's (a fixed time, then seq).
        let prefix = Array("actor/imp-".utf8)
        var subject = [UInt8](repeating: 0, count: prefix.count + 20)
        subject.replaceSubrange(0..<prefix.count, with: prefix)
        var viewKey = Keys.uint64(1_704_067_200) + [UInt8](repeating: 0, count: 8)
        let start = Date()
        var seq: UInt64 = 0
        while seq < UInt64(events) {
            try env.write { txn in
                for _ in 0..<min(10_000, UInt64(events) - seq) {
                    seq += 1
                    var length = prefix.count
                    for digit in String(seq).utf8 {
                        subject[length] = digit
                        length += 1
                    }
                    for i in 0..<8 { viewKey[8 + i] = UInt8(truncatingIfNeeded: seq >> (56 - 8 * UInt64(i))) }
                    try subject.withUnsafeBytes { bytes in
                        let key = UnsafeRawBufferPointer(rebasing: bytes[0..<length])
                        let stored = try txn.contains(subjects, key)
                        precondition(!stored, "subject \(seq) is already stored")
                        try txn.put(log, uint64Key: seq, line, append: true)
                        try TreeNodeKey.withKey(level: 0, index: seq - 1) { try txn.put(nodes, rawKey: $0, leaf, append: true) }
                        try txn.put(subjects, rawKey: key, state)
                        try viewKey.withUnsafeBytes { try txn.put(views, rawKey: $0, record) }
                    }
                }
            }
        }
        return Double(events) / Date().timeIntervalSince(start)
    }

    /// The cursor-scan rate of the baseline's table again (after `measure` filled `directory`).
    static func scanRate(directory: String) throws -> Double {
        let env = try Environment(path: directory, mapSize: 4 << 30, databases: ["log"], readOnly: true)
        let start = Date()
        var scanned = 0
        var checksum = 0
        try env.read { txn in
            try txn.scan(env.database("log")) { _, v in
                scanned += 1
                checksum &+= Int(v.count)
                return true
            }
        }
        precondition(checksum > 0)
        return Double(scanned) / Date().timeIntervalSince(start)
    }

    static func sha256Rate() -> Double {
        let input = [UInt8](repeating: 0x42, count: 256)
        let n = 500_000
        let start = Date()
        var acc: UInt8 = 0
        for _ in 0..<n { acc ^= Validator.leafHash(input)[0] }
        let rate = Double(n) / Date().timeIntervalSince(start)
        precondition(acc != 1 || rate > 0)
        return rate
    }
}
