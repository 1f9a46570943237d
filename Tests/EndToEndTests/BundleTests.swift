import Foundation
import LedgerClient
import LedgerDomain
import Testing

@Suite("Audit bundles", .serialized)
struct BundleTests {
    /// A bundle of the demo ledger verifies with no daemon running; its root is recomputed by an
    /// independent RFC 6962 implementation (Python's hashlib); every edit is caught.
    @Test func aBundleVerifiesOfflineAndEveryEditIsCaught() throws {
        let daemon = try Daemon()
        #expect(try daemon.ctl(["import", packageRoot + "/demo/brussels.ndjson"]).status == 0)
        let out = daemon.directory + "/bundle"
        let made = try daemon.ctl(["bundle", "--at", "2024-01-24", "--out", out])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains("bundle written to \(out): 86 events"))
        let apiView = try daemon.curl(["http://l/v1/views/reporting?at=2024-01-24&seq=86"]).body
        #expect(try String(contentsOfFile: out + "/views/reporting.json", encoding: .utf8) == apiView + "\n")
        let exported = try daemon.ctl(["export"]).stdout
        #expect(try String(contentsOfFile: out + "/events.ndjson", encoding: .utf8) == exported)
        daemon.stop()

        // No daemon from here on.
        let ok = try run(binDirectory + "/ledgerctl", ["verify-bundle", out])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("bundle verified: 86 events"))
        #expect(ok.stdout.contains("7 views recomputed from the export match"))
        let manifest = try json(String(contentsOfFile: out + "/manifest.json", encoding: .utf8))
        #expect(manifest["cut"]?["at"] == "2024-01-24T23:59:59Z")
        #expect(manifest["cut"]?["seq"] == 86)
        #expect(manifest["tool"] == .string("ledgerctl \(PolicyLedger.version)"))

        // A third party's RFC 6962 root over the export equals the signed checkpoint's root.
        let independent = try run("/usr/bin/env", ["python3", "-c", Self.pythonRoot, out + "/events.ndjson"])
        #expect(independent.status == 0, "\(independent.stderr)")
        let note = try String(contentsOfFile: out + "/checkpoint", encoding: .utf8)
        #expect(note.split(separator: "\n")[2] == independent.stdout.trimmingCharacters(in: .newlines))

        // An edited export: one event's text changed, still canonical JSON.
        try edit(out, "events.ndjson", "Court of Audit (Rekenhof", "Court of Audits (Rekenhof") {
            let failed = try run(binDirectory + "/ledgerctl", ["verify-bundle", out, "--format", "json"])
            #expect(failed.status == 3)
            let report = try json(failed.stdout)
            #expect(report["ok"] == false)
            let problems = report["problems"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(problems.contains { $0.contains("events.ndjson: the root recomputed from the 86 events differs from the signed checkpoint's root") }, "\(problems)")
        }
        // An export with a line no longer canonical names its seq.
        try edit(out, "events.ndjson", "{\"data\":", "{ \"data\":") {
            let failed = try run(binDirectory + "/ledgerctl", ["verify-bundle", out])
            #expect(failed.status == 3)
            #expect(failed.stderr.contains("events.ndjson: line 1 is not the canonical event for seq 1"), "\(failed.stderr)")
        }
        // An edited view, with the manifest's digest updated too: recomputing the view catches it.
        let viewPath = out + "/views/reporting.json"
        let original = try String(contentsOfFile: viewPath, encoding: .utf8)
        let status = try #require(original.range(of: "\"status\":\"never-reported\""))
        try original.replacingCharacters(in: status, with: "\"status\":\"ok\"").write(toFile: viewPath, atomically: true, encoding: .utf8)
        let manifestText = try String(contentsOfFile: out + "/manifest.json", encoding: .utf8)
        let oldDigest = Self.sha256(Array(original.utf8))
        let newDigest = Self.sha256(Array(try String(contentsOfFile: viewPath, encoding: .utf8).utf8))
        try manifestText.replacingOccurrences(of: oldDigest, with: newDigest).write(toFile: out + "/manifest.json", atomically: true, encoding: .utf8)
        let viewFailed = try run(binDirectory + "/ledgerctl", ["verify-bundle", out])
        #expect(viewFailed.status == 3)
        #expect(viewFailed.stderr.contains("views/reporting.json differs from the view recomputed from events.ndjson"), "\(viewFailed.stderr)")
        #expect(!viewFailed.stderr.contains("SHA-256"))
        try original.write(toFile: viewPath, atomically: true, encoding: .utf8)
        try manifestText.write(toFile: out + "/manifest.json", atomically: true, encoding: .utf8)

        // Another key's verifier: the signature no longer verifies.
        let key = try String(contentsOfFile: out + "/verifier.key", encoding: .utf8)
        let other = SignedNote.verifierKey(name: "localhost/ledgerd", publicKey: [UInt8](repeating: 7, count: 32))
        try (other + "\n").write(toFile: out + "/verifier.key", atomically: true, encoding: .utf8)
        let keyFailed = try run(binDirectory + "/ledgerctl", ["verify-bundle", out])
        #expect(keyFailed.status == 3)
        #expect(keyFailed.stderr.contains("checkpoint: the signature does not verify with verifier.key"), "\(keyFailed.stderr)")
        try key.write(toFile: out + "/verifier.key", atomically: true, encoding: .utf8)
        #expect(try run(binDirectory + "/ledgerctl", ["verify-bundle", out]).status == 0)
    }

    /// A later bundle extends an earlier one's checkpoint; an earlier bundle does not extend a
    /// later one's, and a bundle of another ledger is not signed by the same key.
    @Test func aLaterBundleExtendsAnEarlierOnesCheckpoint() throws {
        let daemon = try Daemon()
        #expect(try daemon.ctl(["import", packageRoot + "/demo/brussels.ndjson"]).status == 0)
        let earlier = daemon.directory + "/earlier"
        #expect(try daemon.ctl(["bundle", "--out", earlier]).status == 0)
        #expect(try daemon.curl(["-H", "content-type: application/json", "-d", actorEvent("later"), "http://l/v1/events"]).status == 201)
        let later = daemon.directory + "/later"
        #expect(try daemon.ctl(["bundle", "--out", later]).status == 0)
        let ctl = binDirectory + "/ledgerctl"
        var result = try run(ctl, ["verify-bundle", later, "--since", earlier + "/checkpoint"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("the export extends the kept checkpoint of 86 events"), "\(result.stdout)")
        result = try run(ctl, ["verify-bundle", later, "--since", earlier + "/checkpoint", "--format", "json"])
        #expect(try json(result.stdout)["since"]?["size"] == 86)
        result = try run(ctl, ["verify-bundle", earlier, "--since", later + "/checkpoint"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("bundle FAILED: the kept checkpoint covers 87 events and the log now has 86"), "\(result.stderr)")

        let other = try Daemon()
        #expect(try other.ctl(["import", packageRoot + "/demo/brussels.ndjson"]).status == 0)
        let foreign = other.directory + "/bundle"
        #expect(try other.ctl(["bundle", "--out", foreign]).status == 0)
        result = try run(ctl, ["verify-bundle", foreign, "--since", earlier + "/checkpoint"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("is not signed by this ledger's key"), "\(result.stderr)")
    }

    /// Replaces `old` by `new` once in a bundle file, runs `check`, and restores the file.
    private func edit(_ dir: String, _ file: String, _ old: String, _ new: String, check: () throws -> Void) throws {
        let path = dir + "/" + file
        let original = try String(contentsOfFile: path, encoding: .utf8)
        let range = try #require(original.range(of: old), "\(old) is not in \(file)")
        try original.replacingCharacters(in: range, with: new).write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? original.write(toFile: path, atomically: true, encoding: .utf8) }
        try check()
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        let out = try? run("/usr/bin/env", ["python3", "-c", "import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"], stdin: Data(bytes))
        return out?.stdout.trimmingCharacters(in: .newlines) ?? ""
    }

    /// RFC 6962 section 2.1 MTH over the lines of an NDJSON file, written from the RFC.
    static let pythonRoot = """
        import base64, hashlib, sys
        leaves = [hashlib.sha256(b"\\x00" + line).digest() for line in open(sys.argv[1], "rb").read().split(b"\\n")[:-1]]
        def mth(d):
            if len(d) == 0: return hashlib.sha256(b"").digest()
            if len(d) == 1: return d[0]
            k = 1
            while k * 2 < len(d): k *= 2
            return hashlib.sha256(b"\\x01" + mth(d[:k]) + mth(d[k:])).digest()
        print(base64.b64encode(mth(leaves)).decode())
        """
}
