import Crypto
import Foundation
import LedgerDomain
import LedgerStore

/// The baseline: LMDB itself, through the same store layer, with a 300-byte value per event.
enum RawLMDB {
    struct Figures {
        var singleCommitRate: Double
        var batchedRate: Double
        var scanRate: Double
    }

    static func measure(directory: String, events: Int) throws -> Figures {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let env = try Environment(path: directory, mapSize: 4 << 30, databases: ["log"])
        let db = env.database("log")
        let value = [UInt8](repeating: 0x61, count: 300)
        var seq: UInt64 = 0
        let singles = 2000
        var start = Date()
        for _ in 0..<singles {
            seq += 1
            try env.write { txn in try txn.put(db, Keys.uint64(seq), value, append: true) }
        }
        let singleRate = Double(singles) / Date().timeIntervalSince(start)
        start = Date()
        var written = 0
        while written < events {
            let n = min(10_000, events - written)
            try env.write { txn in
                for _ in 0..<n {
                    seq += 1
                    try txn.put(db, Keys.uint64(seq), value, append: true)
                }
            }
            written += n
        }
        let batchedRate = Double(events) / Date().timeIntervalSince(start)
        start = Date()
        var scanned = 0
        var checksum = 0
        try env.read { txn in
            try txn.scan(db) { _, v in
                scanned += 1
                checksum &+= Int(v.count)
                return true
            }
        }
        let scanRate = Double(scanned) / Date().timeIntervalSince(start)
        precondition(checksum > 0)
        return Figures(singleCommitRate: singleRate, batchedRate: batchedRate, scanRate: scanRate)
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
