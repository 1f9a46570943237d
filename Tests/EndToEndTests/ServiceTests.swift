import Foundation
import LedgerClient
import Testing

/// A datagram socket bound to an abstract or path address, standing in for systemd's notify socket.
final class NotifyListener {
    let fd: Int32
    let address: String

    init(abstract: Bool) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        let name = "ledger-notify-\(UUID().uuidString.prefix(8))"
        address = abstract ? "@" + name : "/tmp/" + name
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var path = Array(address.utf8)
        if abstract { path[0] = 0 }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: path) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (abstract ? 0 : 1))
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard rc == 0 else { throw ClientError("bind failed") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(fd)
        if !address.hasPrefix("@") { unlink(address) }
    }

    /// The next datagram, or nil after the timeout.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }
}

@Suite("Running under systemd", .serialized)
struct ServiceTests {
    @Test(arguments: [true, false])
    func notifiesReadyAndStopping(abstract: Bool) throws {
        let listener = try NotifyListener(abstract: abstract)
        let dir = "/tmp/ln-" + UUID().uuidString.prefix(8).lowercased()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binDirectory + "/ledgerd")
        process.arguments = ["--data-dir", dir + "/data", "--socket", dir + "/s.sock"]
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = listener.address
        env["WATCHDOG_USEC"] = "200000"
        env["JOURNAL_STREAM"] = "8:1234"
        process.environment = env
        let err = Pipe()
        process.standardError = err
        try process.run()
        // WATCHDOG=1 may come first; READY=1 comes once the socket listens.
        var ready = ""
        for _ in 0..<50 where !ready.contains("READY=1") { ready = listener.receive() ?? "" }
        #expect(ready.contains("READY=1"))
        #expect(ready.contains("STATUS=serving"))
        // The socket answers once READY=1 was sent.
        #expect(try LedgerClient(socketPath: dir + "/s.sock").send(path: "/v1/health").status == 200)
        var watchdog = false
        for _ in 0..<5 where !watchdog { watchdog = listener.receive()?.contains("WATCHDOG=1") == true }
        #expect(watchdog)
        kill(process.processIdentifier, SIGTERM)
        var stopping = false
        for _ in 0..<10 where !stopping { stopping = listener.receive()?.contains("STOPPING=1") == true }
        #expect(stopping)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        // Under journald: priority prefixes, no timestamps of our own.
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let lines = log.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.hasPrefix("<") && !$0.contains("T0") }, "\(log)")
    }

    @Test func metricsParseAsPrometheusText() throws {
        let daemon = try Daemon()
        _ = try daemon.curl(["-H", "content-type: application/json", "-d", actorEvent("a"), "http://l/v1/events"])
        _ = try daemon.curl(["-H", "content-type: application/json", "-d", actorEvent("a"), "http://l/v1/events"])
        let text = try daemon.curl(["http://l/metrics"]).body
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            #expect(parts.count == 2, "\(line)")
            samples[String(parts[0])] = Double(parts[1])
        }
        #expect(samples["ledger_head_seq"] == 1)
        #expect(samples["ledger_appended_events_total"] == 1)
        #expect(samples["ledger_refusals_total{code=\"already-exists\"}"] == 1)
        #expect(samples["ledger_commit_seconds_count"] ?? 0 >= 1)
        #expect(samples["ledger_map_bytes"] ?? 0 > 0)
        daemon.stop()
    }
}
