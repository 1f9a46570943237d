import Foundation
import LedgerDomain
import Testing

/// The programs in `Tests/Oracles` share no code with ledgerd: each was written from the
/// contract alone, so that a misreading in one is unlikely to be repeated in the other.
@Suite("Independent implementations of the contract")
struct OracleTests {
    /// `ledger.py` predicts the answer to each of a random ledger's appends from its own model of
    /// the head state, checks the subjects' histories and filtered reads of the log, then computes
    /// the seven views from the exported lines and compares them, member for member, with
    /// ledgerd's answers at random cuts.
    @Test(arguments: [1, 3])
    func randomLedgersAgreeOnEveryAnswerAndView(seed: Int) throws {
        let daemon = try Daemon()
        let summary = try oracle("ledger.py", [daemon.socket, "\(seed)", "1200", "60"])
        // Not an agreement on nothing: the log holds hundreds of events, and every view had rows.
        #expect((summary["head"]?.doubleValue ?? 0) >= 200)
        #expect((summary["reads"]?.doubleValue ?? 0) >= 150)
        for view in ["inventory", "reporting", "alignment", "coordination", "evaluability", "coherence", "findings"] {
            #expect((summary["rows"]?[view]?.doubleValue ?? 0) > 0, "no \(view) rows compared")
        }
        for code in ["already-exists", "not-found", "unknown-reference", "invalid-state", "version-conflict"] {
            #expect((summary["answers"]?[code]?.doubleValue ?? 0) > 0, "no \(code) answers compared")
        }
    }

    /// `tree.py` recomputes the leaves and root from the lines, checks the signed checkpoint and
    /// its key (the Ed25519 signature with RFC 8032's reference algorithm), and verifies inclusion
    /// and consistency proofs with RFC 9162's algorithms.
    @Test func theTreeProofsAndCheckpointVerifyIndependently() throws {
        let daemon = try Daemon(config: "[server]\norigin = \"audit.example.org/brussels\"\n")
        #expect(try daemon.ctl(["import", packageRoot + "/demo/brussels.ndjson"]).status == 0)
        let summary = try oracle("tree.py", [daemon.socket, "audit.example.org/brussels", "300"])
        #expect(summary["size"] == 86)
        #expect(summary["signature"] == true)
        #expect((summary["consistency"]?.doubleValue ?? 0) >= 300)
    }

    /// `shape.py` sends events and batches with one to three defects each, decides by its own
    /// reading of the contract which refusal wins among the checks that need no head state, and
    /// compares code, status and batch index with ledgerd's answers.
    @Test func defectiveEventsGetTheRefusalTheContractRanksFirst() throws {
        let daemon = try Daemon()
        #expect(try daemon.ctl(["import", packageRoot + "/demo/brussels.ndjson"]).status == 0)
        let summary = try oracle("shape.py", [daemon.socket, "1", "1500"])
        #expect((summary["batches"]?.doubleValue ?? 0) >= 300)
        let codes = ["invalid-field", "unknown-field", "missing-field", "invalid-subject", "unknown-type", "invalid-time"]
        for code in codes {
            #expect((summary["answers"]?[code]?.doubleValue ?? 0) >= 50, "few \(code) answers")
        }
    }

    /// Runs `Tests/Oracles/NAME` and returns its JSON summary (its last line), expecting success.
    private func oracle(_ name: String, _ arguments: [String]) throws -> JSONValue {
        let result = try run("/usr/bin/env", ["python3", packageRoot + "/Tests/Oracles/" + name] + arguments)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let last = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let summary = try JSONParser.parse(Array(last.utf8))
        #expect(summary["failures"] ?? summary["mismatches"] == 0, "\(result.stdout)")
        return summary
    }
}
