import ArgumentParser
import Foundation
import LedgerDomain
import LedgerServer
import Logging

/// `ledgerd`: the policy ledger daemon.
@main
struct LedgerDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledgerd",
        abstract: "The policy ledger daemon: an append-only, tamper-evident event log served over a Unix socket.",
        discussion: """
            Configuration comes from --config (default /etc/ledgerd/ledgerd.toml when it exists), then the flags.
            Exit codes: 0 stopped cleanly (SIGTERM/SIGINT); 1 failed at run time; 78 invalid configuration (EX_CONFIG).
            SIGHUP is logged and ignored: the configuration is read only at start.
            """,
        version: PolicyLedger.version)

    @Option(name: .long, help: "The configuration file (TOML).")
    var config: String?

    @Option(name: .customLong("data-dir"), help: "The state directory (LMDB files, signing key).")
    var dataDir: String?

    @Option(name: .long, help: "The Unix socket path.")
    var socket: String?

    @Flag(name: .customLong("check-config"), help: "Validate the configuration, print the effective one, and exit.")
    var checkConfig = false

    func run() async throws {
        let configuration: ServerConfiguration
        do {
            configuration = try loadConfiguration()
        } catch {
            FileHandle.standardError.write(Data("ledgerd: invalid configuration: \(error)\n".utf8))
            throw ExitCode(78)
        }
        if checkConfig {
            for warning in configuration.accountWarnings() {
                FileHandle.standardError.write(Data("ledgerd: warning: \(warning)\n".utf8))
            }
            print(configuration.rendered())
            return
        }
        LoggingSystem.bootstrap { label in
            var handler = JournalLogHandler(label: label)
            handler.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
            return handler
        }
        let logger = Logger(label: "ledgerd")
        for warning in configuration.accountWarnings() { logger.warning("\(warning)") }
        do {
            let group = try Daemon.build(configuration: configuration, logger: logger)
            try await group.run()
        } catch {
            logger.error("ledgerd failed: \(error)")
            throw ExitCode(1)
        }
    }

    private func loadConfiguration() throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        if let config {
            configuration = try ServerConfiguration.load(path: config)
        } else if FileManager.default.fileExists(atPath: "/etc/ledgerd/ledgerd.toml") {
            configuration = try ServerConfiguration.load(path: "/etc/ledgerd/ledgerd.toml")
        }
        if let dataDir { configuration.dataDirectory = dataDir }
        if let socket { configuration.socketPath = socket }
        return configuration
    }
}
