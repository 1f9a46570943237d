#if canImport(Glibc)
import Glibc
#endif

/// A failure to reach or talk to the daemon.
public struct ClientError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// The request was not (completely) written: the daemon cannot have acted on it.
    public let requestUnsent: Bool

    public init(_ message: String) { self.init(message, requestUnsent: false) }

    init(_ message: String, requestUnsent: Bool) {
        self.message = message
        self.requestUnsent = requestUnsent
    }

    public var description: String { message }
}

/// One keep-alive HTTP/1.1 connection over a Unix domain socket, blocking, for one thread.
public final class UnixConnection {
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var chunk = [UInt8](repeating: 0, count: 65536)

    /// Connects to `socketPath`.
    public init(socketPath: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError("socket(): \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            fd = -1  // deinit runs after a throwing init too: never close a number twice
            throw ClientError("socket path too long: \(socketPath)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: pathBytes + [0]) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if rc != 0 {
            let code = errno
            let reason = String(cString: strerror(code))
            close(fd)
            fd = -1  // deinit runs after a throwing init too: never close a number twice
            // The daemon runs but this user may not open its socket (mode 0660): say so, rather
            // than ask whether it runs.
            let hint =
                code == EACCES
                ? "the socket is open only to its owner and group: run as a member of that group, ledgerd on a server install"
                : "is ledgerd running? see --socket / LEDGER_SOCKET"
            throw ClientError("cannot connect to \(socketPath): \(reason) (\(hint))")
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Sends one request and reads the whole answer; `whileWaiting` runs once the request is
    /// written, before the answer is read (the daemon works on it meanwhile).
    public func send(
        method: String, path: String, body: [UInt8]? = nil, contentType: String? = nil, whileWaiting: () -> Void = {}
    ) throws -> HTTPAnswer {
        try writeRequest(method: method, path: path, body: body, contentType: contentType)
        whileWaiting()
        var answer = try readHead()
        if let length = answer.headers["content-length"].flatMap(Int.init) {
            answer.body = try readExactly(length)
        } else if answer.headers["transfer-encoding"]?.lowercased() == "chunked" {
            while let chunk = try readChunk() { answer.body += chunk }
        } else {
            while let more = try fill() { answer.body += more }
        }
        return answer
    }

    /// Sends one request and hands each body chunk to `onChunk` as it arrives (a streamed answer);
    /// returns the head once the stream ends or `onChunk` returns false.
    public func stream(method: String, path: String, onChunk: ([UInt8]) throws -> Bool) throws -> HTTPAnswer {
        try writeRequest(method: method, path: path, body: nil, contentType: nil)
        var answer = try readHead()
        if let length = answer.headers["content-length"].flatMap(Int.init) {
            answer.body = try readExactly(length)
            return answer
        }
        while let chunk = try readChunk() {
            if try !onChunk(chunk) { break }
        }
        return answer
    }

    private func writeRequest(method: String, path: String, body: [UInt8]?, contentType: String?) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: ledgerd\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if let body { bytes += body }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                // A request is acted on only once it has all arrived: this one never will.
                throw ClientError("write to the daemon failed: \(String(cString: strerror(errno)))", requestUnsent: true)
            }
            offset += n
        }
    }

    private func fill() throws -> [UInt8]? {
        if start < buffer.count {
            defer { buffer.removeAll(keepingCapacity: true); start = 0 }
            return Array(buffer[start...])
        }
        let n = try readSocket()
        return n == 0 ? nil : Array(chunk[0..<n])
    }

    private func ensure(_ count: Int) throws {
        while buffer.count - start < count {
            let n = try readSocket()
            if n == 0 { throw ClientError("the daemon closed the connection") }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            buffer += chunk[0..<n]
        }
    }

    /// Reads what the socket has into `chunk` (kept between reads: a fresh 64 KiB array per read
    /// cost more than a small answer's whole exchange); the byte count, 0 at the end.
    ///
    /// The read never blocks: when nothing has arrived yet, the thread waits in `poll` for input.
    /// A thread blocked in `read` on a Unix socket is woken each time the daemon reads what this
    /// side sent (the kernel announces write space to every sleeper on the socket), only to sleep
    /// again; `poll` waits for input alone. With 64 clients appending, that spared the clients
    /// about a third of their kernel time and the daemon the wake-ups.
    private func readSocket() throws -> Int {
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, Int32(MSG_DONTWAIT)) }
            if n >= 0 { return n }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                var input = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&input, 1, -1) < 0 && errno != EINTR {
                    throw ClientError("waiting for the daemon failed: \(String(cString: strerror(errno)))")
                }
            default:
                throw ClientError("read from the daemon failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    private func readLine() throws -> String {
        while true {
            if let index = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[start..<index])
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                start = index + 1
                return String(decoding: line, as: UTF8.self)
            }
            try ensure(buffer.count - start + 1)
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        try ensure(count)
        defer { start += count }
        return Array(buffer[start..<(start + count)])
    }

    private func readHead() throws -> HTTPAnswer {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else {
            throw ClientError("the daemon answered something that is not HTTP: \(statusLine)")
        }
        var headers: [String: String] = [:]
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingSpaces()
            }
        }
        return HTTPAnswer(status: status, headers: headers, body: [])
    }

    private func readChunk() throws -> [UInt8]? {
        let sizeLine = try readLine()
        guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else {
            throw ClientError("bad chunk size from the daemon")
        }
        if size == 0 {
            _ = try readLine()
            return nil
        }
        let data = try readExactly(size)
        _ = try readLine()
        return data
    }
}

/// A complete HTTP answer.
public struct HTTPAnswer: Sendable {
    public var status: Int
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }
}

extension Substring {
    func trimmingSpaces() -> String {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
