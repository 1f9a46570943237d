import Foundation
import LedgerClient
import LedgerDomain
import LedgerEngine
import Synchronization
import Testing

@Suite("Crashes and hostile input", .serialized)
struct RobustnessTests {
    /// kill -9 while 16 clients append; after a restart every acknowledged event is there,
    /// seqs have no gaps, and every stored line still hashes to its stored leaf.
    @Test func killDuringConcurrentAppendsLosesNothingAcknowledged() throws {
        let daemon = try Daemon()
        let shared = Shared()
        let socket = daemon.socket
        let threads = (0..<16).map { client in
            Thread {
                let connection = LedgerClient(socketPath: socket)
                var n = 0
                while !shared.stop.load(ordering: .relaxed) {
                    let id = "c\(client)-\(n)"
                    n += 1
                    guard let answer = try? connection.send(
                        method: "POST", path: "/v1/events", body: Array(actorEvent("c\(client)-\(n)", id: id).utf8),
                        contentType: "application/json"), answer.status == 201,
                        let seq = (try? JSONParser.parse(answer.body))?["events"]?.arrayValue?.first?["seq"]?.doubleValue
                    else { continue }
                    shared.acknowledged.withLock { $0[id] = UInt64(seq) }
                }
            }
        }
        threads.forEach { $0.start() }
        Thread.sleep(forTimeInterval: 1.5)
        daemon.stop(signal: SIGKILL)
        shared.stop.store(true, ordering: .relaxed)
        Thread.sleep(forTimeInterval: 0.3)
        let acked = shared.acknowledged.withLock { $0 }
        #expect(acked.count > 100)

        do {
            let ledger = try Ledger(options: LedgerOptions(directory: daemon.dataDirectory, readOnly: true))
            defer { ledger.close() }
            let head = ledger.head
            #expect(head >= UInt64(acked.count))
            var idsAtSeq: [UInt64: String] = [:]
            for seq in 1...head {
                let stored = try #require(try ledger.event(seq: seq), "seq \(seq) is missing")
                #expect(stored.leafHash == Validator.leafHash(stored.line), "seq \(seq) does not hash to its leaf")
                let event = try JSONParser.parse(stored.line)
                #expect(event["seq"] == .number(Double(seq), plainInteger: true))
                idsAtSeq[seq] = event["id"]?.stringValue
            }
            for (id, seq) in acked {
                #expect(idsAtSeq[seq] == id, "acknowledged \(id) at seq \(seq) is not there")
            }
        }
        try daemon.start()
        #expect(try daemon.curl(["http://l/v1/health"]).status == 200)
        daemon.stop()
    }

    /// 10,000 malformed or mutated requests: no crash, every answer a problem with a listed
    /// code and matching status, the log unchanged.
    @Test func fuzzedRequestsAreRefusedCleanly() throws {
        let daemon = try Daemon()
        let seed = [actorEvent("a", id: "seed-a"), actorEvent("b")]
        #expect(try daemon.curl(["-H", "content-type: application/x-ndjson", "--data-binary", seed.joined(separator: "\n"), "http://l/v1/events"]).status == 201)
        let before = try daemon.curl(["http://l/v1/events"]).body

        // Each base event is wrong in three independent ways (existing subject, unknown source,
        // time in the far future), so one mutation cannot make it valid.
        let bases: [String] = [
            "{\"source\":\"actor/zz\",\"type\":\"actor.registered\",\"subject\":\"actor/a\",\"time\":\"2999-01-01\",\"data\":{\"name\":\"A\",\"kind\":\"regional\"}}",
            "{\"source\":\"actor/zz\",\"type\":\"plan.published\",\"subject\":\"plan/p\",\"time\":\"2999-01-01T00:00:00Z\",\"data\":{\"title\":\"P\",\"issuer\":\"actor/zz\",\"level\":\"regional\",\"period\":{\"start\":\"2024-01-01\",\"end\":\"2023-01-01\"}}}",
            "{\"source\":\"actor/zz\",\"type\":\"measure.amended\",\"subject\":\"measure/none\",\"time\":\"2999-01-01\",\"data\":{\"baseline\":{\"x\":1e400}}}",
            "{\"id\":\"seed-a\",\"source\":\"actor/zz\",\"type\":\"event.retracted\",\"subject\":\"actor/zz\",\"time\":\"2999-01-01\",\"data\":{\"target\":\"seed-a\",\"reason\":\"r\"}}",
        ]
        let media = ["application/json", "application/cloudevents+json", "application/cloudevents-batch+json", "application/x-ndjson", "text/plain", ""]
        let junk: [UInt8] = Array("{}[],:\"\\0x- \u{7F}é".utf8) + [0x00, 0xFF, 0xC3, 0x0A]
        var rng = SplitMix(seed: 20_240_124)
        let connection = LedgerClient(socketPath: daemon.socket)
        let listed = Set(ProblemCode.allCases.filter { $0 != .internalError }.map(\.rawValue))
        var codes: [String: Int] = [:]
        for round in 0..<10_000 {
            var body = Array(bases[Int(rng.next() % UInt64(bases.count))].utf8)
            switch rng.next() % 6 {
            case 0: body = Array(body.prefix(Int(rng.next() % UInt64(body.count))))
            case 1: body.insert(junk[Int(rng.next() % UInt64(junk.count))], at: Int(rng.next() % UInt64(body.count)))
            case 2: body[Int(rng.next() % UInt64(body.count))] = UInt8(truncatingIfNeeded: rng.next())
            case 3: body.remove(at: Int(rng.next() % UInt64(body.count)))
            case 4: body = Array("[".utf8) + body + Array(",".utf8) + body + Array("]".utf8)
            default:
                let cut = Int(rng.next() % UInt64(body.count))
                body = Array(body[cut...] + body[..<cut])
            }
            let type = media[Int(rng.next() % UInt64(media.count))]
            let answer = try connection.send(method: "POST", path: "/v1/events", body: body, contentType: type.isEmpty ? nil : type)
            let problem = try? JSONParser.parse(answer.body)
            let code = problem?["code"]?.stringValue ?? "none"
            codes[code, default: 0] += 1
            guard (400..<500).contains(answer.status), answer.headers["content-type"] == "application/problem+json",
                listed.contains(code), problem?["status"] == .int(answer.status)
            else {
                Issue.record("round \(round): \(answer.status) \(answer.text) for \(String(decoding: body, as: UTF8.self))")
                break
            }
        }
        #expect(codes.count >= 8, "\(codes)")
        #expect(try daemon.curl(["http://l/v1/events"]).body == before)
        #expect(daemon.stop() == 0)
    }
}

/// What the appending threads share with the test.
final class Shared: Sendable {
    let acknowledged = Mutex<[String: UInt64]>([:])
    let stop = Atomic<Bool>(false)
}

/// A small deterministic generator, so a failing round can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
