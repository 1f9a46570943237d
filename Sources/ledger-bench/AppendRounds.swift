import Foundation

/// (a) and (b) against the raw single-commit rate, in interleaved rounds.
///
/// A synced commit's latency on this kind of machine drifts by a third within minutes, more than
/// the ledger's own variation, so a baseline taken once and a load taken later can land on either
/// side of a target by chance. Each round therefore measures the raw baseline right before and
/// right after each load (raw, one client, raw, 64 clients, raw): every figure is the total of its
/// rounds (events over seconds), each load's ratio is its total rate over the total rate of the
/// baseline runs around it, and the per-round ratios give the spread.
enum AppendRounds {
    struct Figures {
        /// Raw synced single-event commits per second, over every round.
        var raw: Double
        var single: Measured
        var concurrent: Measured
        /// Events the loads appended.
        var events: Int
    }

    /// A load's rate over its rounds, the baseline's over the runs around them, and the lowest
    /// and highest per-round ratio.
    struct Measured {
        var rate: Double
        var baseline: Double
        var lowRatio: Double
        var highRatio: Double
    }

    static func measure(
        raw store: RawLMDB.Store, socket: String, rounds: Int = 6, singleRequests: Int = 500, concurrentEach: Int = 125,
        rawCommits: Int = 300
    ) throws -> Figures {
        var rawTotal = Tally()
        var single = Paired()
        var concurrent = Paired()
        for round in 0..<rounds {
            let before = try rawRun(store, commits: rawCommits)
            let a = try Load.timedSingleClient(socket: socket, requests: singleRequests, prefix: "single\(round)")
            let middle = try rawRun(store, commits: rawCommits)
            let b = try Load.timedConcurrentClients(
                socket: socket, clients: 64, requestsEach: concurrentEach, prefix: "conc\(round)")
            let after = try rawRun(store, commits: rawCommits)
            single.add(load: a, baseline: [before, middle])
            concurrent.add(load: b, baseline: [middle, after])
            for run in [before, middle, after] { rawTotal.add(run) }
        }
        return Figures(
            raw: rawTotal.rate, single: single.measured, concurrent: concurrent.measured,
            events: single.load.events + concurrent.load.events)
    }

    private static func rawRun(_ store: RawLMDB.Store, commits: Int) throws -> Tally {
        let start = Date()
        for _ in 0..<commits { try store.commit(events: 1) }
        return Tally(events: commits, seconds: Date().timeIntervalSince(start))
    }

    struct Tally {
        var events = 0
        var seconds = 0.0
        var rate: Double { Double(events) / seconds }

        mutating func add(_ other: Tally) {
            events += other.events
            seconds += other.seconds
        }
    }

    /// A load's rounds with the baseline runs around each.
    private struct Paired {
        var load = Tally()
        var baseline = Tally()
        var ratios: [Double] = []

        mutating func add(load round: Tally, baseline runs: [Tally]) {
            var around = Tally()
            for run in runs { around.add(run) }
            load.add(round)
            baseline.add(around)
            ratios.append(round.rate / around.rate)
        }

        var measured: Measured {
            Measured(
                rate: load.rate, baseline: baseline.rate, lowRatio: ratios.min() ?? 0, highRatio: ratios.max() ?? 0)
        }
    }
}
