import Foundation
import LedgerClient
import LedgerDomain
import Testing

@Suite("Views, audit and verification end to end", .serialized)
struct AuditTests {
    @Test func theDemoAuditTellsTheCourtsStory() throws {
        let daemon = try Daemon()
        #expect(try daemon.ctl(["import", packageRoot + "/demo/brussels.ndjson"]).status == 0)
        let audit = try daemon.ctl(["audit", "--at", "2024-01-24"])
        #expect(audit.status == 0, "\(audit.stderr)")
        let text = audit.stdout
        #expect(text.contains("Policy audit as of 2024-01-24T23:59:59Z"))
        #expect(text.contains("never-reported measure/gate-consumption-room"))
        #expect(text.contains("did not adopt: plan/zsp-5344"))
        #expect(text.contains("waived (with justification): plan/zsp-5342"))
        #expect(text.contains("between actor/safe-brussels and actor/transit (only informal: coordination/transit-bps-contacts)"))
        #expect(text.contains("between actor/cocom and actor/safe-brussels (nothing at all)"))
        #expect(text.contains("between actor/cocom and actor/transit (nothing at all)"))
        #expect(text.contains("measure/gate-consumption-room (harm-reduction, municipal) vs measure/possession-fines (enforcement, federal)"))
        #expect(text.contains("open critical finding/no-evaluation-possible"))
        #expect(text.contains("accepted major finding/no-coherent-objectives by actor/court-of-audit (1 answer)"))
        #expect(text.contains("open major finding/no-needs-analysis by actor/court-of-audit (0 answers)"))
        // Link Up opened later: not in the 2024-01-24 inventory, but in today's.
        #expect(!text.contains("link-up"))
        let today = try daemon.ctl(["view", "inventory", "--format", "csv"]).stdout
        #expect(today.contains("measure/link-up-consumption-room"))
        // CSV for spreadsheets and scripts: the header is the API's names, a null is an empty field.
        let rows = today.split(separator: "\n")
        #expect(rows.first == "id,title,owner,plan,priority,stance,status,launched,ended,reports,lastReport")
        #expect(rows.contains(
            "measure/cocom-addiction-services,Licensing and funding of addiction services,actor/cocom,,,treatment,active,2019-01-01T00:00:00Z,,0,"))
        let pairs = try daemon.ctl(["view", "coordination", "--parties", "actor/safe-brussels,actor/transit", "--format", "csv"]).stdout
        #expect(pairs == "a,b,formal,arrangements\nactor/safe-brussels,actor/transit,false,coordination/transit-bps-contacts\n")

        // ledgerctl view --format json is the API's answer, and the root is the checkpoint's.
        let json = try daemon.ctl(["view", "reporting", "--at", "2024-01-24", "--format", "json"]).stdout
        let api = try daemon.curl(["http://l/v1/views/reporting?at=2024-01-24"]).body
        #expect(json.trimmingCharacters(in: .newlines) == api)
        let note = try daemon.curl(["http://l/v1/checkpoint"]).body
        #expect(note.contains("\n\(try JSONParser.parse(Array(api.utf8))["root"]!.stringValue!)\n"))
        #expect(try daemon.curl(["http://l/v1/views/nope"]).status == 404)
        #expect(try daemon.curl(["http://l/v1/views/inventory?at=2024-13-01"]).status == 400)
        #expect(try daemon.curl(["http://l/v1/views/coordination?parties=actor/a,,actor/b"]).status == 400)
        let recordedCut = try JSONParser.parse(Array(try daemon.curl(["http://l/v1/views/findings?recorded=2000-01-01"]).body.utf8))
        #expect(recordedCut["seq"] == 0)
        #expect(recordedCut["root"] == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")

        let metrics = try daemon.curl(["http://l/metrics"]).body
        #expect(metrics.contains("ledger_head_seq 86"))
        // The audit asked for the reporting view: its series counts it.
        let reporting = metrics.split(separator: "\n").first { $0.hasPrefix("ledger_view_seconds_count{view=\"reporting\"} ") }
        #expect(Int(reporting?.split(separator: " ").last ?? "") ?? 0 >= 1, "\(reporting ?? "no reporting view series")")
        daemon.stop()
    }

    @Test func verifyOnlineOfflineAndATamperedCopy() throws {
        let daemon = try Daemon()
        #expect(try daemon.ctl(["import", packageRoot + "/demo/brussels.ndjson"]).status == 0)
        var result = try daemon.ctl(["verify"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("verified: 86 events"))
        let proof = try JSONParser.parse(Array(try daemon.ctl(["prove", "inclusion", "5", "--format", "json"]).stdout.utf8))
        #expect(proof["index"] == 4 && proof["size"] == 86 && proof["verified"] == true)
        result = try daemon.ctl(["prove", "inclusion", "5"])
        #expect(result.stdout.hasPrefix("seq 5 is in the signed tree of 86 events"), "\(result.stdout)")
        #expect(try daemon.ctl(["prove", "inclusion", "0"]).status == 64)
        #expect(try daemon.ctl(["prove", "inclusion", "9", "--size=8"]).status == 64)
        #expect(daemon.stop() == 0)
        result = try daemon.ctl(["verify", "--data-dir", daemon.dataDirectory])
        #expect(result.status == 0, "\(result.stderr)")

        // Flip one byte of a stored line in a copy of the data file.
        let copy = daemon.directory + "/tampered"
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: daemon.dataDirectory + "/data.mdb"))
        let needle = Data("Transit asbl".utf8)
        let range = try #require(bytes.range(of: needle))
        bytes[range.lowerBound + 11] = UInt8(ascii: "m")
        try bytes.write(to: URL(fileURLWithPath: copy + "/data.mdb"))
        result = try daemon.ctl(["verify", "--data-dir", copy])
        #expect(result.status == 3)
        #expect(result.stderr.contains("at seq 8"), "\(result.stderr)")

        // The daemon serving the tampered store: the changed line no longer leads to the signed
        // root along its audit path, online; another event's path still does.
        try bytes.write(to: URL(fileURLWithPath: daemon.dataDirectory + "/data.mdb"))
        try daemon.start()
        result = try daemon.ctl(["prove", "inclusion", "8"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("verification FAILED at seq 8"), "\(result.stderr)")
        #expect(try daemon.ctl(["prove", "inclusion", "5"]).status == 0)
        // Online verification names it too, by bisection with the daemon's consistency proofs.
        result = try daemon.ctl(["verify"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("at seq 8: the line at seq 8 is not the one the signed tree holds"), "\(result.stderr)")
    }
}
