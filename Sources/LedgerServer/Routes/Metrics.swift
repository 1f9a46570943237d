import LedgerDomain
import LedgerEngine
import Prometheus

/// The daemon's counters, gauges and histograms in a swift-prometheus registry, served by
/// `GET /metrics` in the Prometheus text format. Every series exists from the start (refusals
/// and views at zero), so that a rate or an alert needs no series to appear first.
public final class Metrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let appendedEvents: Counter
    private let appendRequests: Counter
    private let refusals: [ProblemCode: Counter]
    private let batchEvents: ValueHistogram
    private let commitSeconds: DurationHistogram
    private let syncSeconds: DurationHistogram
    private let viewSeconds: [ViewName: DurationHistogram]
    private let headSeq: Gauge
    private let storeBytes: Gauge
    private let mapBytes: Gauge
    private let mapUsedRatio: Gauge

    static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500),
    ]
    static let batchBuckets: [Double] = [1, 2, 5, 10, 50, 100, 500, 1000, 5000, 10000]

    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "ledger", metricName: metric, unitName: unit, helpText: help)
        }
        appendedEvents = registry.makeCounter(descriptor: name("appended_events", "total", "Events stored (repeats not counted)."))
        appendRequests = registry.makeCounter(
            descriptor: name("append_requests", "total", "Append requests that were accepted."))
        let refused = name("refusals", "total", "Refused requests by problem code.")
        refusals = Dictionary(
            uniqueKeysWithValues: ProblemCode.allCases.map {
                ($0, registry.makeCounter(descriptor: refused, labels: [("code", $0.rawValue)]))
            })
        batchEvents = registry.makeValueHistogram(
            descriptor: name("batch_events", "", "Events per accepted append request."), buckets: Self.batchBuckets)
        commitSeconds = registry.makeDurationHistogram(
            descriptor: name("commit", "seconds", "Time from taking a group of appends to its synced commit."),
            buckets: Self.latencyBuckets)
        syncSeconds = registry.makeDurationHistogram(
            descriptor: name(
                "sync", "seconds", "Time of each commit spent writing and syncing its pages, once the group is applied."),
            buckets: Self.latencyBuckets)
        let view = name("view", "seconds", "Time to compute a view.")
        viewSeconds = Dictionary(
            uniqueKeysWithValues: ViewName.allCases.map {
                ($0, registry.makeDurationHistogram(descriptor: view, labels: [("view", $0.rawValue)], buckets: Self.latencyBuckets))
            })
        headSeq = registry.makeGauge(descriptor: name("head_seq", "", "The seq of the last stored event."))
        storeBytes = registry.makeGauge(descriptor: name("store", "bytes", "Bytes of the LMDB map in use."))
        mapBytes = registry.makeGauge(descriptor: name("map", "bytes", "Size of the LMDB map."))
        mapUsedRatio = registry.makeGauge(descriptor: name("map_used_ratio", "", "Fraction of the map in use."))
    }

    func observeAppend(events: Int, stored: Int) {
        appendRequests.increment()
        appendedEvents.increment(by: Int64(stored))
        batchEvents.record(Double(events))
    }

    func observeRefusal(_ code: ProblemCode) {
        refusals[code]!.increment()
    }

    func observeView(_ view: ViewName, duration: Duration) {
        viewSeconds[view]!.record(duration)
    }

    /// Records a commit's times; the ledger calls it on its writer thread (`LedgerOptions.onCommit`).
    @Sendable func observeCommit(_ times: CommitTimes) {
        commitSeconds.record(times.total)
        syncSeconds.record(times.sync)
    }

    /// The text exposition, the gauges read from `ledger` now.
    func render(ledger: Ledger) -> [UInt8] {
        let (used, mapSize) = ledger.storage
        headSeq.set(Int64(ledger.head))
        storeBytes.set(Int64(used))
        mapBytes.set(Int64(mapSize))
        mapUsedRatio.set(mapSize > 0 ? Double(used) / Double(mapSize) : 0)
        return registry.emitToBuffer()
    }
}
