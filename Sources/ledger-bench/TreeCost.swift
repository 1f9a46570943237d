import Foundation
import LedgerDomain
import LedgerEngine

/// What the Merkle tree and the per-commit signed checkpoint cost an append: the ledger's own
/// append path (validation, group commit, synced commits), in process, with and without them.
/// Each round measures both, back to back and in alternating order, so that drift in the disk's
/// and the machine's speed hits both alike; the cost is the median over rounds of each round's
/// ratio. Each ledger is first filled with `prefill` events so the tree has a realistic depth.
enum TreeCost {
    struct Rates {
        var single: Double
        var concurrent: Double
        var batched: Double
    }

    static func measure(directory: String, prefill: Int = 50_000, rounds: Int = 5) async throws
        -> (with: Rates, without: Rates, ratio: Rates)
    {
        var with: [Rates] = []
        var without: [Rates] = []
        for round in 0..<rounds {
            for tamperEvidence in round % 2 == 0 ? [true, false] : [false, true] {
                let dir = directory + "/tree-\(round)-\(tamperEvidence)"
                try? FileManager.default.removeItem(atPath: dir)
                var options = LedgerOptions(directory: dir, initialMapSize: 1 << 30)
                options.tamperEvidence = tamperEvidence
                let ledger = try Ledger(options: options)
                var n = 0
                func next() -> JSONValue {
                    n += 1
                    return try! JSONParser.parse(Load.event(n, prefix: "t"))
                }
                for _ in 0..<(prefill / 10_000) {
                    _ = try await ledger.append((0..<10_000).map { _ in next() }, batch: true, recordedBy: "bench")
                }
                var start = Date()
                for _ in 0..<500 { _ = try await ledger.append([next()], batch: false, recordedBy: "bench") }
                let single = 500 / Date().timeIntervalSince(start)
                let concurrentEvents = (0..<64).map { _ in (0..<20).map { _ in next() } }
                start = Date()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for events in concurrentEvents {
                        group.addTask { for event in events { _ = try await ledger.append([event], batch: false, recordedBy: "bench") } }
                    }
                    try await group.waitForAll()
                }
                let concurrent = Double(64 * 20) / Date().timeIntervalSince(start)
                let batches = (0..<5).map { _ in (0..<10_000).map { _ in next() } }
                start = Date()
                for batch in batches { _ = try await ledger.append(batch, batch: true, recordedBy: "bench") }
                let batched = 50_000 / Date().timeIntervalSince(start)
                ledger.close()
                try? FileManager.default.removeItem(atPath: dir)
                let rates = Rates(single: single, concurrent: concurrent, batched: batched)
                if tamperEvidence { with.append(rates) } else { without.append(rates) }
            }
        }
        func median(_ rates: [Rates], _ key: KeyPath<Rates, Double>) -> Double {
            let sorted = rates.map { $0[keyPath: key] }.sorted()
            return sorted[sorted.count / 2]
        }
        func medians(_ rates: [Rates]) -> Rates {
            Rates(single: median(rates, \.single), concurrent: median(rates, \.concurrent), batched: median(rates, \.batched))
        }
        let ratios = zip(with, without).map {
            Rates(single: $0.single / $1.single, concurrent: $0.concurrent / $1.concurrent, batched: $0.batched / $1.batched)
        }
        return (medians(with), medians(without), medians(ratios))
    }
}
