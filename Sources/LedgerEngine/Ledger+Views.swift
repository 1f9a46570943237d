import LedgerDomain
import LedgerStore

extension Ledger {
    /// The highest seq whose recorded time (whole seconds) is at or before `recorded`;
    /// recorded times never decrease with seq, so this is a binary search.
    public func seq(recordedAtOrBefore recorded: Timestamp) throws -> UInt64 {
        let tables = self.tables
        return try env.read { txn in
            var low: UInt64 = 0
            var high = try txn.last(tables.events).map { Keys.uint64(from: $0.key) } ?? 0
            while low < high {
                let mid = (low + high + 1) / 2
                guard let line = try txn.get(tables.events, Keys.uint64(mid)), let event = ViewEvent(line: line) else {
                    throw LedgerError(.internalError, "seq \(mid) cannot be read")
                }
                if event.recorded <= recorded.seconds { low = mid } else { high = mid - 1 }
            }
            return low
        }
    }

    /// The fold of the visible events at `cut`, from the log (cached per cut; a cached state
    /// is the same fold, since the log below a seq never changes).
    public func state(at cut: ViewCut) throws -> LedgerState {
        if let cached = viewCache.withLock({ $0.lookup(cut) }) { return cached }
        let tables = self.tables
        // Two passes keep memory to 16 bytes per candidate: first the (time, seq) of every event
        // inside the cut and the ids retractions name, read off the canonical bytes; then each
        // candidate's line, parsed and applied in fold order.
        let state = try env.read { txn in
            var candidates: [(time: Int64, seq: UInt64)] = []
            var retracted = Set<String>()
            if cut.seq > 0 {
                try txn.scan(tables.events) { key, line in
                    let seq = Keys.uint64(from: key)
                    if seq > cut.seq { return false }
                    if CanonicalFields.hasType(line, EventType.eventRetracted.rawValue) {
                        if let target = CanonicalFields.retractionTarget(line) { retracted.insert(target) }
                    } else if let time = CanonicalFields.time(line), time <= cut.at.seconds {
                        candidates.append((time, seq))
                    }
                    return true
                }
            }
            candidates.sort { ($0.time, $0.seq) < ($1.time, $1.seq) }
            var state = LedgerState()
            for candidate in candidates {
                guard let read = try txn.withValue(tables.events, Keys.uint64(candidate.seq), { ViewEvent(line: Array($0)) }),
                    let event = read
                else { throw LedgerError(.internalError, "seq \(candidate.seq) cannot be read") }
                if !retracted.contains(event.id) { state.apply(event) }
            }
            return state
        }
        viewCache.withLock { $0.store(cut, state) }
        return state
    }
}

/// A few recent folds, keyed by their cut.
struct ViewCache: Sendable {
    private var entries: [(cut: ViewCut, state: LedgerState)] = []
    private let capacity = 8

    func lookup(_ cut: ViewCut) -> LedgerState? {
        entries.first { $0.cut == cut }?.state
    }

    mutating func store(_ cut: ViewCut, _ state: LedgerState) {
        entries.removeAll { $0.cut == cut }
        entries.append((cut, state))
        if entries.count > capacity { entries.removeFirst() }
    }
}
