import Foundation
import LedgerDomain
import LedgerEngine
import Logging
import ServiceLifecycle
import UnixSignals

/// Builds the daemon from its configuration; `ledgerd` and the tests both call this.
public enum Daemon {
    /// The services to run: the ledger (closed last) and the socket server.
    public static func build(configuration: ServerConfiguration, logger: Logger) throws -> ServiceGroup {
        // Ignored from here, before the socket is served; `LedgerService` then logs each one.
        signal(SIGHUP, SIG_IGN)
        let metrics = Metrics()
        var options = LedgerOptions(
            directory: configuration.dataDirectory, initialMapSize: configuration.initialMapSize,
            maximumMapSize: configuration.maxMapSize, origin: configuration.origin)
        options.onCommit = metrics.observeCommit
        let ledger = try Ledger(options: options, logger: logger)
        logger.info("ledger open", metadata: ["dir": "\(configuration.dataDirectory)", "seq": "\(ledger.head)"])
        let router = Router(ledger: ledger, configuration: configuration, metrics: metrics, logger: logger)
        let notifier = SystemdNotifier()
        let server = HTTPServer(
            socketPath: configuration.socketPath, maxBodyBytes: configuration.maxBodyBytes, router: router,
            logger: logger,
            onReady: { notifier.notify("READY=1\nSTATUS=serving \(configuration.socketPath), head seq \(ledger.head)") },
            onShutdown: { notifier.notify("STOPPING=1\nSTATUS=stopping at head seq \(ledger.head)") })
        return ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: LedgerService(ledger: ledger, notifier: notifier, logger: logger)), .init(service: server),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
    }
}

/// Keeps the ledger open while the server runs and closes it (answering queued appends) after.
struct LedgerService: Service {
    let ledger: Ledger
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async throws {
        let ledger = self.ledger
        let notifier = self.notifier
        let logger = self.logger
        // SIGHUP, by habit a reload, would otherwise end the daemon at once (its default action),
        // with requests in flight: the configuration is read only at start, so it is logged and
        // ignored.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        // Until shutdown: log each SIGHUP, keep systemd's watchdog fed and STATUS= current.
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in hangups.cancelOnGracefulShutdown() {
                    logger.notice("SIGHUP ignored: ledgerd reads its configuration only at start; restart it to apply a new one")
                }
            }
            if let interval = notifier.watchdogInterval {
                group.addTask {
                    while !Task.isCancelled {
                        notifier.notify("WATCHDOG=1\nSTATUS=serving, head seq \(ledger.head)")
                        try? await Task.sleep(for: interval)
                    }
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        ledger.close()
    }
}
