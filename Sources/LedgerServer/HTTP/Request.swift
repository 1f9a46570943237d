import Foundation
import NIOCore
import NIOHTTP1

/// A request read whole (the API's bodies are bounded), with the peer that sent it.
public struct Request: Sendable {
    public var method: HTTPMethod
    public var path: String
    public var query: [String: String]
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    /// The body went past the configured limit; its bytes were dropped.
    public var bodyTooLarge: Bool
    public var peer: Peer
    /// No other connection was open when the request arrived: its client is alone.
    public var soleConnection = false

    /// The media type without parameters, lower-cased.
    public var mediaType: String? {
        guard let value = headers.first(name: "content-type") else { return nil }
        if value == "application/json" || value == "application/x-ndjson" { return value }  // as sent, most of the time
        let type = value.split(separator: ";", maxSplits: 1).first.map(String.init) ?? value
        return type.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// Splits `uri` into its path and its decoded query parameters (the last of a repeated name wins).
    static func split(uri: String) -> (path: String, query: [String: String]) {
        guard let mark = uri.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (uri, [:]) }
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            query[name] = value
        }
        return (String(uri[..<mark]), query)
    }
}

/// The process on the other end of the socket, from SO_PEERCRED.
public struct Peer: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// The passwd name of `uid`, or `uid:N` when it has none.
    public var userName: String

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.userName = UnixAccounts.userName(uid: uid) ?? "uid:\(uid)"
    }
}
