import Foundation
import LedgerDomain
import Synchronization

/// The prepared events of one append request, in order, filled in chunks.
///
/// A large batch is prepared (`Validator.prepare`) by one worker per core, chunk by chunk in
/// order, while the writer thread already validates and stores the chunks that are ready: the
/// head-state half of a batch then overlaps its shape-checking half instead of following it.
/// The chunks stay until the request is answered, so the writer can apply a request again
/// (after growing the map).
final class PreparedEvents: @unchecked Sendable {  // Sendable: `chunks` is guarded by `condition`; the rest is immutable.
    let count: Int
    let chunkSize: Int
    private let condition = NSCondition()
    private var chunks: [[PreparedEvent]?]
    private let nextChunk = Atomic<Int>(0)

    /// Events in a chunk: enough that a chunk's hand-over costs little next to its work.
    static let defaultChunkSize = 256

    private init(count: Int, chunkSize: Int) {
        self.count = count
        self.chunkSize = chunkSize
        chunks = Array(repeating: nil, count: (count + chunkSize - 1) / chunkSize)
    }

    /// Prepares `count` events, the one at index i given by `event(i)` (which may parse it, or
    /// refuse it as `malformed-json`): at once on the caller's thread when they are few,
    /// otherwise on one worker task per core, returning before the work is done.
    static func prepare(
        count: Int, validator: Validator, chunkSize: Int = defaultChunkSize,
        event: @escaping @Sendable (Int) -> Result<JSONValue, LedgerError>
    ) -> PreparedEvents {
        @Sendable func prepared(_ index: Int) -> PreparedEvent {
            switch event(index) {
            case .success(let value): validator.prepare(value)
            case .failure(let malformed): PreparedEvent(malformed: malformed)
            }
        }
        if count < 2 * chunkSize || Parallel.cores < 2 {
            let events = PreparedEvents(count: count, chunkSize: max(count, 1))
            events.chunks = [(0..<count).map(prepared)]
            return events
        }
        let events = PreparedEvents(count: count, chunkSize: chunkSize)
        for _ in 0..<Parallel.cores {
            Task(executorPreference: globalConcurrentExecutor) {
                while let (index, range) = events.claim() {
                    events.fill(index, with: range.map(prepared))
                }
            }
        }
        return events
    }

    /// Frees the prepared events on the shared pool, at low priority, once the request is
    /// answered: a large batch's JSON trees took milliseconds to free on the answering path.
    func discard() {
        condition.lock()
        let retired = chunks
        chunks = []
        condition.unlock()
        Task.detached(priority: .background) { withExtendedLifetime(retired) {} }
    }

    /// The refusal of the first event that is not JSON, once every chunk is prepared: it wins
    /// over any other refusal in the request (the contract checks JSON before the events).
    func firstMalformed() -> LedgerError? {
        for index in chunks.indices {
            condition.lock()
            while chunks[index] == nil { condition.wait() }
            let chunk = chunks[index]!
            condition.unlock()
            if let event = chunk.first(where: \.isMalformed) { return event.failure }
        }
        return nil
    }

    /// The next chunk no worker has taken yet.
    private func claim() -> (Int, Range<Int>)? {
        let index = nextChunk.wrappingAdd(1, ordering: .relaxed).oldValue
        guard index < chunks.count else { return nil }
        return (index, index * chunkSize..<min((index + 1) * chunkSize, count))
    }

    private func fill(_ index: Int, with events: [PreparedEvent]) {
        condition.lock()
        chunks[index] = events
        condition.broadcast()
        condition.unlock()
    }

    /// Calls `body` with each event and its index, in order, waiting for chunks still being
    /// prepared (writer thread).
    func forEach(_ body: (Int, PreparedEvent) throws -> Void) rethrows {
        for index in chunks.indices {
            condition.lock()
            while chunks[index] == nil { condition.wait() }
            let chunk = chunks[index]!
            condition.unlock()
            // Through a buffer pointer: an array element passed on would be copied (retained) first.
            try chunk.withUnsafeBufferPointer { events in
                for position in events.indices {
                    try body(index * chunkSize + position, events[position])
                }
            }
        }
    }
}
