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
            --socket and --format go before or after the subcommand.
            Exit codes:
              0   success
              64  bad usage (unknown option, bad value)
              65  the daemon refused the request (a problem code: invalid input, conflict, not found, forbidden)
              69  the daemon cannot be reached, or went away (an import or a follow cut off)
              70  the daemon failed (5xx)
              74  a local file could not be read or written
              3   verification failed: the log, a bundle, a checkpoint or a proof does not match (verify, verify-bundle, prove inclusion)
            """,
        version: PolicyLedger.version,
        subcommands: [
            StatusCommand.self, AppendCommand.self, ImportCommand.self, EventsCommand.self, HistoryCommand.self,
            ViewCommand.self, AuditCommand.self, ExportCommand.self, CheckpointCommand.self, ProveCommand.self,
            VerifyCommand.self, BundleCommand.self, VerifyBundleCommand.self, BackupCommand.self,
        ])

    static func main() {
        main(Self.globalOptionsAfterSubcommand(Array(CommandLine.arguments.dropFirst())))
    }

    /// The options every subcommand takes (`--socket`, `--format`) may also come before the
    /// subcommand, as in `ledgerctl --socket PATH status`: they are moved to the end of the
    /// subcommand's arguments (before a `--`), where the parser takes them.
    static func globalOptionsAfterSubcommand(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments[...]
        while let first = rest.first {
            if first == "--socket" || first == "--format", rest.count >= 2 {
                leading += rest.prefix(2)
                rest = rest.dropFirst(2)
            } else if first.hasPrefix("--socket=") || first.hasPrefix("--format=") {
                leading.append(first)
                rest = rest.dropFirst()
            } else {
                break
            }
        }
        guard !leading.isEmpty, !rest.isEmpty else { return arguments }
        var moved = Array(rest)
        moved.insert(contentsOf: leading, at: moved.firstIndex(of: "--") ?? moved.endIndex)
        return moved
    }
}
