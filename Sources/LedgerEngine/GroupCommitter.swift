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
        queue.append(request)
        condition.signal()
        condition.unlock()
    }

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
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping {
                thread = nil
                condition.broadcast()
                condition.unlock()
                return
            }
            let group = queue
            queue.removeAll(keepingCapacity: true)
            condition.unlock()
            apply(group)
        }
    }
}
