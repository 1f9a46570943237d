import ArgumentParser
import LedgerClient

/// How the output is written.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The daemon's socket (default: $LEDGER_SOCKET or /run/ledgerd/ledgerd.sock).")
    var socket: String?

    @Option(name: .long, help: "Output: table (for people), json (for programs), or csv (views).")
    var format: OutputFormat = .table

    func client() -> LedgerClient {
        LedgerClient(socketPath: LedgerClient.socketPath(explicit: socket))
    }
}
