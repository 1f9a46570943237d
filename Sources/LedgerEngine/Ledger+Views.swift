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
        let state = try env.read { txn in
            var events: [ViewEvent] = []
            events.reserveCapacity(Int(min(cut.seq, 1 << 20)))
            guard cut.seq > 0 else { return LedgerState(events: events, cut: cut) }
            try txn.scan(tables.events) { key, line in
                if Keys.uint64(from: key) > cut.seq { return false }
                if let event = ViewEvent(line: Array(line)) { events.append(event) }
                return true
            }
            return LedgerState(events: events, cut: cut)
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
