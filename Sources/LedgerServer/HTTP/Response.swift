import LedgerDomain
import NIOCore
import NIOHTTP1

/// Writes a streamed body, chunk by chunk.
public struct BodyWriter: Sendable {
    let write: @Sendable ([UInt8]) async throws -> Void

    public func callAsFunction(_ bytes: [UInt8]) async throws {
        try await write(bytes)
    }
}

/// An answer: a whole body, or a stream written by a closure (chunked transfer encoding).
public struct Response: Sendable {
    public enum Body: Sendable {
        case bytes([UInt8])
        case stream(@Sendable (BodyWriter) async throws -> Void)
    }

    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: Body

    public init(status: HTTPResponseStatus, contentType: String, body: Body) {
        self.status = status
        self.headers = ["content-type": contentType]
        self.body = body
    }

    /// A JSON answer.
    public static func json(_ value: JSONValue, status: HTTPResponseStatus = .ok) -> Response {
        let bytes = CanonicalJSON.encodeInOrder(value)
        return Response(status: status, contentType: "application/json", body: .bytes(bytes))
    }

    /// An RFC 9457 problem answer.
    public static func problem(_ error: LedgerError) -> Response {
        var object: JSONObject = [
            "type": "about:blank", "title": .string(error.code.title), "status": .int(error.code.status),
            "detail": .string(error.detail), "code": .string(error.code.rawValue),
        ]
        if let index = error.index { object["index"] = .int(index) }
        let bytes = CanonicalJSON.encodeInOrder(.object(object))
        return Response(
            status: HTTPResponseStatus(statusCode: error.code.status), contentType: "application/problem+json",
            body: .bytes(bytes))
    }
}
