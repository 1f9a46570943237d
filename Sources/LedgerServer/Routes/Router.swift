import LedgerDomain
import LedgerEngine
import Logging
import NIOCore
import NIOHTTP1

/// Dispatches requests to the routes of contract section 6, after the method and access checks.
public struct Router: Sendable {
    let ledger: Ledger
    let configuration: ServerConfiguration
    let authorizer: Authorizer
    let logger: Logger
    let metrics: Metrics

    /// `metrics` should be the one the ledger reports its commits to (`LedgerOptions.onCommit`).
    public init(ledger: Ledger, configuration: ServerConfiguration, metrics: Metrics, logger: Logger) {
        self.ledger = ledger
        self.metrics = metrics
        self.configuration = configuration
        self.authorizer = Authorizer(configuration: configuration)
        self.logger = logger
    }

    /// The routes: a path pattern, the methods it takes, and whether it writes.
    enum Route {
        case health, events, subject(String), views, view(String), checkpoint, verifier, inclusion, consistency, metrics, backup

        var methods: [HTTPMethod] {
            switch self {
            case .events: [.GET, .POST]
            case .backup: [.POST]
            default: [.GET]
            }
        }
    }

    static func route(_ path: String) -> Route? {
        // The busiest paths first, without splitting them.
        switch path {
        case "/v1/events": return .events
        case "/v1/health": return .health
        default: break
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 2 where parts[1] == "metrics": return .metrics
        case 3 where parts[1] == "v1":
            switch parts[2] {
            case "health": return .health
            case "events": return .events
            case "checkpoint": return .checkpoint
            case "views": return .views
            default: return nil
            }
        case 4 where parts[1] == "v1":
            switch (parts[2], parts[3]) {
            case ("views", let name) where !name.isEmpty: return .view(name)
            case ("checkpoint", "verifier"): return .verifier
            case ("proofs", "inclusion"): return .inclusion
            case ("proofs", "consistency"): return .consistency
            case ("admin", "backup"): return .backup
            default: return nil
            }
        case 5 where parts[1] == "v1" && parts[2] == "subjects":
            return .subject(parts[3] + "/" + parts[4])
        default: return nil
        }
    }

    public func handle(_ request: Request) async -> Response {
        do {
            return try await dispatch(request)
        } catch let error as LedgerError {
            metrics.observeRefusal(error.code)
            if error.code.status >= 500 {
                logger.error("request failed: \(error)")
            } else if error.code != .forbidden {
                logger.notice("refused", metadata: ["code": "\(error.code.rawValue)", "detail": "\(error.detail)", "path": "\(request.path)"])
            }
            return .problem(error)
        } catch {
            logger.error("request failed: \(error)")
            return .problem(LedgerError(.internalError, "internal error: \(error)"))
        }
    }

    private func dispatch(_ request: Request) async throws -> Response {
        guard let route = Self.route(request.path) else {
            throw LedgerError(.notFound, "no route \(request.path)")
        }
        let methods = route.methods
        let method = request.method == .HEAD ? .GET : request.method
        guard methods.contains(method) else {
            let allow = methods.map(\.rawValue).joined(separator: ", ")
            metrics.observeRefusal(.methodNotAllowed)
            var response = Response.problem(
                LedgerError(.methodNotAllowed, "\(request.method.rawValue) is not allowed on \(request.path); allowed: \(allow)"))
            response.headers.add(name: "allow", value: allow)
            return response
        }
        logger.debug("request", metadata: ["method": "\(request.method.rawValue)", "path": "\(request.path)", "user": "\(request.peer.userName)"])
        if case .health = route {
            return Response(
                status: .ok, contentType: "application/json",
                body: .bytes(Array("{\"status\":\"ok\",\"seq\":\(ledger.head)}".utf8)))
        }
        let grant = authorizer.grant(for: request.peer)
        guard grant.allowsReading() else {
            throw deny(request, reason: "no role")
        }
        switch route {
        case .events where method == .POST:
            guard grant.allowsAppending() else { throw deny(request, reason: "role \(grant.role!.rawValue) may not append") }
            return try await postEvents(request, grant: grant)
        case .events:
            return try await Self.offEventLoop { try getEvents(request) }
        case .subject(let name):
            return try await Self.offEventLoop { try getSubject(name) }
        case .views:
            return getViewCatalogue()
        case .view(let name):
            return try await Self.offEventLoop { try await getView(name, request) }
        case .checkpoint:
            return try getCheckpoint()
        case .verifier:
            return try getVerifier()
        case .inclusion:
            return try getInclusionProof(request)
        case .consistency:
            return try getConsistencyProof(request)
        case .backup:
            guard grant.role == .admin else { throw deny(request, reason: "only admins may make backups") }
            return try await Self.offEventLoop { try postBackup(request) }
        case .metrics:
            return Response(status: .ok, contentType: "text/plain; version=0.0.4", body: .bytes(metrics.render(ledger: ledger)))
        case .health:
            throw LedgerError(.notFound, "no route \(request.path)")
        }
    }

    /// Runs `body` on the shared pool: requests run on their connection's event loop (no thread
    /// hop on the way in or out), so work that can take long (reading many lines, folding a
    /// view, a backup) moves off it, and the loop's other connections are not kept waiting.
    static func offEventLoop<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(globalConcurrentExecutor) { try await body() }
    }

    /// Logs a denial (uid, user, route, reason) and returns the 403 problem.
    func deny(_ request: Request, reason: String, index: Int? = nil) -> LedgerError {
        logger.notice(
            "denied",
            metadata: [
                "uid": "\(request.peer.uid)", "user": "\(request.peer.userName)",
                "route": "\(request.method.rawValue) \(request.path)", "reason": "\(reason)",
            ])
        return LedgerError(.forbidden, "\(request.peer.userName) may not do this: \(reason)", index: index)
    }
}
