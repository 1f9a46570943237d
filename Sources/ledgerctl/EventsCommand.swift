import ArgumentParser
import Foundation
import LedgerClient
import LedgerDomain

/// `ledgerctl events`: list stored events, or follow new ones.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "List stored events in seq order (json: the canonical lines, byte-exact).")

    @OptionGroup var options: GlobalOptions
    @Option(help: "Only events with seq greater than this.") var after: Int = 0
    @Option(help: "At most this many events (1 to 10000).") var limit: Int = 1000
    @Option(help: "Only events on this subject.") var subject: String?
    @Option(help: "Only events of this type.") var type: String?
    @Flag(
        help: """
            Keep streaming new events as they are committed. Ends with exit 69 when the daemon \
            stops, naming the last seq printed (resume with --after SEQ).
            """)
    var follow = false

    func run() throws {
        var path = "/v1/events?after=\(after)&limit=\(limit)"
        if let subject { path += "&subject=" + LedgerClient.encode(subject) }
        if let type { path += "&type=" + LedgerClient.encode(type) }
        let client = options.client()
        if follow {
            path += "&follow=true"
            var pending: [UInt8] = []
            var last = after
            if options.format == .table { print(EventRow.header) }
            let answer: HTTPAnswer
            // A follow never ends on its own: when it does, the daemon stopped (or went away),
            // and whoever runs this needs to know where to take up.
            let resume = { "; the last event printed is seq \(last): resume with --after \(last)" }
            do {
                answer = try client.stream(path: path) { chunk in
                    pending += chunk
                    while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        let line = Array(pending[..<newline])
                        emit(line)
                        if let seq = (try? JSONParser.parse(line))?["seq"]?.doubleValue { last = Int(seq) }
                        pending.removeSubrange(...newline)
                    }
                    fflush(nil)  // flush every stream: followers read line by line
                    return true
                }
            } catch {
                printError("ledgerctl: \(error)" + resume())
                throw Exit.unavailable
            }
            if !(200..<300).contains(answer.status) { throw Problem.report(answer) }
            printError("ledgerctl: the daemon ended the stream (it is stopping)" + resume())
            throw Exit.unavailable
        }
        let answer = try client.expect(path: path)
        if options.format == .table { print(EventRow.header) }
        let lines = answer.body.split(separator: UInt8(ascii: "\n"))
        for line in lines { emit(Array(line)) }
        // A full page may not be the end: say where the next one starts (on stderr, so that the
        // lines on stdout stay the log's).
        if lines.count == limit, let seq = (try? JSONParser.parse(Array(lines.last!)))?["seq"]?.doubleValue {
            printError("ledgerctl: --limit \(limit) reached; there may be more events: --after \(Int(seq))")
        }
    }

    private func emit(_ line: [UInt8]) {
        if options.format == .json {
            print(String(decoding: line, as: UTF8.self))
        } else {
            print(EventRow.render(line))
        }
    }
}

/// One event as a table row.
enum EventRow {
    static let header = Terminal.bold("seq     time                  type                       subject                          source")

    static func render(_ line: [UInt8]) -> String {
        guard case .object(let e)? = try? JSONParser.parse(line) else { return String(decoding: line, as: UTF8.self) }
        func s(_ k: String) -> String { e[k]?.stringValue ?? "" }
        func pad(_ t: String, _ w: Int) -> String { t.count >= w ? t + " " : t + String(repeating: " ", count: w - t.count) }
        let seq = e["seq"]?.doubleValue.map { String(Int($0)) } ?? ""
        return pad(seq, 8) + pad(s("time"), 22) + pad(s("type"), 27) + pad(s("subject"), 33) + s("source")
    }
}
