import LedgerDomain
import LedgerEngine
import Synchronization

/// The daemon's counters and histograms, rendered in the Prometheus text format.
public final class Metrics: Sendable {
    private struct Values {
        var appendedEvents: UInt64 = 0
        var appendRequests: UInt64 = 0
        var refusals: [String: UInt64] = [:]
        var batchSizes = Histogram(bounds: Histogram.sizes)
        var viewLatency: [String: Histogram] = [:]
    }

    private let values = Mutex(Values())

    public init() {}

    func observeAppend(events: Int, stored: Int) {
        values.withLock {
            $0.appendRequests += 1
            $0.appendedEvents += UInt64(stored)
            $0.batchSizes.observe(Double(events))
        }
    }

    func observeRefusal(_ code: ProblemCode) {
        values.withLock { $0.refusals[code.rawValue, default: 0] += 1 }
    }

    func observeView(_ name: String, seconds: Double) {
        values.withLock { $0.viewLatency[name, default: Histogram(bounds: Histogram.latency)].observe(seconds) }
    }

    func render(ledger: Ledger) -> String {
        let v = values.withLock { $0 }
        let (used, mapSize) = ledger.storage
        var lines = [
            "# HELP ledger_appended_events_total Events stored (repeats not counted).",
            "# TYPE ledger_appended_events_total counter", "ledger_appended_events_total \(v.appendedEvents)",
            "# HELP ledger_append_requests_total Append requests that were accepted.",
            "# TYPE ledger_append_requests_total counter", "ledger_append_requests_total \(v.appendRequests)",
            "# HELP ledger_refusals_total Refused requests by problem code.", "# TYPE ledger_refusals_total counter",
        ]
        lines += ProblemCode.allCases.map { "ledger_refusals_total{code=\"\($0.rawValue)\"} \(v.refusals[$0.rawValue] ?? 0)" }
        lines += ["# HELP ledger_batch_events Events per accepted append request.", "# TYPE ledger_batch_events histogram"]
        lines += v.batchSizes.render("ledger_batch_events")
        lines += ["# HELP ledger_commit_seconds Time from taking a group of appends to its synced commit.", "# TYPE ledger_commit_seconds histogram"]
        lines += ledger.commitLatency.withLock { $0 }.render("ledger_commit_seconds")
        lines += [
            "# HELP ledger_sync_seconds Time of each commit spent writing and syncing its pages, once the group is applied.",
            "# TYPE ledger_sync_seconds histogram",
        ]
        lines += ledger.syncLatency.withLock { $0 }.render("ledger_sync_seconds")
        lines += ["# HELP ledger_view_seconds Time to compute a view.", "# TYPE ledger_view_seconds histogram"]
        for name in v.viewLatency.keys.sorted() { lines += v.viewLatency[name]!.render("ledger_view_seconds", labels: "view=\"\(name)\"") }
        lines += [
            "# HELP ledger_head_seq The seq of the last stored event.", "# TYPE ledger_head_seq gauge", "ledger_head_seq \(ledger.head)",
            "# HELP ledger_store_bytes Bytes of the LMDB map in use.", "# TYPE ledger_store_bytes gauge", "ledger_store_bytes \(used)",
            "# HELP ledger_map_bytes Size of the LMDB map.", "# TYPE ledger_map_bytes gauge", "ledger_map_bytes \(mapSize)",
            "# HELP ledger_map_used_ratio Fraction of the map in use.", "# TYPE ledger_map_used_ratio gauge",
            "ledger_map_used_ratio \(mapSize > 0 ? Double(used) / Double(mapSize) : 0)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
