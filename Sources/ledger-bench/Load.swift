import Foundation
import LedgerClient
import LedgerDomain

/// A ledgerd process for the benchmark.
final class BenchDaemon {
    let binDir: String
    let directory: String
    let socket: String
    private var process: Process?
    var pid: Int32 { process?.processIdentifier ?? 0 }

    init(binDir: String, directory: String) throws {
        self.binDir = binDir
        self.directory = directory
        self.socket = directory + "/s.sock"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = try restart()
    }

    /// Starts ledgerd and returns the seconds until it answers its health check.
    func restart() throws -> Double {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binDir + "/ledgerd")
        p.arguments = ["--data-dir", directory + "/data", "--socket", socket]
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        let start = Date()
        try p.run()
        process = p
        while Date().timeIntervalSince(start) < 60 {
            if (try? LedgerClient(socketPath: socket).send(path: "/v1/health"))?.status == 200 {
                return Date().timeIntervalSince(start)
            }
            usleep(2000)
        }
        throw ClientError("ledgerd did not start")
    }

    func stop() {
        guard let process else { return }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
    }
}

/// Samples `RssAnon` of a process.
final class MemorySampler: @unchecked Sendable {  // Sendable: fields guarded by `lock`.
    private let lock = NSLock()
    private var pid: Int32
    private var running = false
    private var peak = 0

    init(pid: Int32) { self.pid = pid }

    var peakKiB: Int { lock.withLock { peak } }

    func retarget(pid: Int32) { lock.withLock { self.pid = pid } }

    func start() {
        running = true
        Thread.detachNewThread { [self] in
            while lock.withLock({ running }) {
                let current = lock.withLock { pid }
                if let text = try? String(contentsOfFile: "/proc/\(current)/status", encoding: .utf8),
                    let line = text.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }),
                    let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
                {
                    lock.withLock { peak = max(peak, kib) }
                }
                usleep(20_000)
            }
        }
    }

    func stop() { lock.withLock { running = false } }
}

enum Load {
    static func event(_ n: Int, prefix: String) -> [UInt8] {
        Array("{\"source\":\"actor/\(prefix)-\(n)\",\"type\":\"actor.registered\",\"subject\":\"actor/\(prefix)-\(n)\",\"time\":\"2024-01-01\",\"data\":{\"name\":\"Benchmark actor number \(n) with a name of realistic length\",\"kind\":\"non-profit\"},\"evidence\":[\"https://example.org/registry/\(n)\"]}".utf8)
    }

    /// One client appending one event per request, `requests` times.
    static func timedSingleClient(socket: String, requests: Int, prefix: String) throws -> AppendRounds.Tally {
        let client = LedgerClient(socketPath: socket)
        let start = Date()
        for i in 0..<requests {
            let answer = try client.send(method: "POST", path: "/v1/events", body: event(i, prefix: prefix), contentType: "application/json")
            guard answer.status == 201 else { throw ClientError("append failed: \(answer.text)") }
        }
        return AppendRounds.Tally(events: requests, seconds: Date().timeIntervalSince(start))
    }

    /// `clients` threads, each with its own connection, appending one event per request.
    static func timedConcurrentClients(socket: String, clients: Int, requestsEach: Int, prefix: String) throws
        -> AppendRounds.Tally
    {
        let group = DispatchGroup()
        let failures = NSLock()
        nonisolated(unsafe) var failed = 0
        let start = Date()
        for c in 0..<clients {
            group.enter()
            Thread.detachNewThread {
                let client = LedgerClient(socketPath: socket)
                for i in 0..<requestsEach {
                    let ok = (try? client.send(method: "POST", path: "/v1/events", body: event(c * requestsEach + i, prefix: prefix), contentType: "application/json"))?.status == 201
                    if !ok { failures.withLock { failed += 1 } }
                }
                group.leave()
            }
        }
        group.wait()
        let elapsed = Date().timeIntervalSince(start)
        if failed > 0 { throw ClientError("\(failed) concurrent appends failed") }
        return AppendRounds.Tally(events: clients * requestsEach, seconds: elapsed)
    }

    static func importNDJSON(socket: String, events: Int, binDir: String, dir: String) throws -> Double {
        let path = dir + "/import.ndjson"
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw ClientError("cannot create \(path)") }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        var chunk: [UInt8] = []
        for i in 0..<events {
            chunk += event(i, prefix: "imp")
            chunk.append(0x0A)
            if chunk.count > 8 << 20 { handle.write(Data(chunk)); chunk.removeAll(keepingCapacity: true) }
        }
        handle.write(Data(chunk))
        try handle.close()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binDir + "/ledgerctl")
        p.arguments = ["import", path, "--batch-size", "10000", "--socket", socket, "--format", "json"]
        let out = Pipe()
        p.standardOutput = out
        let start = Date()
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let elapsed = Date().timeIntervalSince(start)
        guard p.terminationStatus == 0 else { throw ClientError("import failed: \(String(decoding: data, as: UTF8.self))") }
        try? FileManager.default.removeItem(atPath: path)
        return Double(events) / elapsed
    }

    static func view(socket: String, name: String) throws -> Double {
        let client = LedgerClient(socketPath: socket)
        let start = Date()
        let answer = try client.send(path: "/v1/views/\(name)?at=2030-01-01")
        guard answer.status == 200 else { throw ClientError("view \(name) failed: \(answer.text)") }
        return Date().timeIntervalSince(start)
    }
}
