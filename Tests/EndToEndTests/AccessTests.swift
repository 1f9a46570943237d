import Foundation
import LedgerDomain
import Testing

/// Clients under other real uids (root in CI runs them through setpriv as `nobody`).
@Suite("Access control from peer credentials", .serialized, .enabled(if: getuid() == 0, "needs root to act as other users"))
struct AccessTests {
    /// curl over the socket as `nobody`; returns status and body.
    func curlAsNobody(_ daemon: Daemon, _ arguments: [String]) throws -> (status: Int, body: String) {
        let output = try run("/usr/bin/setpriv", [
            "--reuid", "nobody", "--regid", "nogroup", "--clear-groups", "/usr/bin/curl", "-s", "--unix-socket", daemon.socket,
            "-w", "\n%{http_code}",
        ] + arguments)
        var lines = output.stdout.components(separatedBy: "\n")
        let status = Int(lines.removeLast()) ?? 0
        return (status, lines.joined(separator: "\n"))
    }

    func openUp(_ daemon: Daemon) {
        // The socket is 0660 for the daemon's user and group; let `nobody` reach it for the test.
        chmod(daemon.directory, 0o755)
        chmod(daemon.socket, 0o666)
    }

    @Test func aPeerWithNoRoleOnlySeesHealth() throws {
        let daemon = try Daemon()
        // Before the socket is opened up, its mode (0660) keeps `nobody` out, and ledgerctl
        // says that it is a matter of permission, not of a daemon that does not run.
        chmod(daemon.directory, 0o755)
        let shut = try run("/usr/bin/setpriv", [
            "--reuid", "nobody", "--regid", "nogroup", "--clear-groups", binDirectory + "/ledgerctl", "status", "--socket", daemon.socket,
        ])
        #expect(shut.status == 69)
        #expect(shut.stderr.contains("Permission denied (the socket is open only to its owner and group"), "\(shut.stderr)")
        openUp(daemon)
        #expect(try curlAsNobody(daemon, ["http://l/v1/health"]).status == 200)
        let denied = try curlAsNobody(daemon, ["http://l/v1/events"])
        #expect(denied.status == 403)
        #expect(try JSONParser.parse(Array(denied.body.utf8))["code"] == "forbidden")
        daemon.stop()
        let log = try String(contentsOfFile: daemon.log, encoding: .utf8)
        #expect(log.contains("denied") && log.contains("uid=65534") && log.contains("user=nobody") && log.contains("GET /v1/events"))
    }

    @Test func readersReadAndLimitedRecordersWriteOnlyTheirSources() throws {
        let reader = try Daemon(config: "[access.users]\nnobody = \"reader\"\n")
        openUp(reader)
        #expect(try curlAsNobody(reader, ["http://l/v1/views/findings"]).status == 200)
        let post = try curlAsNobody(reader, ["-H", "content-type: application/json", "-d", actorEvent("a"), "http://l/v1/events"])
        #expect(post.status == 403)
        reader.stop()

        let recorder = try Daemon(config: "[access.users]\nnobody = \"recorder\"\n[access.sources]\nnobody = [\"actor/a\"]\n")
        openUp(recorder)
        var r = try curlAsNobody(recorder, ["-H", "content-type: application/json", "-d", actorEvent("a"), "http://l/v1/events"])
        #expect(r.status == 201, "\(r.body)")
        // A batch with one foreign source is refused whole, naming its index.
        r = try curlAsNobody(recorder, ["-H", "content-type: application/json", "-d", "[\(actorEvent("a2").replacingOccurrences(of: "\"source\":\"actor/a2\"", with: "\"source\":\"actor/a\"")),\(actorEvent("b"))]", "http://l/v1/events"])
        #expect(r.status == 403)
        #expect(try JSONParser.parse(Array(r.body.utf8))["index"] == 1)
        #expect(try recorder.curl(["http://l/v1/health"]).body == "{\"status\":\"ok\",\"seq\":1}")
        // recordedby is the peer's user name.
        let line = try recorder.curl(["http://l/v1/events"]).body
        #expect(try JSONParser.parse(Array(line.trimmingCharacters(in: .newlines).utf8))["recordedby"] == "nobody")
        #expect(try curlAsNobody(recorder, ["-X", "POST", "-d", "{}", "-H", "content-type: application/json", "http://l/v1/admin/backup"]).status == 403)
        recorder.stop()
    }
}
