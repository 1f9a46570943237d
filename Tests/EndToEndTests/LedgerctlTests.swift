import Foundation
import LedgerClient
import LedgerDomain
import Testing

@Suite("ledgerctl against a running ledgerd", .serialized)
struct LedgerctlTests {
    @Test func anImportCountsNewEventsAndRepeatsInTheSameBatches() throws {
        let daemon = try Daemon()
        let demoLines = try String(contentsOfFile: packageRoot + "/demo/brussels.ndjson", encoding: .utf8)
            .split(separator: "\n")
        let half = demoLines.count / 2
        let first = Data(demoLines[..<half].joined(separator: "\n").utf8)
        var result = try daemon.ctl(["import", "-", "--format", "json"], stdin: first)
        #expect(try json(result.stdout)["stored"] == .int(half))
        // Batches of 7 that mix repeats (the first half again) with new events.
        let all = Data(demoLines.joined(separator: "\n").utf8)
        result = try daemon.ctl(["import", "-", "--format", "json", "--batch-size", "7"], stdin: all)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try json(result.stdout)["stored"] == .int(demoLines.count - half))
        #expect(try json(result.stdout)["duplicates"] == .int(half))
        #expect(try json(result.stdout)["events"] == .int(demoLines.count))
    }

    @Test func importsTheDemoLedgerAndReadsItBack() throws {
        let daemon = try Daemon()
        let demo = packageRoot + "/demo/brussels.ndjson"
        let demoLines = try String(contentsOfFile: demo, encoding: .utf8).split(separator: "\n")
        var result = try daemon.ctl(["import", demo, "--batch-size", "7"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\(demoLines.count) stored"))
        // Importing again stores nothing new: every event is a repeat.
        result = try daemon.ctl(["import", "-", "--format", "json"], stdin: try Data(contentsOf: URL(fileURLWithPath: demo)))
        #expect(try json(result.stdout)["duplicates"] == .int(demoLines.count))

        result = try daemon.ctl(["status", "--format", "json"])
        #expect(try json(result.stdout)["seq"] == .int(demoLines.count))
        // The demo uses every type of the catalogue.
        let types = Set(try demoLines.map { try json(String($0))["type"]?.stringValue ?? "" })
        #expect(types == Set(EventType.allCases.map(\.rawValue)))

        // json output is the canonical lines byte for byte, as curl gets them.
        result = try daemon.ctl(["events", "--format", "json", "--limit", "10000"])
        #expect(result.stdout == (try daemon.curl(["http://l/v1/events?limit=10000"]).body))

        result = try daemon.ctl(["history", "measure/gate-consumption-room"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("brx-059"))  // the retraction of the mistaken amendment
        #expect(!result.stdout.contains("\u{1B}["))  // no colour when not a terminal

        result = try daemon.ctl(["history", "measure/nothing"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("not-found"))
        daemon.stop()
    }

    @Test func aRefusedImportNamesTheLineAndStops() throws {
        let daemon = try Daemon()
        let text = [actorEvent("a"), "", actorEvent("b"), actorEvent("a"), actorEvent("c")].joined(separator: "\n")
        let result = try daemon.ctl(["import", "-", "--batch-size", "2"], stdin: Data(text.utf8))
        #expect(result.status == 65)
        #expect(result.stderr.contains("line 4"), "\(result.stderr)")
        #expect(result.stderr.contains("already-exists"))
        // The first batch (lines 1 and 3) stays; the refused one changed nothing.
        #expect(try json(try daemon.ctl(["status", "--format", "json"]).stdout)["seq"] == 2)
        #expect(result.stderr.contains("take up with --from-line 4"), "\(result.stderr)")

        // Mended, and taken up from there: the events without ids before it are not stored twice.
        let mended = [actorEvent("a"), "", actorEvent("b"), actorEvent("d"), actorEvent("c")].joined(separator: "\n")
        let resumed = try daemon.ctl(["import", "-", "--batch-size", "2", "--from-line", "4", "--format", "json"], stdin: Data(mended.utf8))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try json(resumed.stdout)["stored"] == 2)
        #expect(try json(try daemon.ctl(["status", "--format", "json"]).stdout)["seq"] == 4)
        #expect(try daemon.ctl(["history", "actor/a"]).stdout.components(separatedBy: "actor.registered").count == 2)
        #expect(try daemon.ctl(["import", "-", "--from-line", "0"], stdin: Data(mended.utf8)).status == 64)
        daemon.stop()
    }

    /// The file is read a block at a time: lines that cross the blocks' edges, CRLF endings, blank
    /// lines and a last line without a newline all arrive whole, and a refusal names its line.
    @Test func aLargeFileIsImportedAsItIsRead() throws {
        let daemon = try Daemon()
        let path = daemon.directory + "/large.ndjson"
        // About 450 bytes an event, so that 6,000 of them span several blocks.
        func event(_ slug: String) -> String {
            actorEvent(slug).replacingOccurrences(of: "\"name\":\"\(slug)\"", with: "\"name\":\"\(slug) \(String(repeating: "n", count: 300))\"")
        }
        var text = ""
        for i in 0..<6_000 {
            text += event("large-\(i)") + (i.isMultiple(of: 1_000) ? "\r\n  \n" : "\n")
        }
        text += event("last")  // no newline at the end
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(text.utf8.count > 2 << 20)  // three blocks of 1 MiB
        var result = try daemon.ctl(["import", path, "--batch-size", "2500", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try json(result.stdout)["stored"] == 6_001)
        #expect(try json(try daemon.ctl(["status", "--format", "json"]).stdout)["seq"] == 6_001)

        // Line 5,010 repeats line 1's subject: refused, after the two batches before its own.
        var lines = (0..<6_000).map { event("again-\($0)") }
        lines[5_009] = event("large-0")
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        result = try daemon.ctl(["import", path, "--batch-size", "2500"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("refused at line 5010: already-exists"), "\(result.stderr)")
        #expect(result.stderr.contains("5000 events stored"), "\(result.stderr)")
        #expect(try json(try daemon.ctl(["status", "--format", "json"]).stdout)["seq"] == 11_001)
        daemon.stop()
    }

    @Test func anImportCutOffByTheDaemonsEndSaysWhereToTakeUp() throws {
        let daemon = try Daemon()
        let path = daemon.directory + "/cut.ndjson"
        try (0..<100_000).map { actorEvent("cut-\($0)") }.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: ProcessOutput?
        let socket = daemon.socket
        Thread {
            result = try? run(binDirectory + "/ledgerctl", ["import", path, "--batch-size", "1000", "--socket", socket])
            done.signal()
        }.start()
        func head() -> Int {
            guard let answer = try? daemon.client().send(path: "/v1/health"), let body = try? JSONParser.parse(answer.body),
                let seq = body["seq"]?.doubleValue
            else { return -1 }
            return Int(seq)
        }
        let deadline = Date().addingTimeInterval(60)
        while head() < 3_000 && Date() < deadline { usleep(10_000) }
        daemon.stop(signal: SIGKILL)
        done.wait()
        let output = try #require(result)
        #expect(output.status == 69, "\(output.stderr)")
        // "N events stored and 0 repeats before the batch of lines A-B, which got no answer"
        let words = output.stderr.split(whereSeparator: { $0 == " " || $0 == "\n" })
        let stored = try #require(words.firstIndex(of: "stored").flatMap { Int(words[$0 - 2]) }, "\(output.stderr)")
        let lines = try #require(words.firstIndex(of: "lines").map { words[$0 + 1].split(separator: "-") }, "\(output.stderr)")
        #expect(output.stderr.contains("which got no answer (all or none of it is stored"), "\(output.stderr)")
        #expect(output.stderr.contains("take up with --from-line \(stored + 1) if it is not stored, --from-line \(stored + 1_001) if it is"), "\(output.stderr)")
        // The head reached 3,000 with at most one batch stored but not yet answered.
        #expect(stored >= 2_000 && stored % 1_000 == 0, "\(output.stderr)")
        #expect(lines.first.flatMap { Int($0) } == stored + 1)
        // All or none of the batch in flight: the head after a restart is one of the two.
        try daemon.start()
        #expect([stored, stored + 1_000].contains(head()))
        daemon.stop()
    }

    @Test func appendFromFlagsAndExitCodes() throws {
        let daemon = try Daemon()
        var result = try daemon.ctl([
            "append", "--type", "actor.registered", "--subject", "actor/x", "--source", "actor/x", "--time", "2024-01-01",
            "--data", "{\"name\":\"X\",\"kind\":\"research\"}", "--evidence", "https://example.org", "--format", "json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try json(result.stdout)["size"] == 1)
        result = try daemon.ctl(["append", "--type", "measure.ended", "--subject", "measure/none", "--source", "actor/x", "--time", "2024-01-01"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("not-found: measure/none does not exist"))
        result = try daemon.ctl(["append", "--type", "measure.ended"])
        #expect(result.status == 64)
        // A file that is a pipe (here standard input by its path) is read to its end.
        result = try daemon.ctl(["append", "--file", "/dev/stdin", "--format", "json"], stdin: Data(actorEvent("piped").utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try json(result.stdout)["size"] == 2)
        result = try daemon.ctl(["append", "--file", "/nonexistent/event.json"])
        #expect(result.status == 74)
        #expect(result.stderr.contains("cannot read /nonexistent/event.json: No such file or directory"), "\(result.stderr)")
        // --socket and --format may come before the subcommand, a nested one or a `--` included.
        let ctl = binDirectory + "/ledgerctl"
        result = try run(ctl, ["--socket", daemon.socket, "--format", "json", "status"])
        #expect(try json(result.stdout)["seq"] == 2, "\(result.stderr)")
        result = try run(ctl, ["--socket=\(daemon.socket)", "--format=json", "prove", "inclusion", "2"])
        #expect(try json(result.stdout)["size"] == 2, "\(result.stderr)")
        result = try run(ctl, ["--socket", daemon.socket, "--format", "json", "history", "--", "actor/piped"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("actor.registered"))
        // A full page says where the next one starts, on stderr; a page that is not full does not.
        result = try daemon.ctl(["events", "--limit", "1", "--format", "json"])
        #expect(result.stdout.split(separator: "\n").count == 1)
        #expect(result.stderr == "ledgerctl: --limit 1 reached; there may be more events: --after 1\n")
        result = try daemon.ctl(["events", "--after", "1", "--limit", "5", "--format", "json"])
        #expect(result.stdout.split(separator: "\n").count == 1 && result.stderr.isEmpty, "\(result.stderr)")
        result = try daemon.ctl(["history", "measure"])  // not KIND/SLUG: bad usage, not a 404 from the daemon
        #expect(result.status == 64)
        #expect(result.stderr.contains("measure is not a subject: KIND/SLUG"), "\(result.stderr)")
        daemon.stop()
        result = try daemon.ctl(["status"])
        #expect(result.status == 69)
    }

    @Test func followStreamsNewEvents() throws {
        let daemon = try Daemon()
        _ = try daemon.ctl(["append", "--file", "-"], stdin: Data(actorEvent("a").utf8))
        var out: [Int32] = [0, 0]
        var err: [Int32] = [0, 0]
        #expect(cloexecPipe(&out) && cloexecPipe(&err))
        let process = try Child(
            binDirectory + "/ledgerctl", ["events", "--follow", "--format", "json", "--socket", daemon.socket], stdout: out[1],
            stderr: err[1])
        close(out[1])
        close(err[1])
        defer {
            process.stop()
            close(out[0])
            close(err[0])
        }
        func readLine() -> String {
            var bytes: [UInt8] = []
            var byte: UInt8 = 0
            while read(out[0], &byte, 1) == 1 && byte != UInt8(ascii: "\n") { bytes.append(byte) }
            return String(decoding: bytes, as: UTF8.self)
        }
        #expect(try json(readLine())["subject"] == "actor/a")  // the backlog
        let r = try daemon.curl(["-H", "content-type: application/json", "-d", actorEvent("b"), "http://l/v1/events"])
        #expect(r.status == 201)
        #expect(try json(readLine())["subject"] == "actor/b")  // streamed as it commits
        // SIGTERM ends the follower and the daemon exits cleanly; the follower says where to take up.
        #expect(daemon.stop() == 0)
        #expect(process.wait() == 69)
        #expect(
            String(decoding: readAll(err[0]), as: UTF8.self)
                == "ledgerctl: the daemon ended the stream (it is stopping); the last event printed is seq 2: resume with --after 2\n")
    }
}
