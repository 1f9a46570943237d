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

/// Runs `executable` with `arguments` to completion.
@discardableResult
func run(_ executable: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.merge(environment) { $1 }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessOutput(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// A `ledgerd` process on a temporary state directory and a short socket path.
final class Daemon {
    let directory: String
    let socket: String
    let dataDirectory: String
    private(set) var process: Process?
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
        if let process, process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binDirectory + "/ledgerd")
        var arguments = ["--data-dir", dataDirectory, "--socket", socket]
        if FileManager.default.fileExists(atPath: directory + "/ledgerd.toml") {
            arguments += ["--config", directory + "/ledgerd.toml"]
        }
        process.arguments = arguments
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
        self.process = process
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
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        self.process = nil
        return process.terminationStatus
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
