import ArgumentParser
import Foundation
import LedgerClient
import LedgerDomain

/// The documented exit codes.
enum Exit {
    static let refused = ExitCode(65)
    static let unavailable = ExitCode(69)
    static let daemonFailed = ExitCode(70)
    static let ioError = ExitCode(74)
}

/// Prints to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// The bytes of the file at `path` (- for standard input), read to its end: a regular file, or
/// a pipe, `/dev/stdin` or a process substitution (which Foundation's `contents(atPath:)` cannot
/// read).
func readAll(_ path: String) throws -> [UInt8] {
    let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw ClientError(String(cString: strerror(errno))) }
    defer { if fd != STDIN_FILENO { close(fd) } }
    var bytes: [UInt8] = []
    var block = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = block.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n >= 0 else { throw ClientError(String(cString: strerror(errno))) }
        if n == 0 { return bytes }
        bytes += block[0..<n]
    }
}

/// The text of the file at `path` when one is given (a kept checkpoint, say); a file that cannot
/// be read is reported and ends the command with 74.
func readText(_ path: String?) throws -> String? {
    guard let path else { return nil }
    do {
        return String(decoding: try readAll(path), as: UTF8.self)
    } catch {
        printError("ledgerctl: cannot read \(path): \(error)")
        throw Exit.ioError
    }
}

extension LedgerClient {
    /// Sends and returns the answer when it is 2xx; otherwise prints the problem and exits.
    func expect(method: String = "GET", path: String, body: [UInt8]? = nil, contentType: String? = nil) throws -> HTTPAnswer {
        let answer: HTTPAnswer
        do {
            answer = try send(method: method, path: path, body: body, contentType: contentType)
        } catch {
            printError("ledgerctl: \(error)")
            throw Exit.unavailable
        }
        guard (200..<300).contains(answer.status) else { throw Problem.report(answer) }
        return answer
    }
}

/// A problem answer shown to a person: its code and detail.
enum Problem {
    /// Prints the problem and returns the exit code for it.
    static func report(_ answer: HTTPAnswer, prefix: String = "") -> ExitCode {
        if case .object(let problem)? = try? JSONParser.parse(answer.body) {
            let code = problem["code"]?.stringValue ?? "http-\(answer.status)"
            let detail = problem["detail"]?.stringValue ?? ""
            let index = problem["index"]?.doubleValue.map { " (batch index \(Int($0)))" } ?? ""
            printError("ledgerctl: \(prefix)\(code): \(detail)\(index)")
        } else {
            printError("ledgerctl: \(prefix)the daemon answered \(answer.status): \(answer.text)")
        }
        return answer.status >= 500 ? Exit.daemonFailed : Exit.refused
    }
}
