#if canImport(Glibc)
import Glibc
#endif

/// The daemon's API as calls: each returns the answer or throws the daemon's problem.
public final class LedgerClient {
    public let socketPath: String
    private var connection: UnixConnection?

    /// The socket from `--socket`, else `LEDGER_SOCKET`, else the default.
    public static func socketPath(explicit: String?) -> String {
        if let explicit { return explicit }
        if let env = getenv("LEDGER_SOCKET") { return String(cString: env) }
        return "/run/ledgerd/ledgerd.sock"
    }

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    /// Sends a request on the kept connection (reconnecting once if the daemon closed it).
    public func send(method: String = "GET", path: String, body: [UInt8]? = nil, contentType: String? = nil) throws
        -> HTTPAnswer
    {
        if let connection, let answer = try? connection.send(method: method, path: path, body: body, contentType: contentType) {
            return answer
        }
        let fresh = try UnixConnection(socketPath: socketPath)
        connection = fresh
        return try fresh.send(method: method, path: path, body: body, contentType: contentType)
    }

    /// Streams a GET, handing each chunk to `onChunk` until it returns false or the stream ends.
    public func stream(path: String, onChunk: ([UInt8]) throws -> Bool) throws -> HTTPAnswer {
        let connection = try UnixConnection(socketPath: socketPath)
        return try connection.stream(method: "GET", path: path, onChunk: onChunk)
    }

    /// Percent-encodes a query value.
    public static func encode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"), UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: ","):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
