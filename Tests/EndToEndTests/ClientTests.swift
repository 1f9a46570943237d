import Foundation
import LedgerClient
import Testing

/// The client library's reconnect rule, against a scripted peer on a real Unix socket: a peer
/// that closes a kept connection after reading a request, without answering, stands for a
/// daemon that went away at that moment.
@Suite("The client's reconnect rule")
struct ClientTests {
    @Test func anAppendWhoseAnswerIsLostIsNotSentAgain() throws {
        // The third answer is for a client that sends the append again (the old one did).
        let peer = try ScriptedPeer(answers: [true, false, true])
        let client = LedgerClient(socketPath: peer.path)
        let body = Array(#"{"source":"actor/a"}"#.utf8)
        #expect(try client.send(method: "POST", path: "/v1/events", body: body, contentType: "application/json").status == 201)
        #expect {
            _ = try client.send(method: "POST", path: "/v1/events", body: body, contentType: "application/json")
        } throws: { error in
            "\(error)".contains("may have acted on it")
        }
        // The append went once, on the kept connection; the client opened no second one for it.
        #expect(peer.requests() == ["POST /v1/events", "POST /v1/events"])
        #expect(peer.connections() == 1)
    }

    @Test func aReadWhoseAnswerIsLostGoesOnceMoreOnAFreshConnection() throws {
        let peer = try ScriptedPeer(answers: [true, false, true])
        let client = LedgerClient(socketPath: peer.path)
        #expect(try client.send(path: "/v1/health").status == 201)
        #expect(try client.send(path: "/v1/health").status == 201)
        #expect(peer.requests() == ["GET /v1/health", "GET /v1/health", "GET /v1/health"])
        #expect(peer.connections() == 2)
    }
}

/// Accepts connections on a fresh socket and, for each request in turn, either answers it
/// (201 with an empty JSON object) or closes the connection without a word.
final class ScriptedPeer: @unchecked Sendable {  // Sendable: the logs are guarded by `lock`.
    let path: String
    private let listener: Int32
    private let lock = NSLock()
    private var seen: [String] = []
    private var accepted = 0

    init(answers: [Bool]) throws {
        path = NSTemporaryDirectory() + "peer-\(UUID().uuidString.prefix(8)).sock"
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(listener, 4) == 0 else { throw ClientError("cannot listen on \(path)") }
        Thread.detachNewThread { [self] in serve(answers) }
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))  // wakes a serving thread still waiting in accept
        close(listener)
        unlink(path)
    }

    /// The request lines received, in order.
    func requests() -> [String] { lock.withLock { seen } }

    /// The connections accepted.
    func connections() -> Int { lock.withLock { accepted } }

    private func serve(_ answers: [Bool]) {
        var remaining = answers[...]
        while !remaining.isEmpty {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            lock.withLock { accepted += 1 }
            var buffer: [UInt8] = []
            while let answer = remaining.first, let request = readRequest(connection, &buffer) {
                remaining = remaining.dropFirst()
                lock.withLock { seen.append(request) }
                guard answer else { break }
                let reply = Array("HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}".utf8)
                _ = reply.withUnsafeBytes { send(connection, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            close(connection)
        }
    }

    /// Reads one request (head and body) and returns its method and path; nil when the peer closed.
    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> String? {
        let separator = Array("\r\n\r\n".utf8)
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let end = buffer.firstRange(of: separator) {
                let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
                let length = head.split(separator: "\r\n")
                    .first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                if buffer.count - end.upperBound >= length {
                    buffer.removeFirst(end.upperBound + length)
                    return head.split(separator: " ").prefix(2).joined(separator: " ")
                }
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n <= 0 { return nil }
            buffer += chunk[..<n]
        }
    }
}
