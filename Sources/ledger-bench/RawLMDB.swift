import Crypto
import Foundation
import LedgerDomain
import LedgerStore

/// The baseline: LMDB itself, through the same store layer, with a 300-byte value per event.
/// Its synced single-event commits are timed in rounds between the append loads (`AppendRounds`).
enum RawLMDB {
    struct Figures {
        var batchedRate: Double
        var scanRate: Double
    }

    /// Appends `events` in 10,000-event commits to `store`, then scans it.
    static func measure(store: Store, events: Int) throws -> Figures {
        var start = Date()
        var written = 0
        while written < events {
            let n = min(10_000, events - written)
            try store.commit(events: n)
            written += n
        }
        let batchedRate = Double(events) / Date().timeIntervalSince(start)
        start = Date()
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
        return Figures(batchedRate: batchedRate, scanRate: scanRate)
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
