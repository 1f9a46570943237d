import Foundation
import LedgerClient
import LedgerDomain
import Testing

@Suite("The socket API, driven with curl", .serialized)
struct SocketAPITests {
    @Test func appendsReadsAndRefusesWithProblems() throws {
        let daemon = try Daemon(config: "[limits]\nmax_body_bytes = 4096\nmax_batch_events = 3\n")
        var r = try daemon.curl(["http://l/v1/health"])
        #expect(r.status == 200 && r.body == "{\"status\":\"ok\",\"seq\":0}")

        r = try daemon.curl(["-H", "content-type: application/cloudevents+json; charset=utf-8", "-d", actorEvent("a", id: "e1"), "http://l/v1/events"])
        #expect(r.status == 201)
        let created = try json(r.body)
        #expect(created["size"] == 1)
        #expect(created["events"]?.arrayValue?.first?["seq"] == 1)
        // The answer's leaf hash is the RFC 6962 leaf of the stored line, in padded base64.
        let stored = try daemon.curl(["http://l/v1/events"]).body.split(separator: "\n").first.map { Array($0.utf8) } ?? []
        #expect(created["events"]?.arrayValue?.first?["leafhash"]?.stringValue == Data(Validator.leafHash(stored)).base64EncodedString())

        r = try daemon.curl(["-H", "content-type: application/json", "-d", actorEvent("a", id: "e1"), "http://l/v1/events"])
        #expect(r.status == 200)
        #expect(try json(r.body)["events"]?.arrayValue?.first?["duplicate"] == true)

        let problems: [([String], Int, String, Int?)] = [
            (["-d", actorEvent("b")], 415, "unsupported-media-type", nil),
            (["-H", "content-type: text/plain", "-d", actorEvent("b")], 415, "unsupported-media-type", nil),
            (["-H", "content-type: application/json", "-d", String(repeating: " ", count: 5000)], 413, "too-large", nil),
            (["-H", "content-type: application/json", "-d", "{\"a\":1,\"a\":2}"], 400, "malformed-json", nil),
            (["-H", "content-type: application/json", "-d", "42"], 400, "malformed-json", nil),
            (["-H", "content-type: application/cloudevents+json", "-d", "[\(actorEvent("b"))]"], 400, "malformed-json", nil),
            (["-H", "content-type: application/cloudevents-batch+json", "-d", actorEvent("b")], 400, "malformed-json", nil),
            (["-H", "content-type: application/json", "-d", "[]"], 422, "invalid-field", nil),
            (["-H", "content-type: application/json", "-d", "[1,2,3,4]"], 413, "too-large", nil),
            (["-H", "content-type: application/json", "-d", "[\(actorEvent("b")),7]"], 422, "invalid-field", 1),
            (["-H", "content-type: application/json", "-d", "[\(actorEvent("b")),\(actorEvent("a"))]"], 409, "already-exists", 1),
            (["-H", "content-type: application/x-ndjson", "--data-binary", "\(actorEvent("b"))\n\n{oops\n"], 400, "malformed-json", 1),
            (["-H", "content-type: application/x-ndjson", "--data-binary", "\n\(actorEvent("c"))\n\n\(actorEvent("c"))\n"], 409, "already-exists", 1),
            (["-H", "content-type: application/json", "-d", actorEvent("a", id: "e1").replacingOccurrences(of: "regional", with: "federal")], 409, "id-conflict", nil),
            (["-X", "DELETE", "http://l/v1/events"], 405, "method-not-allowed", nil),
            (["http://l/v1/nothing"], 404, "not-found", nil),
            (["http://l/v1/subjects/actor/nobody"], 404, "not-found", nil),
            (["http://l/v1/events?limit=0"], 400, "invalid-query", nil),
            (["http://l/v1/events?after=-1"], 400, "invalid-query", nil),
            (["http://l/v1/events?follow=yes"], 400, "invalid-query", nil),
        ]
        for (arguments, status, code, index) in problems {
            let url = arguments.contains(where: { $0.hasPrefix("http://") }) ? [] : ["http://l/v1/events"]
            let answer = try daemon.curl(arguments + url)
            #expect(answer.status == status, "\(arguments)")
            let problem = try json(answer.body)
            #expect(problem["code"]?.stringValue == code, "\(arguments): \(answer.body)")
            #expect(problem["status"] == .int(status))
            #expect(problem["type"] == "about:blank")
            #expect(problem["detail"]?.stringValue?.isEmpty == false)
            #expect(problem["index"] == index.map { .int($0) }, "\(arguments)")
        }
        // Nothing refused was stored.
        r = try daemon.curl(["http://l/v1/events"])
        #expect(r.body.split(separator: "\n").count == 1)

        r = try daemon.curl(["-H", "content-type: application/x-ndjson", "--data-binary", "\(actorEvent("b"))\n\(actorEvent("c"))\n", "http://l/v1/events"])
        #expect(r.status == 201)
        r = try daemon.curl(["http://l/v1/events?after=1&limit=1"])
        #expect(try json(r.body)["subject"] == "actor/b")
        r = try daemon.curl(["http://l/v1/events?type=actor.registered&subject=actor/c"])
        #expect(try json(r.body)["seq"] == 3)
        r = try daemon.curl(["http://l/v1/subjects/actor/a"])
        let history = try json(r.body)
        #expect(history["subject"] == "actor/a")
        #expect(history["events"]?.arrayValue?.first?["retractedby"] == .null)
        // An id holding characters JSON escapes comes back escaped: the answer parses to the id.
        r = try daemon.curl(["-H", "content-type: application/json", "-d", actorEvent("d", id: #"d\"1\\2"#), "http://l/v1/events"])
        #expect(r.status == 201)
        #expect(try json(r.body)["events"]?.arrayValue?.first?["id"] == #"d"1\2"#)
        #expect(daemon.stop() == 0)
    }

    @Test("a large NDJSON body is parsed with the checks, chunk by chunk, and keeps the contract's order of refusals")
    func largeNDJSONBodies() throws {
        let daemon = try Daemon()
        let count = 1_200  // several chunks of parsed and checked lines
        func post(_ lines: [String]) throws -> (status: Int, body: String) {
            let path = daemon.directory + "/body.ndjson"
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return try daemon.curl(["-H", "content-type: application/x-ndjson", "--data-binary", "@" + path, "http://l/v1/events"])
        }
        var lines = (0..<count).map { actorEvent("n\($0)") }
        lines[3] = lines[3].replacingOccurrences(of: "actor.registered", with: "actor.renamed")  // unknown-type
        lines[1_100] = "{oops"
        // A line that is not JSON wins, wherever it is, over a refused event before it.
        var r = try post(lines)
        #expect(r.status == 400)
        #expect(try json(r.body)["code"] == "malformed-json")
        #expect(try json(r.body)["index"] == 1_100)
        // Blank lines do not count in the index; the detail names the line as an editor numbers it.
        r = try post(Array(lines[..<10]) + ["", " \t"] + Array(lines[10...]))
        #expect(try json(r.body)["index"] == 1_100)
        let detail = try json(r.body)["detail"]?.stringValue ?? ""
        #expect(detail.hasPrefix("line 1103 (event 1101) is not JSON"), "\(detail)")
        lines[1_100] = actorEvent("n1100")
        r = try post(lines)
        #expect(r.status == 422)
        #expect(try json(r.body)["code"] == "unknown-type")
        #expect(try json(r.body)["index"] == 3)
        #expect(try json(daemon.curl(["http://l/v1/health"]).body)["seq"] == 0)
        lines[3] = actorEvent("n3")
        r = try post(lines)
        #expect(r.status == 201)
        let answer = try json(r.body)
        #expect(answer["size"] == .int(count))
        #expect(answer["events"]?.arrayValue?.map { $0["seq"] } == (1...count).map { .int($0) })
        let stored = try daemon.curl(["http://l/v1/events?after=1099&limit=1"])
        #expect(try json(stored.body)["subject"] == "actor/n1099")
        #expect(daemon.stop() == 0)
    }

    @Test func storedLinesAreCanonicalCloudEvents() throws {
        let daemon = try Daemon()
        let body = "{\"source\":\"actor/a\",\"type\":\"actor.registered\",\"subject\":\"actor/a\",\"time\":\"2024-01-24T10:00:00.75+01:00\",\"data\":{\"kind\":\"regional\",\"name\":\"Été\"},\"evidence\":[\"https://example.org\"]}"
        let r = try daemon.curl(["-H", "content-type: application/json", "-d", body, "http://l/v1/events"])
        #expect(r.status == 201)
        let line = try daemon.curl(["http://l/v1/events"]).body.trimmingCharacters(in: .newlines)
        let stored = try json(line)
        #expect(CanonicalJSON.string(stored) == line)
        #expect(stored["specversion"] == "1.0")
        #expect(stored["datacontenttype"] == "application/json")
        #expect(stored["time"] == "2024-01-24T09:00:00Z")
        #expect(stored["recordedby"]?.stringValue == (getuid() == 0 ? "root" : NSUserName()))
        #expect(stored["streamversion"] == 1)
        #expect(stored["recorded"]?.stringValue?.count == 24)
        #expect(stored["id"]?.stringValue?.count == 36)
        daemon.stop()
    }

    /// HTTP/1.1 pipelining: requests sent before the answers to earlier ones are answered in
    /// order, past the point where the daemon stops reading until answers drain; a request
    /// with `connection: close` is the last one answered.
    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let daemon = try Daemon()
        var requests: [UInt8] = []
        for i in 0..<40 {
            if i.isMultiple(of: 2) {
                let body = actorEvent("p\(i)")
                requests += Array("POST /v1/events HTTP/1.1\r\nHost: l\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
            } else {
                requests += Array("GET /v1/health HTTP/1.1\r\nHost: l\r\n\r\n".utf8)
            }
        }
        var answers = try RawExchange.send(requests, to: daemon.socket)
        #expect(answers.count == 40)
        for (i, answer) in answers.enumerated() {
            let body = try json(answer.body)
            if i.isMultiple(of: 2) {
                #expect(answer.status == 201)
                #expect(body["events"]?.arrayValue?.first?["seq"] == .int(i / 2 + 1), "answer \(i): \(answer.body)")
            } else {
                #expect(answer.status == 200)
                #expect(body["seq"] == .int(i / 2 + 1), "answer \(i): \(answer.body)")
            }
        }

        let close = "GET /v1/health HTTP/1.1\r\nHost: l\r\nConnection: close\r\n\r\n"
        let body = actorEvent("late")
        let late = "POST /v1/events HTTP/1.1\r\nHost: l\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        answers = try RawExchange.send(Array(("GET /v1/health HTTP/1.1\r\nHost: l\r\n\r\n" + close + late).utf8), to: daemon.socket)
        #expect(answers.map(\.status) == [200, 200])
        #expect(answers.last?.headers["connection"] == "close")
        #expect(try daemon.curl(["http://l/v1/health"]).body == "{\"status\":\"ok\",\"seq\":20}")

        // Bytes that are not HTTP: a bare 400 after the answers to the requests before them.
        let valid = actorEvent("before-garbage")
        let post = "POST /v1/events HTTP/1.1\r\nHost: l\r\nContent-Type: application/json\r\nContent-Length: \(valid.utf8.count)\r\n\r\n\(valid)"
        answers = try RawExchange.send(Array((post + "NOT HTTP AT ALL\r\n\r\n" + late).utf8), to: daemon.socket)
        #expect(answers.map(\.status) == [201, 400])
        #expect(answers.last?.headers["connection"] == "close")
        #expect(try daemon.curl(["http://l/v1/health"]).body == "{\"status\":\"ok\",\"seq\":21}")
        answers = try RawExchange.send(Array("\u{1}\u{2}garbage\r\n\r\n".utf8), to: daemon.socket)
        #expect(answers.map(\.status) == [400])
        daemon.stop()
    }

    /// `Expect: 100-continue` (curl sends it with bodies over 1 MiB): the daemon says
    /// `100 Continue` before the body is sent, then answers the request.
    @Test func expectContinueIsAnsweredBeforeTheBody() throws {
        let daemon = try Daemon()
        let body = actorEvent("expecting")
        let connection = try RawExchange.Connection(daemon.socket)
        try connection.write(Array("POST /v1/events HTTP/1.1\r\nHost: l\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nExpect: 100-continue\r\n\r\n".utf8))
        #expect(String(decoding: connection.readUntilQuiet(), as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
        try connection.write(Array(body.utf8))
        let answers = RawExchange.parse(connection.readUntilQuiet())
        #expect(answers.map(\.status) == [201])
        #expect(try json(answers.first?.body ?? "")["events"]?.arrayValue?.first?["seq"] == 1)
        daemon.stop()
    }

    @Test func sigtermStopsCleanlyAndRemovesTheSocket() throws {
        let daemon = try Daemon()
        let mode = try FileManager.default.attributesOfItem(atPath: daemon.socket)[.posixPermissions] as? Int
        #expect(mode == 0o660)
        #expect(daemon.stop(signal: SIGTERM) == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socket))
        // Restart on the same state: the log is there.
        try daemon.start()
        #expect(try daemon.curl(["http://l/v1/health"]).status == 200)
        #expect(daemon.stop(signal: SIGINT) == 0)
    }

    @Test func invalidConfigurationExits78() throws {
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).toml").path
        try "[server]\nsockets = \"x\"\n".write(toFile: bad, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let result = try run(binDirectory + "/ledgerd", ["--check-config", "--config", bad])
        #expect(result.status == 78)
        #expect(result.stderr.contains("server.sockets"))
        let good = try run(binDirectory + "/ledgerd", ["--check-config", "--config", packageRoot + "/config/ledgerd.toml"])
        #expect(good.status == 0)
        #expect(good.stdout.contains("origin = \"localhost/ledgerd\""))
        #expect(good.stderr.isEmpty, "\(good.stderr)")
        // A role for a user this machine does not have is valid, but warned about.
        try "[access.users]\nno-such-user-x7 = \"reader\"\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let typo = try run(binDirectory + "/ledgerd", ["--check-config", "--config", bad])
        #expect(typo.status == 0)
        #expect(typo.stderr == "ledgerd: warning: access.users.no-such-user-x7: no user of that name on this machine; it grants nothing until there is one\n")
    }
}

/// Writes raw bytes on a new connection and reads every answer until the daemon closes it or
/// the bytes stop coming (half a second of silence).
enum RawExchange {
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    static func send(_ bytes: [UInt8], to socketPath: String) throws -> [Answer] {
        let connection = try Connection(socketPath)
        try connection.write(bytes)
        return parse(connection.readUntilQuiet())
    }

    /// A raw connection whose reads give up after half a second of silence.
    final class Connection {
        private let fd: Int32

        init(_ socketPath: String) throws {
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw ClientError("socket() failed") }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(socketPath.utf8) + [0]) }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            var timeout = timeval(tv_sec: 0, tv_usec: 500_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            guard connected == 0 else {
                close(fd)
                throw ClientError("cannot connect to \(socketPath)")
            }
        }

        deinit { close(fd) }

        func write(_ bytes: [UInt8]) throws {
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { throw ClientError("write failed") }
                offset += n
            }
        }

        /// What arrives until the daemon closes the connection or half a second passes without a byte.
        func readUntilQuiet() -> [UInt8] {
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if n <= 0 { break }
                received += chunk[0..<n]
            }
            return received
        }
    }

    /// Answers with a content-length, one after the other.
    static func parse(_ bytes: [UInt8]) -> [Answer] {
        var answers: [Answer] = []
        var rest = bytes[...]
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while let end = rest.firstRange(of: separator) {
            let head = String(decoding: rest[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
            var headers: [String: String] = [:]
            for line in head.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            let bodyStart = end.upperBound
            guard rest.endIndex - bodyStart >= length else { break }
            let status = Int(head[0].split(separator: " ")[1]) ?? 0
            answers.append(Answer(status: status, headers: headers, body: String(decoding: rest[bodyStart..<bodyStart + length], as: UTF8.self)))
            rest = rest[(bodyStart + length)...]
        }
        return answers
    }
}
