import Foundation
import LedgerDomain
import LedgerEngine

/// What the Merkle tree and the per-commit signed checkpoint cost an append: the ledger's own
/// append path (validation, group commit, synced commits), in process, with and without them.
///
/// Two ledgers stay open side by side, each first filled with `prefill` events so the tree has
/// a realistic depth. Each round runs every shape on both, in ABBA order (with, without,
/// without, with, then the other way round), so that drift in the disk's and the machine's
/// speed hits both alike; a shape's cost is its total rate with the tree over its total rate
/// without, over all rounds, and the per-round ratios give the spread.
enum TreeCost {
    struct Rates {
        var single: Double
        var concurrent: Double
        var batched: Double
    }

    /// Events and seconds spent per shape.
    private struct Tally {
        var events = [0, 0, 0]
        var seconds = [0.0, 0.0, 0.0]

        var rates: Rates {
            Rates(
                single: Double(events[0]) / seconds[0], concurrent: Double(events[1]) / seconds[1],
                batched: Double(events[2]) / seconds[2])
        }
    }

    static func measure(directory: String, prefill: Int = 50_000, rounds: Int = 8) async throws
        -> (with: Rates, without: Rates, ratio: Rates, spread: (low: Rates, high: Rates))
    {
        var ledgers: [Bool: Ledger] = [:]
        var counters: [Bool: Int] = [:]
        for tamperEvidence in [true, false] {
            let dir = directory + "/tree-\(tamperEvidence)"
            try? FileManager.default.removeItem(atPath: dir)
            var options = LedgerOptions(directory: dir, initialMapSize: 1 << 30)
            options.tamperEvidence = tamperEvidence
            ledgers[tamperEvidence] = try Ledger(options: options)
            counters[tamperEvidence] = 0
        }
        func events(_ count: Int, for mode: Bool) -> [JSONValue] {
            let start = counters[mode]!
            counters[mode] = start + count
            return (start..<start + count).map { try! JSONParser.parse(Load.event($0, prefix: "t")) }
        }
        for mode in [true, false] {
            for _ in 0..<(prefill / 10_000) {
                _ = try await ledgers[mode]!.append(events(10_000, for: mode), batch: true, recordedBy: "bench")
            }
        }
        var totals: [Bool: Tally] = [true: Tally(), false: Tally()]
        var perRound: [Rates] = []
        for round in 0..<rounds {
            var tallies: [Bool: Tally] = [true: Tally(), false: Tally()]
            let order = round % 2 == 0 ? [true, false, false, true] : [false, true, true, false]
            for mode in order {
                let ledger = ledgers[mode]!
                // One writer, one event per append.
                let singles = events(100, for: mode)
                var start = Date()
                for event in singles { _ = try await ledger.append([event], batch: false, recordedBy: "bench") }
                tallies[mode]!.events[0] += singles.count
                tallies[mode]!.seconds[0] += Date().timeIntervalSince(start)
                // 64 writers, one event per append.
                let concurrent = (0..<64).map { _ in events(20, for: mode) }
                start = Date()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for list in concurrent {
                        group.addTask { for event in list { _ = try await ledger.append([event], batch: false, recordedBy: "bench") } }
                    }
                    try await group.waitForAll()
                }
                tallies[mode]!.events[1] += 64 * 20
                tallies[mode]!.seconds[1] += Date().timeIntervalSince(start)
                // 10,000-event batches.
                let batch = events(10_000, for: mode)
                start = Date()
                _ = try await ledger.append(batch, batch: true, recordedBy: "bench")
                tallies[mode]!.events[2] += batch.count
                tallies[mode]!.seconds[2] += Date().timeIntervalSince(start)
            }
            for mode in [true, false] {
                for shape in 0..<3 {
                    totals[mode]!.events[shape] += tallies[mode]!.events[shape]
                    totals[mode]!.seconds[shape] += tallies[mode]!.seconds[shape]
                }
            }
            perRound.append(ratio(tallies[true]!.rates, tallies[false]!.rates))
        }
        for ledger in ledgers.values { ledger.close() }
        for mode in [true, false] { try? FileManager.default.removeItem(atPath: directory + "/tree-\(mode)") }
        func extreme(_ pick: ([Double]) -> Double) -> Rates {
            Rates(
                single: pick(perRound.map(\.single)), concurrent: pick(perRound.map(\.concurrent)),
                batched: pick(perRound.map(\.batched)))
        }
        let with = totals[true]!.rates
        let without = totals[false]!.rates
        return (with, without, ratio(with, without), (extreme { $0.min()! }, extreme { $0.max()! }))
    }

    private static func ratio(_ a: Rates, _ b: Rates) -> Rates {
        Rates(single: a.single / b.single, concurrent: a.concurrent / b.concurrent, batched: a.batched / b.batched)
    }
}
