import ArgumentParser
import LedgerDomain

/// `ledgerctl`: the policy ledger's command line, a client of `ledgerd`'s socket.
@main
struct Ledgerctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledgerctl",
        abstract: "Record and audit public policy in a tamper-evident ledger served by ledgerd.",
        discussion: """
            The socket is --socket, else $LEDGER_SOCKET, else /run/ledgerd/ledgerd.sock.
            Exit codes:
              0   success
              64  bad usage (unknown option, bad value)
              65  the daemon refused the request (a problem code: invalid input, conflict, not found, forbidden)
              69  the daemon cannot be reached
              70  the daemon failed (5xx)
              74  a local file could not be read or written
              3   verification failed: the log, a bundle or a checkpoint does not match (verify, verify-bundle)
            """,
        version: PolicyLedger.version,
        subcommands: [
            StatusCommand.self, AppendCommand.self, ImportCommand.self, EventsCommand.self, HistoryCommand.self,
            ViewCommand.self, AuditCommand.self, ExportCommand.self, CheckpointCommand.self, ProveCommand.self,
            VerifyCommand.self, BundleCommand.self, VerifyBundleCommand.self, BackupCommand.self,
        ])
}
