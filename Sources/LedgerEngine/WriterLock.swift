import Foundation
import LedgerDomain
import Synchronization

/// An exclusive `flock` on `writer.lock` in a ledger's directory, held while a ledger is open
/// for writing there, so that a second daemon (or a second writable `Ledger` in one process) on
/// the same store is refused at open: each keeps the head, the tree's frontier and the views'
/// cache in memory, and two writers would step on each other's seqs. Read-only opens (offline
/// verification with `ledgerctl verify --data-dir`, the benchmark's folds) take no lock; a
/// backup is written by the daemon that holds it. The kernel drops the lock with the process,
/// however it ends.
final class WriterLock: Sendable {
    private let descriptor: Mutex<Int32>

    static let fileName = "writer.lock"

    /// Takes the lock in `directory`, or throws naming the process that holds it.
    init(directory: String) throws {
        let path = directory + "/" + Self.fileName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw LedgerError(.internalError, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.pid(in: fd)
            close(fd)
            throw LedgerError(
                .internalError,
                "the ledger in \(directory) is already open for writing by another process"
                    + (holder.map { " (pid \($0))" } ?? "") + "; stop it first (\(path) is its lock)")
        }
        // The holder's pid, for the refusal above; the lock itself is the flock, not the text.
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = Mutex(fd)
    }

    private static func pid(in fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Lets the lock go (at once, not when the ledger is released); idempotent.
    func release() {
        descriptor.withLock { fd in
            guard fd >= 0 else { return }
            close(fd)  // closing the only descriptor of the open file drops the flock
            fd = -1
        }
    }

    deinit { release() }
}
