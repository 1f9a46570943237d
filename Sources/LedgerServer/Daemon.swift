import Foundation
import LedgerDomain
import LedgerEngine
import Logging
import ServiceLifecycle

/// Builds the daemon from its configuration; `ledgerd` and the tests both call this.
public enum Daemon {
    /// The services to run: the ledger (closed last) and the socket server.
    public static func build(configuration: ServerConfiguration, logger: Logger) throws -> ServiceGroup {
        let ledger = try Ledger(
            options: LedgerOptions(
                directory: configuration.dataDirectory, initialMapSize: configuration.initialMapSize,
                maximumMapSize: configuration.maxMapSize, origin: configuration.origin),
            logger: logger)
        logger.info("ledger open", metadata: ["dir": "\(configuration.dataDirectory)", "seq": "\(ledger.head)"])
        let router = Router(ledger: ledger, configuration: configuration, logger: logger)
        let notifier = SystemdNotifier()
        let server = HTTPServer(
            socketPath: configuration.socketPath, maxBodyBytes: configuration.maxBodyBytes, router: router,
            logger: logger,
            onReady: { notifier.notify("READY=1\nSTATUS=serving \(configuration.socketPath), head seq \(ledger.head)") },
            onShutdown: { notifier.notify("STOPPING=1\nSTATUS=stopping at head seq \(ledger.head)") })
        return ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: LedgerService(ledger: ledger, notifier: notifier)), .init(service: server),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
    }
}

/// Keeps the ledger open while the server runs and closes it (answering queued appends) after.
struct LedgerService: Service {
    let ledger: Ledger
    let notifier: SystemdNotifier

    func run() async throws {
        // Until shutdown: keep systemd's watchdog fed and STATUS= current.
        let ledger = self.ledger
        let notifier = self.notifier
        await withTaskGroup(of: Void.self) { group in
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
