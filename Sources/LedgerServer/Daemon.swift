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
        let server = HTTPServer(
            socketPath: configuration.socketPath, maxBodyBytes: configuration.maxBodyBytes, router: router,
            logger: logger)
        return ServiceGroup(
            configuration: .init(
                services: [.init(service: LedgerService(ledger: ledger)), .init(service: server)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
    }
}

/// Keeps the ledger open while the server runs and closes it (answering queued appends) after.
struct LedgerService: Service {
    let ledger: Ledger

    func run() async throws {
        try? await gracefulShutdown()
        ledger.close()
    }
}
