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
    /// A group is being applied (by the writer thread or on a caller's thread).
    private var applying = false
    private var thread: Thread?
    private let apply: ([PendingAppend]) -> Void

    /// The writer thread's name (at most 15 bytes, the kernel's limit).
    static let threadName = "ledger-writer"

    init(apply: @escaping ([PendingAppend]) -> Void) {
        self.apply = apply
    }

    func start() {
        let thread = Thread { [self] in
            // Foundation keeps `name` to itself on Linux; the kernel's name is what `top -H`,
            // `ps -L` and profilers show (Swift cannot call glibc's pthread_setname_np).
            try? GroupCommitter.threadName.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
            run()
        }
        thread.name = GroupCommitter.threadName
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    /// Queues `request` for the writer thread. With `mayApplyHere` (its client is the only one
    /// connected), a small request is instead committed on the caller's thread when nothing is
    /// queued or being applied: handing it to the writer thread and the answer back costs two
    /// thread wake-ups, a tenth of a lone client's round trip. Only a lone client may do this:
    /// while a commit holds an event loop, the other connections on that loop cannot be read, so
    /// their requests would neither join the commit nor be seen waiting for the next one.
    func submit(_ request: PendingAppend, mayApplyHere: Bool = false) {
        condition.lock()
        if stopping {
            condition.unlock()
            request.continuation.resume(throwing: LedgerError(.internalError, "the ledger is shutting down"))
            return
        }
        if mayApplyHere && !applying && queue.isEmpty && request.events.count <= GroupCommitter.inlineLimit {
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
            condition.unlock()
            apply(group)
            condition.lock()
            applying = false
            condition.unlock()
        }
    }
}
