import Foundation
import LedgerDomain
import LedgerStore
import Logging

/// One append request waiting for the writer thread.
struct PendingAppend: Sendable {
    var events: PreparedEvents
    var batch: Bool
    var recordedBy: String
    var continuation: CheckedContinuation<AppendResult, any Error>
}

/// Runs every LMDB write transaction on one dedicated thread. Requests that arrive while a
/// commit is syncing wait together and then share the next commit: each request is applied
/// in its own nested transaction (atomic on its own), the group is committed and synced once,
/// and only then are the requests answered.
final class GroupCommitter: @unchecked Sendable {  // Sendable: `queue` is guarded by `condition`; the rest is immutable or writer-thread only.
    private let condition = NSCondition()
    private var queue: [PendingAppend] = []
    private var stopping = false
    /// A group is being applied (by the writer thread or inline on a caller's thread).
    private var applying = false
    /// Requests in the last group applied: 1 while appends come one at a time.
    private var lastGroupSize = 0
    private var thread: Thread?
    private let apply: ([PendingAppend]) -> Void

    init(apply: @escaping ([PendingAppend]) -> Void) {
        self.apply = apply
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "ledger-writer"
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    func submit(_ request: PendingAppend) {
        condition.lock()
        if stopping {
            condition.unlock()
            request.continuation.resume(throwing: LedgerError(.internalError, "the ledger is shutting down"))
            return
        }
        // While appends come one at a time (the last group held one request and nothing else
        // waits), the caller commits its small request itself: handing it to the writer thread
        // and the answer back costs two thread wake-ups, a third of a lone append's latency.
        // Under concurrent load groups hold many requests and everything goes to the writer,
        // so a caller's event loop is not held for a commit while other requests pile up.
        if !applying && queue.isEmpty && lastGroupSize == 1 && request.events.count <= GroupCommitter.inlineLimit {
            applying = true
            condition.unlock()
            apply([request])
            condition.lock()
            applying = false
            if !queue.isEmpty || stopping { condition.broadcast() }
            condition.unlock()
            return
        }
        queue.append(request)
        condition.signal()
        condition.unlock()
    }

    /// The most events a request committed on its caller's thread may carry.
    static let inlineLimit = 16

    /// Answers what is queued, then waits for the writer thread to end.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while thread != nil { condition.wait() }
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while applying || (queue.isEmpty && !stopping) { condition.wait() }
            if queue.isEmpty {
                thread = nil
                condition.broadcast()
                condition.unlock()
                return
            }
            let group = queue
            queue.removeAll(keepingCapacity: true)
            applying = true
            lastGroupSize = group.count
            condition.unlock()
            apply(group)
            condition.lock()
            applying = false
            condition.unlock()
        }
    }
}
