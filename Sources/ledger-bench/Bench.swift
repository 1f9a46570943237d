import Foundation
import LedgerClient
import LedgerDomain
import LedgerEngine
import LedgerStore

/// ledger-bench: measures a raw-LMDB baseline and then ledgerd over its socket, in one run,
/// and prints each figure next to its baseline and target. Not a test: it reports numbers.
///
///     swift build -c release && .build/release/ledger-bench [--events N] [--dir DIR] [--keep] [--reuse]
///
/// `--keep` leaves the generated store in DIR; `--reuse` skips the appends and the import and
/// measures start-up, views, replay and verification on the store a `--keep` run left there.
/// For profiling one part: `--appends` ((a) and (b) only), `--tree-cost`, `--make-store`
/// (fill DIR in process), `--replay` (the fold of the store `--make-store` left) and `--stages`
/// (what parsing, the checks and a batched append cost an event, in process).
@main
struct Bench {
    static func main() async throws {
        var events = 1_000_000
        var dir = "/tmp/ledger-bench"
        var keep = false
        var reuse = false
        var mode: String?
        var args = CommandLine.arguments.dropFirst()
        // Every option is read before anything runs, so a mode uses `--dir` wherever it is given.
        while let arg = args.popFirst() {
            switch arg {
            case "--events": events = Int(args.popFirst() ?? "") ?? events
            case "--dir": dir = args.popFirst() ?? dir
            case "--keep": keep = true
            case "--reuse": reuse = true
            case "--make-store", "--appends", "--replay", "--tree-cost", "--stages": mode = arg
            default:
                print("usage: ledger-bench [--events N] [--dir DIR] [--keep] [--reuse] [--appends | --tree-cost | --make-store | --replay | --stages]")
                return
            }
        }
        switch mode {
        case "--make-store": return try await makeStore(dir: dir, events: events)
        case "--appends": return try appends(dir: dir)
        case "--replay": return try replay(dir: dir)
        case "--stages": return try await Stages.measure(directory: dir)
        case "--tree-cost":
            let cost = try await TreeCost.measure(directory: dir)
            print("with tree/checkpoints: \(cost.with)\nwithout: \(cost.without)\nratio: \(cost.ratio)\nper-round low: \(cost.spread.low)\nper-round high: \(cost.spread.high)")
            return
        default: break
        }
        if !reuse { try? FileManager.default.removeItem(atPath: dir) }
        try? FileManager.default.removeItem(atPath: dir + "/raw")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        var report = Report()

        // Baselines, measured now on this machine; the raw single-event commits in rounds
        // between the append loads.
        let daemon = try BenchDaemon(binDir: binDir, directory: dir + "/ledger")
        let memory = MemorySampler(pid: daemon.pid)
        memory.start()
        var appended = 0
        let raw: RawLMDB.Figures
        // The batched baseline is taken in two halves, one right before the import and one right
        // after it: this machine's disk swings its rate by a factor of two or more between
        // minutes, and the import is compared with the rate over both.
        let rawBefore = events / 2
        do {  // the baseline's environment closes at the end of this scope, before the scans below reopen it
            let rawStore = try RawLMDB.Store(directory: dir + "/raw")
            if !reuse {
                let rounds = try AppendRounds.measure(raw: rawStore, socket: daemon.socket)
                report.addAppendRounds(rounds)
                appended = rounds.events
            }
            raw = try RawLMDB.measure(store: rawStore, events: rawBefore)
        }
        report.add("raw LMDB: cursor scan", raw.scanRate, unit: "records/s")
        let sha = RawLMDB.sha256Rate()
        report.add("raw SHA-256 of 256 bytes", sha, unit: "hashes/s")
        var importRate: Double?
        if !reuse {
            importRate = try Load.importNDJSON(socket: daemon.socket, events: events - appended, binDir: binDir, dir: dir)
        }
        let afterSeconds = try RawLMDB.timedCommits(store: RawLMDB.Store(directory: dir + "/raw"), events: events - rawBefore)
        let batchedRate = Double(events) / (raw.batchedSeconds + afterSeconds)
        report.add("raw LMDB: 10,000-event commits (before and after (c))", batchedRate, unit: "events/s")
        report.rows.append([
            "  before / after (c)", "",
            "\(report.fmt(Double(rawBefore) / raw.batchedSeconds)) / \(report.fmt(Double(events - rawBefore) / afterSeconds)) events/s", "",
        ])
        if let importRate {
            report.add("(c) NDJSON import, 10,000/request", importRate, unit: "events/s", baseline: batchedRate, target: 0.15)
        }
        report.add(
            "raw LMDB: the ledger's 4 tables an event, 10,000-event commits (for comparison)",
            try RawLMDB.layoutRate(directory: dir + "/layout", events: min(events, 300_000)), unit: "events/s",
            baseline: batchedRate)

        daemon.stop()
        let startup = try daemon.restart()
        memory.retarget(pid: daemon.pid)
        report.add("(d) start-up to ready on \(events) events", startup, unit: "s", targetMax: 1.0)

        for name in ViewName.allCases {
            let cold = try Load.view(socket: daemon.socket, name: name.rawValue)
            let warm = try Load.view(socket: daemon.socket, name: name.rawValue)
            report.add("view \(name.rawValue) cold (first after restart)", cold, unit: "s", targetMax: 1.0)
            report.add("view \(name.rawValue) warm (same cut)", warm, unit: "s", targetMax: 0.1)
            daemon.stop()
            _ = try daemon.restart()
            memory.retarget(pid: daemon.pid)
        }
        daemon.stop()
        memory.stop()
        report.add("ledgerd anonymous resident memory, peak", Double(memory.peakKiB) / 1024, unit: "MiB", targetMax: 256)

        // The replay rate: the engine's full fold (every record decoded and applied), in process,
        // each time on a freshly opened ledger, right after a raw scan of the baseline's table so
        // that both are taken in the same phase of this machine's speed; median of 3 pairs.
        do {
            var pairs: [(fold: Double, scan: Double)] = []
            for _ in 0..<3 {
                let scan = try RawLMDB.scanRate(directory: dir + "/raw")
                let ledger = try Ledger(options: LedgerOptions(directory: dir + "/ledger/data", readOnly: true))
                let cut = ViewCut(at: TimeParser.parse("2030-01-01", dateOnly: .endOfDay)!, seq: ledger.head)
                let start = Date()
                let state = try ledger.state(at: cut)
                let seconds = Date().timeIntervalSince(start)
                precondition(state.actors.count + state.measures.count > 0, "the fold found nothing")
                pairs.append((Double(cut.seq) / seconds, scan))
                ledger.close()
            }
            let median = pairs.sorted { $0.fold / $0.scan < $1.fold / $1.scan }[1]
            report.add("raw LMDB: cursor scan, right before the fold below", median.scan, unit: "records/s")
            report.add(
                "view replay rate (full fold: every record decoded and applied; median of 3)", median.fold,
                unit: "events/s", baseline: median.scan, target: 0.07)
        }

        let verifyStart = Date()
        let ledger = try Ledger(options: LedgerOptions(directory: dir + "/ledger/data", readOnly: true))
        let verification = try ledger.verifyStore()
        let verifySeconds = Date().timeIntervalSince(verifyStart)
        ledger.close()
        report.add(
            "offline verify (\(verification.failure == nil ? "ok" : "FAILED"))", Double(verification.size) / verifySeconds,
            unit: "events/s", baseline: sha, target: 1_000_000 / sha)
        // What the tree and checkpoints cost an append (in process, same append path).
        let cost = try await TreeCost.measure(directory: dir)
        for (label, with, without, ratio, low, high) in [
            ("1 writer, 1 event/append", cost.with.single, cost.without.single, cost.ratio.single, cost.spread.low.single,
             cost.spread.high.single),
            ("64 writers, 1 event/append", cost.with.concurrent, cost.without.concurrent, cost.ratio.concurrent,
             cost.spread.low.concurrent, cost.spread.high.concurrent),
            ("10,000-event batches", cost.with.batched, cost.without.batched, cost.ratio.batched, cost.spread.low.batched,
             cost.spread.high.batched),
        ] {
            report.add("append without tree/checkpoints: \(label)", without, unit: "events/s")
            report.add("append with tree/checkpoints: \(label)", with, unit: "events/s")
            report.add("  with/without, 8 interleaved rounds (each from \(report.fmt(low)) to \(report.fmt(high)))", ratio, unit: "x", targetMin: 0.9)
        }
        print(report.render())
        if !keep { try? FileManager.default.removeItem(atPath: dir) }
    }

    /// Only fills DIR/ledger/data in process, for profiling with `--reuse` or `--replay`.
    static func makeStore(dir: String, events: Int) async throws {
        let ledger = try Ledger(options: LedgerOptions(directory: dir + "/ledger/data", initialMapSize: 1 << 30))
        for start in stride(from: 0, to: events, by: 10_000) {
            let batch = try (start..<min(start + 10_000, events)).map { try JSONParser.parse(Load.event($0, prefix: "imp")) }
            _ = try await ledger.append(batch, batch: true, recordedBy: "bench")
        }
        ledger.close()
    }

    /// Only (a) and (b), with the raw single-commit baseline, on a fresh daemon (for profiling).
    static func appends(dir: String) throws {
        try? FileManager.default.removeItem(atPath: dir)
        let rawStore = try RawLMDB.Store(directory: dir + "/raw")
        let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let daemon = try BenchDaemon(binDir: binDir, directory: dir + "/ledger")
        defer { daemon.stop() }
        var report = Report()
        report.addAppendRounds(try AppendRounds.measure(raw: rawStore, socket: daemon.socket))
        print(report.render())
    }

    /// Only the replay rate, three times, on the store `--make-store` left in DIR (for profiling).
    static func replay(dir: String) throws {
        for _ in 0..<3 {
            let ledger = try Ledger(options: LedgerOptions(directory: dir + "/ledger/data", readOnly: true))
            let cut = ViewCut(at: TimeParser.parse("2030-01-01", dateOnly: .endOfDay)!, seq: ledger.head)
            let start = Date()
            let state = try ledger.state(at: cut)
            print("replay: \(Int(Double(cut.seq) / Date().timeIntervalSince(start))) events/s (\(state.actors.count) actors)")
            ledger.close()
        }
    }
}

/// Rows of figures with their baselines and targets.
struct Report {
    var rows: [[String]] = []

    mutating func add(
        _ name: String, _ value: Double, unit: String, baseline: Double? = nil, target: Double? = nil, targetMax: Double? = nil,
        targetMin: Double? = nil
    ) {
        let ratio = baseline.map { value / $0 }
        var verdict = ""
        if let targetMin { verdict = value >= targetMin ? "meets >= \(fmt(targetMin)) \(unit)" : "MISSES >= \(fmt(targetMin)) \(unit)" }
        if let target, let ratio { verdict = ratio >= target ? "meets >= \(fmt(target))x" : "MISSES >= \(fmt(target))x" }
        if let targetMax { verdict = value <= targetMax ? "meets <= \(fmt(targetMax)) \(unit)" : "MISSES <= \(fmt(targetMax)) \(unit)" }
        rows.append([name, fmt(value) + " " + unit, ratio.map { fmt($0) + "x" } ?? "", verdict])
        FileHandle.standardError.write(Data("  \(name): \(fmt(value)) \(unit)\n".utf8))
    }

    /// The raw single-commit rate and (a) and (b) against the baseline runs around them.
    mutating func addAppendRounds(_ rounds: AppendRounds.Figures) {
        add("raw LMDB: synced single-event commits (all rounds)", rounds.raw, unit: "events/s")
        for (name, load, target) in [
            ("(a) 1 client, 1 event/request", rounds.single, 0.5), ("(b) 64 clients, 1 event/request", rounds.concurrent, 5.0),
        ] {
            add(name, load.rate, unit: "events/s", baseline: load.baseline, target: target)
            rows.append(["  per round, vs the raw runs around it", "", "\(fmt(load.lowRatio))x to \(fmt(load.highRatio))x", ""])
        }
    }

    func fmt(_ v: Double) -> String {
        if v >= 1000 { return String(Int(v.rounded())) }
        if v >= 10 { return String(format: "%.1f", v) }
        return String(format: "%.3f", v)
    }

    func render() -> String {
        let headers = ["figure", "value", "vs baseline", "target"]
        var widths = headers.map(\.count)
        for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }
}
