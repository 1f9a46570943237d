import Foundation
import LedgerClient
import LedgerDomain
import LedgerEngine
import Synchronization
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
        var err: [Int32] = [0, 0]
        #expect(cloexecPipe(&err))
        let process = try Child(
            binDirectory + "/ledgerd", ["--data-dir", dir + "/data", "--socket", dir + "/s.sock"],
            environment: ["NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "200000", "JOURNAL_STREAM": "8:1234"],
            stderr: err[1])
        close(err[1])
        let stderr = Drain(fd: err[0])
        stderr.start()
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
        kill(process.pid, SIGTERM)
        var stopping = false
        for _ in 0..<10 where !stopping { stopping = listener.receive()?.contains("STOPPING=1") == true }
        #expect(stopping)
        #expect(process.wait() == 0)
        // Under journald: priority prefixes, no timestamps of our own.
        let log = String(decoding: stderr.wait(), as: UTF8.self)
        let lines = log.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.hasPrefix("<") && !$0.contains("T0") }, "\(log)")
    }

    @Test func sighupIsLoggedAndIgnored() throws {
        let daemon = try Daemon()
        kill(daemon.process!.pid, SIGHUP)
        // Still serving after it (SIGHUP's default action would have ended the process).
        var logged = false
        var tries = 0
        while !logged && tries < 200 {
            usleep(10_000)
            tries += 1
            logged = (try? String(contentsOfFile: daemon.log, encoding: .utf8))?.contains("SIGHUP ignored") == true
        }
        #expect(logged)
        #expect(try daemon.ctl(["status", "--format", "json"]).status == 0)
        #expect(daemon.stop() == 0)
    }

    @Test func aSecondDaemonOnTheSameDataIsRefused() throws {
        let daemon = try Daemon()
        // Under `timeout`: a second daemon that started after all fails the test instead of hanging it.
        let second = try run(
            "/usr/bin/timeout",
            ["10", binDirectory + "/ledgerd", "--data-dir", daemon.dataDirectory, "--socket", daemon.directory + "/second.sock"])
        #expect(second.status == 1)
        #expect(second.stderr.contains("is already open for writing by another process (pid \(daemon.process!.pid))"), "\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: daemon.directory + "/second.sock"))
        // The first one goes on.
        #expect(try daemon.ctl(["append", "--file", "-"], stdin: Data(actorEvent("a").utf8)).status == 0)
        #expect(daemon.stop() == 0)
    }

    /// SIGTERM while 16 clients append: every acknowledged event is stored, every request that
    /// reached the daemon gets a whole HTTP answer (an unanswered one was never stored), the
    /// process exits 0 within 5 s, and the socket file is gone.
    @Test func sigtermUnderLoadAnswersInFlightAndExitsCleanly() throws {
        let daemon = try Daemon()
        let socket = daemon.socket
        let outcomes = Outcomes()
        let threads = (0..<16).map { client in
            Thread {
                var connection = try? UnixConnection(socketPath: socket)
                var n = 0
                while let open = connection {
                    let id = "t\(client)-\(n)"
                    n += 1
                    do {
                        let answer = try open.send(
                            method: "POST", path: "/v1/events", body: Array(actorEvent(id, id: id).utf8),
                            contentType: "application/json")
                        if answer.status == 201,
                            let seq = (try? JSONParser.parse(answer.body))?["events"]?.arrayValue?.first?["seq"]?.doubleValue
                        {
                            outcomes.acknowledged.withLock { $0[id] = UInt64(seq) }
                        } else {
                            outcomes.otherAnswers.withLock { $0.append("\(answer.status) \(String(decoding: answer.body, as: UTF8.self))") }
                        }
                        if answer.headers["connection"]?.lowercased() == "close" {
                            connection = try? UnixConnection(socketPath: socket)
                        }
                    } catch {
                        // Closed before an answer: the request was not taken. Reconnecting fails
                        // once the daemon stops listening, which ends this client.
                        outcomes.unanswered.withLock { _ = $0.insert(id) }
                        connection = try? UnixConnection(socketPath: socket)
                    }
                }
            }
        }
        threads.forEach { $0.start() }
        Thread.sleep(forTimeInterval: 1.0)
        let signalled = ContinuousClock.now
        let status = daemon.stop(signal: SIGTERM)
        let took = ContinuousClock.now - signalled
        #expect(status == 0)
        #expect(took < .seconds(5), "exit took \(took)")
        #expect(!FileManager.default.fileExists(atPath: socket), "the socket file is still there")
        while threads.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.05) }

        let acked = outcomes.acknowledged.withLock { $0 }
        #expect(acked.count > 100)
        #expect(outcomes.otherAnswers.withLock { $0 }.isEmpty, "\(outcomes.otherAnswers.withLock { $0.prefix(3) })")
        let ledger = try Ledger(options: LedgerOptions(directory: daemon.dataDirectory, readOnly: true))
        defer { ledger.close() }
        var stored: [String: UInt64] = [:]
        for seq in UInt64(1)...max(ledger.head, 1) {
            guard let event = try ledger.event(seq: seq) else { break }
            if let id = try JSONParser.parse(event.line)["id"]?.stringValue { stored[id] = seq }
        }
        #expect(stored.count == Int(ledger.head))
        for (id, seq) in acked { #expect(stored[id] == seq, "acknowledged \(id) at seq \(seq) is not stored") }
        for id in outcomes.unanswered.withLock({ $0 }) { #expect(stored[id] == nil, "\(id) was stored but never answered") }
        #expect(stored.count == acked.count, "stored events that no client saw acknowledged")
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
        // Every commit's page writes and syncs are a part of it.
        #expect(samples["ledger_sync_seconds_count"] == samples["ledger_commit_seconds_count"])
        #expect(samples["ledger_sync_seconds_sum"] ?? .infinity <= samples["ledger_commit_seconds_sum"] ?? 0)
        #expect(samples["ledger_sync_seconds_sum"] ?? 0 > 0)
        #expect(samples["ledger_map_bytes"] ?? 0 > 0)
        // Series that nothing has touched yet are there, at zero, for rates and alerts.
        #expect(samples["ledger_refusals_total{code=\"storage-full\"}"] == 0)
        #expect(samples["ledger_view_seconds_count{view=\"coherence\"}"] == 0)
        daemon.stop()
    }
}

/// What the appending clients saw, shared with the test.
final class Outcomes: Sendable {
    let acknowledged = Mutex<[String: UInt64]>([:])
    let unanswered = Mutex<Set<String>>([])
    let otherAnswers = Mutex<[String]>([])
}
