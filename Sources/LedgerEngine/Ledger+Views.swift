import Foundation
import LedgerDomain
import LedgerStore
import Logging

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

    /// The fold of the visible events at `cut`, from the projection records (cached per cut;
    /// a cached state is the same fold, since the log below a seq never changes). With
    /// `types`, only events of those types are applied (a view's `reads`): the others are
    /// skipped on their type byte without being decoded.
    ///
    /// One pass in fold order: the `views` table is keyed by (time, seq), so the scan stops at
    /// the first record after `cut.at`, skips records above `cut.seq`, and skips the events that
    /// a retraction at or below `cut.seq` names. No JSON is parsed and nothing is sorted; the
    /// records are decoded on a second thread while this one applies them.
    public func state(at cut: ViewCut, reading types: Set<EventType>? = nil) throws -> LedgerState {
        let key = ViewCache.Key(cut: cut, types: types)
        if let cached = viewCache.withLock({ $0.lookup(key) }) { return cached }
        let mask = ViewRecord.mask(types ?? Set(EventType.allCases))
        let tables = self.tables
        let env = self.env
        var state = LedgerState()
        if cut.seq > 0 {
            let end = cut.at.seconds
            let (retracted, counted) = try env.read { txn in
                var retracted = Set<UInt64>()
                try txn.scan(tables.retractions) { key, target in
                    if Keys.uint64(from: key) > cut.seq { return false }
                    retracted.insert(Keys.uint64(from: target))
                    return true
                }
                // A first pass reads only keys and type bytes to size the state's tables, so the
                // fold never rehashes them as they grow.
                var created: [EventType: Int] = [:]
                try txn.scan(tables.views) { key, value in
                    let (time, seq) = ViewRecord.decodeKey(key)
                    if time.seconds > end { return false }
                    if seq <= cut.seq, ViewRecord.isType(value, in: mask), let type = ViewRecord.type(of: value), type.isCreation {
                        created[type, default: 0] += 1
                    }
                    return true
                }
                return (retracted, created)
            }
            // Views read actors only by subject (coherence: the owners' kinds). When a view reads
            // actors with other types, the rest is folded first and then only the actors it
            // refers to: registrations touch nothing but `actors`, so the order between the two
            // passes does not matter, and a ledger of many actors is not loaded whole.
            var created = counted
            var firstMask = mask
            let actorsLast = types.map { $0.contains(.actorRegistered) && $0.count > 1 } ?? false
            if actorsLast, let types {
                firstMask = ViewRecord.mask(types.subtracting([.actorRegistered]))
                created[.actorRegistered] = nil
            }
            state.reserveCapacity(created)
            try fold(into: &state, cut: cut, mask: firstMask, skipping: retracted, where: nil)
            if actorsLast {
                let needed = state.referencedActors()
                try fold(
                    into: &state, cut: cut, mask: ViewRecord.mask([.actorRegistered]), skipping: retracted,
                    where: { needed.contains($0.subject) })
            }
        }
        viewCache.withLock { $0.store(key, state) }
        return state
    }

    /// Applies, in fold order, the records of `mask`'s types at `cut` that are not retracted and
    /// that `keep` accepts. Decoding runs on a second thread, in its own snapshot, a few batches
    /// ahead of the fold on this one; its snapshot may be newer, but records at or below
    /// `cut.seq` are the same in every snapshot.
    private func fold(
        into state: inout LedgerState, cut: ViewCut, mask: UInt32, skipping retracted: Set<UInt64>,
        where keep: (@Sendable (ViewEvent) -> Bool)?
    ) throws {
        let tables = self.tables
        let env = self.env
        let end = cut.at.seconds
        let batches = FoldBatches()
        let producer = Thread {
            do {
                try env.read { txn in
                    var batch: [ViewEvent] = []
                    batch.reserveCapacity(FoldBatches.batchSize)
                    try txn.scan(tables.views) { key, value in
                        let (time, seq) = ViewRecord.decodeKey(key)
                        if time.seconds > end { return false }
                        if seq > cut.seq || !ViewRecord.isType(value, in: mask) || retracted.contains(seq) { return true }
                        guard let event = ViewRecord.decode(key: key, value: value) else {
                            throw LedgerError(.internalError, "the projection record of seq \(seq) cannot be read")
                        }
                        if let keep, !keep(event) { return true }
                        batch.append(event)
                        if batch.count == FoldBatches.batchSize {
                            batches.put(batch)
                            batch.removeAll(keepingCapacity: true)
                        }
                        return true
                    }
                    if !batch.isEmpty { batches.put(batch) }
                }
                batches.finish(nil)
            } catch {
                batches.finish(error)
            }
        }
        producer.start()
        while let batch = try batches.take() {
            for event in batch { state.apply(event) }
        }
    }

    /// Writes the projection records of a store made before they existed (or in an older
    /// format), from the canonical lines, once, at open.
    static func buildViewRecordsIfNeeded(env: Environment, tables: LedgerTables, logger: Logger, head: UInt64) throws {
        let formatKey = Array("view-record-format".utf8)
        let current = Array(ViewRecord.format.utf8)
        if try env.read({ txn in try txn.get(tables.meta, formatKey) }) == current { return }
        if head > 0 { logger.notice("building the view projection records", metadata: ["events": "\(head)"]) }
        try env.write { txn in
            try txn.clear(tables.views)
            try txn.clear(tables.retractions)
            try txn.scan(tables.events) { _, line in
                guard let event = ViewEvent(line: Array(line)) else {
                    throw LedgerError(.internalError, "a stored line cannot be read")
                }
                if event.type == .eventRetracted {
                    guard let target = try tables.seq(ofID: event.data.text("target") ?? "", in: txn).map(Keys.uint64) else {
                        throw LedgerError(.internalError, "the retraction at seq \(event.seq) names an unknown event")
                    }
                    try txn.put(tables.retractions, Keys.uint64(event.seq), target)
                } else {
                    try txn.put(
                        tables.views, ViewRecord.key(time: event.time, seq: event.seq),
                        ViewRecord.encode(type: event.type, subject: event.subject, data: event.data))
                }
                return true
            }
            try txn.put(tables.meta, formatKey, current)
        }
    }
}

/// Decoded events handed from the decoding thread to the folding one, a few batches at most.
final class FoldBatches: @unchecked Sendable {  // Sendable: every field is guarded by `condition`.
    static let batchSize = 4096
    private let condition = NSCondition()
    private var queue: [[ViewEvent]] = []
    private var finished = false
    private var failure: (any Error)?

    func put(_ batch: [ViewEvent]) {
        condition.lock()
        while queue.count >= 4 { condition.wait() }
        queue.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    func finish(_ error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch; nil once the producer finished and every batch was taken.
    func take() throws -> [ViewEvent]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        if let failure { throw failure }
        if queue.isEmpty { return nil }
        condition.broadcast()
        return queue.removeFirst()
    }
}

/// A few recent folds, keyed by their cut and the event types they applied.
struct ViewCache: Sendable {
    struct Key: Equatable, Sendable {
        var cut: ViewCut
        var types: Set<EventType>?
    }

    private var entries: [(key: Key, state: LedgerState)] = []
    private let capacity = 16

    func lookup(_ key: Key) -> LedgerState? {
        entries.first { $0.key == key }?.state
    }

    mutating func store(_ key: Key, _ state: LedgerState) {
        entries.removeAll { $0.key == key }
        entries.append((key, state))
        if entries.count > capacity { entries.removeFirst() }
    }
}
