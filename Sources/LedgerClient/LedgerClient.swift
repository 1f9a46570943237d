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

    /// Sends a request on the kept connection and reads its answer; `whileWaiting` runs once,
    /// after the request is written and before the answer is read.
    ///
    /// When the daemon has closed the kept connection, the request goes once more on a fresh one,
    /// but only if it cannot have been acted on twice: a read, or any request that could not be
    /// written at all. An append whose answer was lost after it was sent is an error that says
    /// so: sent again, events without ids would be stored twice.
    public func send(
        method: String = "GET", path: String, body: [UInt8]? = nil, contentType: String? = nil,
        whileWaiting: () -> Void = {}
    ) throws -> HTTPAnswer {
        var waited = false
        let waitOnce = {
            if !waited {
                waited = true
                whileWaiting()
            }
        }
        if let connection {
            do {
                return try connection.send(
                    method: method, path: path, body: body, contentType: contentType, whileWaiting: waitOnce)
            } catch let error as ClientError {
                self.connection = nil
                guard error.requestUnsent || method == "GET" || method == "HEAD" else {
                    throw ClientError(
                        "\(error.message) after the whole request was sent: the daemon may have acted on it. "
                            + "Check (ledgerctl events, ledgerctl history) before sending it again")
                }
            }
        }
        let fresh = try UnixConnection(socketPath: socketPath)
        connection = fresh
        return try fresh.send(method: method, path: path, body: body, contentType: contentType, whileWaiting: waitOnce)
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
