import Foundation
import LedgerDomain
import Synchronization

/// The prepared events of one append request, in order, filled in chunks.
///
/// A large batch is prepared (`Validator.prepare`) by workers (one per core but the writer's),
/// chunk by chunk in order, while the writer thread already validates and stores the chunks
/// that are ready: the head-state half of a batch then overlaps its shape-checking half instead
/// of following it.
/// The writer never waits on a chunk no worker has started: it prepares that one itself, so it
/// makes progress even when every thread of the shared pool is busy or blocked (a backup waiting
/// for the writer's transaction, say). The chunks stay until the request is answered, so the
/// writer can apply a request again (after growing the map).
final class PreparedEvents: @unchecked Sendable {  // Sendable: `chunks` is guarded by `condition`; the rest is immutable or atomic.
    let count: Int
    let chunkSize: Int
    private let chunkCount: Int
    private let make: @Sendable (Int) -> PreparedEvent
    private let condition = NSCondition()
    /// nil: not prepared yet. Emptied by `discard`.
    private var chunks: [[PreparedEvent]?]
    private let nextChunk = Atomic<Int>(0)

    /// Events in a chunk: enough that a chunk's hand-over costs little next to its work.
    static let defaultChunkSize = 256

    private init(count: Int, chunkSize: Int, make: @escaping @Sendable (Int) -> PreparedEvent) {
        self.count = count
        self.chunkSize = chunkSize
        self.chunkCount = (count + chunkSize - 1) / chunkSize
        self.make = make
        chunks = Array(repeating: nil, count: chunkCount)
    }

    /// Prepares `count` events, the one at index i given by `event(i)` (which may parse it, or
    /// refuse it as `malformed-json`): at once on the caller's thread when they are few,
    /// otherwise on worker tasks, returning before the work is done. There is one worker fewer
    /// than cores (but at least one): the writer thread, which stores the chunks in order, is the
    /// slower side, and with a worker per core it lost its core to them for whole time slices
    /// (on two cores, an NDJSON batch's first chunk reached it about 5 ms late).
    static func prepare(
        count: Int, validator: Validator, chunkSize: Int = defaultChunkSize, workers: Int = max(1, Parallel.cores - 1),
        event: @escaping @Sendable (Int) -> Result<JSONValue, LedgerError>
    ) -> PreparedEvents {
        @Sendable func prepared(_ index: Int) -> PreparedEvent {
            switch event(index) {
            case .success(let value): validator.prepare(value)
            case .failure(let malformed): PreparedEvent(malformed: malformed)
            }
        }
        if count < 2 * chunkSize || (workers > 0 && Parallel.cores < 2) {
            let events = PreparedEvents(count: count, chunkSize: max(count, 1), make: prepared)
            events.chunks = [(0..<count).map(prepared)]
            return events
        }
        let events = PreparedEvents(count: count, chunkSize: chunkSize, make: prepared)
        for _ in 0..<workers {
            Task(executorPreference: globalConcurrentExecutor) {
                while events.prepareNextChunk() {}
            }
        }
        return events
    }

    /// Frees the prepared events of a batch prepared in chunks on the shared pool, at low
    /// priority, once the request is answered: a large batch's JSON trees took milliseconds to
    /// free on the answering path. A small request's events are simply released with it.
    func discard() {
        guard chunkCount > 1 else { return }
        condition.lock()
        let retired = chunks
        chunks = []
        condition.unlock()
        Task.detached(priority: .background) { withExtendedLifetime(retired) {} }
    }

    /// The refusal of the first event that is not JSON, once every chunk is prepared: it wins
    /// over any other refusal in the request (the contract checks JSON before the events).
    func firstMalformed() -> LedgerError? {
        for index in 0..<chunkCount {
            if let event = chunk(index).first(where: \.isMalformed) { return event.failure }
        }
        return nil
    }

    /// Prepares the next chunk nobody has taken; false when every chunk is taken.
    private func prepareNextChunk() -> Bool {
        let index = nextChunk.wrappingAdd(1, ordering: .relaxed).oldValue
        guard index < chunkCount else { return false }
        let events = (index * chunkSize..<min((index + 1) * chunkSize, count)).map(make)
        condition.lock()
        if !chunks.isEmpty { chunks[index] = events }  // empty: discarded, the request is over
        condition.broadcast()
        condition.unlock()
        return true
    }

    /// Chunk `index`: prepared here if nobody has taken it yet (chunks are taken in order, so
    /// this takes the earliest ones first), else waited for from the worker preparing it.
    private func chunk(_ index: Int) -> [PreparedEvent] {
        while true {
            condition.lock()
            if let chunk = chunks[index] {
                condition.unlock()
                return chunk
            }
            condition.unlock()
            // Only while the chunk is still untaken: once a worker has it, waiting is quicker.
            guard nextChunk.load(ordering: .relaxed) <= index, prepareNextChunk() else { break }
        }
        condition.lock()
        defer { condition.unlock() }
        while chunks[index] == nil { condition.wait() }
        return chunks[index]!
    }

    /// Calls `body` with each event and its index, in order, preparing or waiting for the chunks
    /// not ready yet (writer thread).
    func forEach(_ body: (Int, PreparedEvent) throws -> Void) rethrows {
        for index in 0..<chunkCount {
            let chunk = chunk(index)
            // Through a buffer pointer: an array element passed on would be copied (retained) first.
            try chunk.withUnsafeBufferPointer { events in
                for position in events.indices {
                    try body(index * chunkSize + position, events[position])
                }
            }
        }
    }
}
