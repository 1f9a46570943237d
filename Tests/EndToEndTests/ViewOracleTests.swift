import Foundation
import LedgerDomain
import Testing

@Suite("The views against an independent implementation")
struct ViewOracleTests {
    /// `Tests/Oracles/views.py` computes the seven views from the exported lines by its own
    /// reading of the contract (it shares no code with ledgerd) and compares them, member for
    /// member, with ledgerd's answers at random cuts of a random ledger.
    @Test(arguments: [1, 2])
    func randomLedgersAgreeWithTheOracle(seed: Int) throws {
        let daemon = try Daemon()
        let script = packageRoot + "/Tests/Oracles/views.py"
        let oracle = try run("/usr/bin/env", ["python3", script, daemon.socket, "\(seed)", "1200", "60"])
        #expect(oracle.status == 0, "\(oracle.stdout)\(oracle.stderr)")
        // Not an agreement on nothing: the log holds hundreds of events, and every view had rows.
        let summary = try JSONParser.parse(Array((oracle.stdout.split(separator: "\n").last ?? "").utf8))
        #expect((summary["head"]?.doubleValue ?? 0) >= 200, "\(oracle.stdout)")
        for view in ["inventory", "reporting", "alignment", "coordination", "evaluability", "coherence", "findings"] {
            #expect((summary["rows"]?[view]?.doubleValue ?? 0) > 0, "no \(view) rows compared: \(oracle.stdout)")
        }
        #expect(summary["mismatches"] == 0)
    }
}
