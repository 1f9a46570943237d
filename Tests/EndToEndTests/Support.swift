import Foundation
import LedgerClient
import LedgerDomain
import Testing

/// Where `swift build` put the executables (override with LEDGER_BIN_DIR).
let binDirectory: String = {
    if let dir = ProcessInfo.processInfo.environment["LEDGER_BIN_DIR"] { return dir }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug").path
}()

let packageRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// What a finished process printed and returned.
struct ProcessOutput {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// A child process started with posix_spawn and reaped with waitpid. (Foundation's
/// `Process.waitUntilExit` on Linux can miss a quick child's exit and hang a test.)
final class Child {
    let pid: pid_t
    private(set) var exitStatus: Int32?

    /// Starts `executable`; the given descriptors become its stdin, stdout and stderr
    /// (absent: /dev/null). The caller keeps and closes its own copies.
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
         stdin: Int32? = nil, stdout: Int32? = nil, stderr: Int32? = nil) throws {
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (fd, target) in [(stdin, Int32(0)), (stdout, 1), (stderr, 2)] {
            if let fd {
                posix_spawn_file_actions_adddup2(&actions, fd, target)
            } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            }
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = spawnLock.withLock { posix_spawn(&pid, executable, &actions, nil, argv, envp) }
        guard rc == 0 else { throw ClientError("cannot run \(executable): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    deinit {
        if exitStatus == nil { stop(SIGKILL) }
    }

    /// Waits for the child to exit; its exit code, or 128 + the signal that ended it.
    @discardableResult
    func wait() -> Int32 {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        exitStatus = code
        return code
    }

    /// Sends `signal` and waits for the exit.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM) -> Int32 {
        if exitStatus == nil { kill(pid, signal) }
        return wait()
    }
}

/// Held while a pipe is made close-on-exec and while a child is spawned, so that no child
/// spawned by a concurrent test inherits a pipe end in between.
let spawnLock = NSLock()

/// `pipe()` with both ends close-on-exec (dup2 onto a child's 0-2 clears the flag there).
func cloexecPipe(_ fds: inout [Int32]) -> Bool {
    spawnLock.withLock {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }
}

/// Runs `executable` with `arguments` to completion.
@discardableResult
func run(_ executable: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws -> ProcessOutput {
    var input: [Int32] = [0, 0]
    var output: [Int32] = [0, 0]
    var errors: [Int32] = [0, 0]
    // Close-on-exec everywhere: a child spawned at the same time by another test must not
    // inherit a write end and keep this one's pipe open. dup2 onto 0-2 clears the flag.
    guard cloexecPipe(&input), cloexecPipe(&output), cloexecPipe(&errors) else { throw ClientError("pipe() failed") }
    let child: Child
    do {
        child = try Child(executable, arguments, environment: environment, stdin: input[0], stdout: output[1], stderr: errors[1])
    } catch {
        (input + output + errors).forEach { close($0) }
        throw error
    }
    close(input[0])
    close(output[1])
    close(errors[1])
    // Feed stdin and drain stderr on their own threads, so that no pipe can fill up and stall the child.
    let stdinFD = input[1]
    signal(SIGPIPE, SIG_IGN)  // a child that exits without reading its input must not kill the tests
    Thread {
        if let stdin {
            stdin.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let n = write(stdinFD, bytes.baseAddress! + offset, bytes.count - offset)
                    if n <= 0 { break }
                    offset += n
                }
            }
        }
        close(stdinFD)
    }.start()
    let errData = Drain(fd: errors[0])
    errData.start()
    let outData = readAll(output[0])
    close(output[0])
    let status = child.wait()
    return ProcessOutput(
        status: status, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData.wait(), as: UTF8.self))
}

/// Every byte until end of file on `fd`.
func readAll(_ fd: Int32) -> [UInt8] {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return result }
        result += chunk[0..<n]
    }
}

/// Reads a pipe to its end on a thread of its own.
final class Drain: @unchecked Sendable {  // Sendable: `bytes` is written by the thread before `done` is signalled, read after.
    private let fd: Int32
    private var bytes: [UInt8] = []
    private let done = DispatchSemaphore(value: 0)

    init(fd: Int32) { self.fd = fd }

    func start() {
        Thread { [self] in
            bytes = readAll(fd)
            close(fd)
            done.signal()
        }.start()
    }

    func wait() -> [UInt8] {
        done.wait()
        return bytes
    }
}

/// A `ledgerd` process on a temporary state directory and a short socket path.
final class Daemon {
    let directory: String
    let socket: String
    let dataDirectory: String
    private(set) var process: Child?
    let log: String

    init(config: String? = nil) throws {
        directory = "/tmp/le-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        socket = directory + "/s.sock"
        dataDirectory = directory + "/data"
        log = directory + "/ledgerd.log"
        if let config { try config.write(toFile: directory + "/ledgerd.toml", atomically: true, encoding: .utf8) }
        try start()
    }

    deinit {
        process?.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func start() throws {
        var arguments = ["--data-dir", dataDirectory, "--socket", socket]
        if FileManager.default.fileExists(atPath: directory + "/ledgerd.toml") {
            arguments += ["--config", directory + "/ledgerd.toml"]
        }
        let logFD = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard logFD >= 0 else { throw ClientError("cannot open \(log)") }
        defer { close(logFD) }
        process = try Child(binDirectory + "/ledgerd", arguments, stdout: logFD, stderr: logFD)
        for _ in 0..<200 {
            if (try? LedgerClient(socketPath: socket).send(path: "/v1/health"))?.status == 200 { return }
            usleep(50_000)
        }
        throw ClientError("ledgerd did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    /// Sends `signal` and waits for the exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        guard let process else { return -1 }
        self.process = nil
        return process.stop(signal)
    }

    func client() -> LedgerClient { LedgerClient(socketPath: socket) }

    /// Runs the built `ledgerctl` against this daemon.
    func ctl(_ arguments: [String], stdin: Data? = nil) throws -> ProcessOutput {
        try run(binDirectory + "/ledgerctl", arguments, stdin: stdin, environment: ["LEDGER_SOCKET": socket])
    }

    /// Runs curl over the socket; the output ends with a line holding the HTTP status.
    func curl(_ arguments: [String]) throws -> (status: Int, body: String) {
        let output = try run("/usr/bin/curl", ["-s", "--unix-socket", socket, "-w", "\n%{http_code}"] + arguments)
        var lines = output.stdout.components(separatedBy: "\n")
        let status = Int(lines.removeLast()) ?? 0
        return (status, lines.joined(separator: "\n"))
    }
}

func json(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

func actorEvent(_ slug: String, id: String? = nil) -> String {
    let idPart = id.map { "\"id\":\"\($0)\"," } ?? ""
    return "{\(idPart)\"source\":\"actor/\(slug)\",\"type\":\"actor.registered\",\"subject\":\"actor/\(slug)\",\"time\":\"2024-01-01\",\"data\":{\"name\":\"\(slug)\",\"kind\":\"regional\"}}"
}
