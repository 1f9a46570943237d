import Foundation
import LedgerDomain
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Answers HTTP/1.1 on a Unix domain socket. On graceful shutdown it stops accepting, lets
/// each connection finish the request it is on (idle ones close at once, followers end),
/// then removes the socket file.
public final class HTTPServer: Service, Sendable {
    let socketPath: String
    let maxBodyBytes: Int
    let router: Router
    let logger: Logger
    let onReady: @Sendable () -> Void
    let onShutdown: @Sendable () -> Void
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])

    public init(socketPath: String, maxBodyBytes: Int, router: Router, logger: Logger,
        onReady: @escaping @Sendable () -> Void = {}, onShutdown: @escaping @Sendable () -> Void = {}
    ) {
        self.onShutdown = onShutdown
        self.socketPath = socketPath
        self.maxBodyBytes = maxBodyBytes
        self.router = router
        self.logger = logger
        self.onReady = onReady
    }

    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    public func run() async throws {
        try SocketFile.prepare(socketPath)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 512)
            .bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: false) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        chmod(socketPath, 0o660)
        defer { unlink(socketPath) }
        logger.info("listening", metadata: ["socket": "\(socketPath)"])
        onReady()
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        // The connection's task runs on its channel's event loop, so a request
                        // crosses no thread between the socket and the router and back.
                        group.addTask(executorPreference: EventLoopTaskExecutor(connection.channel.eventLoop)) {
                            await self.serve(connection)
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            self.logger.info("shutting down: no new connections; finishing requests in flight")
            self.onShutdown()
            server.channel.close(promise: nil)
            let open = self.connections.withLock { Array($0.values) }
            for channel in open {
                channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            }
        }
        logger.info("stopped")
    }

    private func serve(_ connection: Connection) async {
        let channel = connection.channel
        let key = ObjectIdentifier(channel)
        connections.withLock { $0[key] = channel }
        defer { _ = connections.withLock { $0.removeValue(forKey: key) } }
        do {
            let peer = try await Self.peer(of: channel)
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                var body = channel.allocator.buffer(capacity: 0)
                var tooLarge = false
                for try await part in inbound {
                    switch part {
                    case .head(let h):
                        head = h
                        body.clear()
                        tooLarge = (h.headers.first(name: "content-length").flatMap(Int.init) ?? 0) > maxBodyBytes
                    case .body(var chunk):
                        if tooLarge || body.readableBytes + chunk.readableBytes > maxBodyBytes {
                            tooLarge = true
                            body.clear()
                        } else {
                            body.writeBuffer(&chunk)
                        }
                    case .end:
                        guard let h = head else { continue }
                        let (path, query) = Request.split(uri: h.uri)
                        let request = Request(
                            method: h.method, path: path, query: query, headers: h.headers, body: body,
                            bodyTooLarge: tooLarge, peer: peer)
                        let response = await router.handle(request)
                        try await write(response, for: h, to: outbound, channel: channel)
                        head = nil
                        body = channel.allocator.buffer(capacity: 0)
                        if !h.isKeepAlive { return }
                    }
                }
            }
        } catch {
            logger.debug("connection ended: \(error)")
        }
    }

    private func write(
        _ response: Response, for head: HTTPRequestHead, to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
        channel: any Channel
    ) async throws {
        var headers = response.headers
        if !head.isKeepAlive { headers.replaceOrAdd(name: "connection", value: "close") }
        switch response.body {
        case .bytes(let bytes):
            headers.replaceOrAdd(name: "content-length", value: String(bytes.count))
            // One write for the whole answer: each write is a hop to the event loop.
            var parts: [HTTPServerResponsePart] = [
                .head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))
            ]
            if head.method != .HEAD, !bytes.isEmpty { parts.append(.body(.byteBuffer(channel.allocator.buffer(bytes: bytes)))) }
            parts.append(.end(nil))
            try await outbound.write(contentsOf: parts)
        case .stream(let produce):
            headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
            try await outbound.write(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers)))
            let writer = BodyWriter { bytes in
                try await outbound.write(.body(.byteBuffer(channel.allocator.buffer(bytes: bytes))))
            }
            // The producer stops when the client goes away (the channel closes) or this task is cancelled.
            let producer = Task { try await produce(writer) }
            channel.closeFuture.whenComplete { _ in producer.cancel() }
            try await withTaskCancellationHandler {
                try await producer.value
            } onCancel: {
                producer.cancel()
            }
            try await outbound.write(.end(nil))
        }
    }

    static func peer(of channel: any Channel) async throws -> Peer {
        guard let provider = channel as? SocketOptionProvider else {
            return Peer(pid: 0, uid: UInt32.max, gid: UInt32.max)
        }
        let credentials: PeerCredentials = try await provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)
        ).get()
        return Peer(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid)
    }
}

/// Runs a task's jobs on a NIO event loop (`TaskExecutor` preference, SE-0417).
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// The layout of Linux `struct ucred` (`SO_PEERCRED`), which Glibc's Swift overlay does not export.
struct PeerCredentials: Sendable {
    var pid: Int32
    var uid: UInt32
    var gid: UInt32
}

/// The socket file's life: refuse to take over a live socket, clear a stale one.
enum SocketFile {
    static func prepare(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            return
        }
        if isListening(path) {
            throw LedgerError(.internalError, "another process is listening on \(path)")
        }
        unlink(path)
    }

    static func isListening(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes + [0])
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }
}
