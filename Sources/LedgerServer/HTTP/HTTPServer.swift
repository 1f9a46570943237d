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
///
/// Each connection is a plain NIO channel handler (`HTTPConnection`): a complete request starts
/// a task on the connection's event loop that runs the router and writes the answer. An async
/// channel per connection cost about as much again per request in its stream plumbing.
public final class HTTPServer: Service, Sendable {
    let socketPath: String
    let maxBodyBytes: Int
    let router: Router
    let logger: Logger
    let onReady: @Sendable () -> Void
    let onShutdown: @Sendable () -> Void
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])
    /// Streamed answers in progress (followers), ended at shutdown.
    private let streams = Mutex<[UInt64: Task<Void, any Error>]>([:])
    private let streamCounter = Atomic<UInt64>(0)
    private let quiescing = Atomic<Bool>(false)

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

    public func run() async throws {
        try SocketFile.prepare(socketPath)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 512)
            // Reads of up to 256 KiB (NIO's default stops at 64 KiB), as much as a Unix socket's
            // buffer holds: a 2.5 MB import batch then arrives in a dozen reads, not forty.
            .childChannelOption(
                .recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 256 << 10))
            .childChannelInitializer { channel in self.initialize(channel) }
            .bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: false).get()
        chmod(socketPath, 0o660)
        defer { unlink(socketPath) }
        logger.info("listening", metadata: ["socket": "\(socketPath)"])
        onReady()
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                try? await server.closeFuture.get()
            } onGracefulShutdown: {
                self.logger.info("shutting down: no new connections; finishing requests in flight")
                self.onShutdown()
                self.quiescing.store(true, ordering: .sequentiallyConsistent)
                server.close(promise: nil)
                self.quiesceConnections()
            }
            // Every connection ends once its request in flight is answered.
            while let channel = connections.withLock({ $0.values.first }) {
                try? await channel.closeFuture.get()
                _ = connections.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
            }
        } onCancel: {
            // Cancelled rather than shut down gracefully (another service failed): close everything now.
            server.close(promise: nil)
            for channel in self.connections.withLock({ Array($0.values) }) { channel.close(promise: nil) }
        }
        logger.info("stopped")
    }

    private func initialize(_ channel: any Channel) -> EventLoopFuture<Void> {
        let peer: EventLoopFuture<Peer>
        if let provider = channel as? SocketOptionProvider {
            peer = provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
                .map { (credentials: PeerCredentials) in Peer(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid) }
        } else {
            peer = channel.eventLoop.makeSucceededFuture(Peer(pid: 0, uid: UInt32.max, gid: UInt32.max))
        }
        return peer.flatMapThrowing { peer in
            // Without NIO's pipelining and error handlers: the first stops and restarts reading
            // around every request (two epoll_ctl calls each), which cost 15% of the daemon's
            // CPU with 64 clients. `HTTPConnection` keeps pipelined requests in order itself,
            // and answers a request it cannot parse after the answers before it. The answers'
            // headers are the daemon's own constants and lengths, so they skip validation.
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false)
            try channel.pipeline.syncOperations.addHandler(HTTPConnection(server: self, peer: peer, eventLoop: channel.eventLoop))
            let key = ObjectIdentifier(channel)
            self.connections.withLock { $0[key] = channel }
            channel.closeFuture.whenComplete { _ in _ = self.connections.withLock { $0.removeValue(forKey: key) } }
            // A connection accepted while shutting down is quiesced at once.
            if self.quiescing.load(ordering: .sequentiallyConsistent) {
                channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            }
        }
    }

    /// Connections open now.
    var connectionCount: Int { connections.withLock { $0.count } }

    private func quiesceConnections() {
        for channel in connections.withLock({ Array($0.values) }) {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        for task in streams.withLock({ Array($0.values) }) { task.cancel() }
    }

    /// Runs `produce` as a streamed answer's task, ended by shutdown or when the client goes away.
    func stream(_ produce: @escaping @Sendable () async throws -> Void, executor: EventLoopTaskExecutor, channel: any Channel)
        async throws
    {
        let id = streamCounter.wrappingAdd(1, ordering: .relaxed).newValue
        let task = Task(executorPreference: executor) { try await produce() }
        streams.withLock { $0[id] = task }
        defer { _ = streams.withLock { $0.removeValue(forKey: id) } }
        if quiescing.load(ordering: .sequentiallyConsistent) { task.cancel() }
        channel.closeFuture.whenComplete { _ in task.cancel() }
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}

/// One connection: collects each request and answers it from a task on the connection's event
/// loop, one request at a time, in order.
///
/// A client may send requests before the answers to earlier ones (HTTP/1.1 pipelining): those
/// wait here, complete, until the answer before them is written, and reading stops while
/// `maxWaiting` of them wait. On shutdown (`ChannelShouldQuiesceEvent`) an idle connection
/// closes at once; otherwise the request being answered, or being received, is answered with
/// `connection: close` and the connection then closes (requests waiting behind it are dropped,
/// which a pipelining client must expect of any connection that closes). Bytes that are not
/// HTTP get a bare 400 and the connection closes, once the requests before them are answered.
final class HTTPConnection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: HTTPServer
    private let peer: Peer
    private let executor: EventLoopTaskExecutor
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var tooLarge = false
    /// A request is being answered.
    private var answering = false
    /// Complete requests that arrived while another was being answered.
    private var waiting = CircularBuffer<(head: HTTPRequestHead, request: Request)>()
    /// A read held back while `maxWaiting` requests wait.
    private var readHeld = false
    private var quiescing = false
    /// The input stopped parsing as HTTP: a 400 ends the connection after the answers due.
    private var unparsable = false
    /// The request being received asked for `100 Continue` before its body, and the answers
    /// before it are not all written yet.
    private var continueDue = false
    static let maxWaiting = 16

    init(server: HTTPServer, peer: Peer, eventLoop: any EventLoop) {
        self.server = server
        self.peer = peer
        self.executor = EventLoopTaskExecutor(eventLoop)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            let length = h.headers.first(name: "content-length").flatMap(Int.init) ?? 0
            tooLarge = length > server.maxBodyBytes
            body = context.channel.allocator.buffer(capacity: tooLarge ? 0 : length)
            // `Expect: 100-continue` (curl sends it with bodies over 1 MiB, then waits a second
            // for it): the body is welcome, even one too large, which is answered 413 once read.
            if h.version.major == 1, h.version.minor >= 1,
                h.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" })
            {
                if answering || !waiting.isEmpty { continueDue = true } else { sendContinue(context: context) }
            }
        case .body(var chunk):
            if tooLarge || body.readableBytes + chunk.readableBytes > server.maxBodyBytes {
                tooLarge = true
                body.clear()
            } else {
                body.writeBuffer(&chunk)
            }
        case .end:
            guard let h = head else { return }
            head = nil
            continueDue = false
            let (path, query) = Request.split(uri: h.uri)
            let request = Request(
                method: h.method, path: path, query: query, headers: h.headers, body: body, bodyTooLarge: tooLarge,
                peer: peer, soleConnection: server.connectionCount == 1)
            body = ByteBuffer()
            if answering {
                waiting.append((h, request))
            } else {
                answer(request, for: h, context: context)
            }
        }
    }

    private func answer(_ request: Request, for head: HTTPRequestHead, context: ChannelHandlerContext) {
        answering = true
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let router = server.router
        Task(executorPreference: executor) {
            let response = await router.handle(request)
            // The task runs on the connection's event loop, so the context may be used here.
            let (connection, context) = bound.value
            await connection.write(response, for: head, context: context)
        }
    }

    /// The answer in flight is written: close, or answer the next request waiting.
    private func answered(keepAlive: Bool, context: ChannelHandlerContext) {
        answering = false
        if !keepAlive || quiescing || !context.channel.isActive {
            waiting.removeAll()
            context.close(promise: nil)
            return
        }
        if let next = waiting.popFirst() {
            answer(next.request, for: next.head, context: context)
        } else if unparsable {
            refuseUnparsable(context: context)
        } else if continueDue {
            continueDue = false
            sendContinue(context: context)
        }
        if readHeld && waiting.count < Self.maxWaiting {
            readHeld = false
            context.read()
        }
    }

    func read(context: ChannelHandlerContext) {
        if waiting.count >= Self.maxWaiting {
            readHeld = true
        } else {
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        quiescing = true
        // Idle: close now. Otherwise the answer being written, or to the request being received,
        // closes the connection once it is written.
        if !answering && head == nil { context.close(promise: nil) }
    }

    private func write(_ response: Response, for head: HTTPRequestHead, context: ChannelHandlerContext) async {
        var headers = response.headers
        if !head.isKeepAlive || quiescing { headers.replaceOrAdd(name: "connection", value: "close") }
        let channel = context.channel
        switch response.body {
        case .bytes(let bytes):
            headers.replaceOrAdd(name: "content-length", value: String(bytes.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))), promise: nil)
            if head.method != .HEAD, !bytes.isEmpty {
                context.write(wrapOutboundOut(.body(.byteBuffer(channel.allocator.buffer(bytes: bytes)))), promise: nil)
            }
        case .stream(let produce):
            headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
            context.writeAndFlush(
                wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))),
                promise: nil)
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let loop = context.eventLoop
            let writer = BodyWriter { bytes in
                // Each chunk waits for its write: a slow reader holds the producer back.
                try await loop.flatSubmit {
                    let (connection, context) = bound.value
                    return context.writeAndFlush(connection.wrapOutboundOut(.body(.byteBuffer(channel.allocator.buffer(bytes: bytes)))))
                }.get()
            }
            // The producer stops when the client goes away (the channel closes) or at shutdown.
            try? await server.stream({ try await produce(writer) }, executor: executor, channel: channel)
        }
        let keepAlive = head.isKeepAlive
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            let (connection, context) = bound.value
            connection.answered(keepAlive: keepAlive, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // More input after bytes that did not parse: the 400 and the close are on their way.
        if unparsable { return }
        server.logger.debug("connection ended: \(error)")
        guard error is HTTPParserError else {
            context.close(promise: nil)
            return
        }
        // The decoder delivers nothing more; a request cut short by the error is dropped.
        unparsable = true
        head = nil
        body = ByteBuffer()
        if !answering { refuseUnparsable(context: context) }
    }

    private func sendContinue(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
    }

    /// A bare 400 (no problem document: there is no request to speak of), then the door.
    private func refuseUnparsable(context: ChannelHandlerContext) {
        let headers = HTTPHeaders([("connection", "close"), ("content-length", "0")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
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
