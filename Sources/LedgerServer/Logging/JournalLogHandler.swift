import Foundation
import Logging

/// One line per record on stderr. Under journald (`JOURNAL_STREAM` set) each line starts with
/// a syslog priority prefix (`<5>`) and carries no timestamp of its own (journald adds it);
/// elsewhere it starts with an ISO 8601 timestamp and the level.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let underJournal = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level
        var fields = self.metadata
        if let explicit = event.metadata { fields.merge(explicit) { $1 } }
        if let error = event.error { fields["error"] = "\(error)" }
        let message = event.message
        let rendered = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote("\($0.value)"))" }
        var text = "\(message)".replacingOccurrences(of: "\n", with: " ")
        if !rendered.isEmpty { text += " " + rendered.joined(separator: " ") }
        let lineText: String
        if underJournal {
            lineText = "<\(Self.priority(level))>\(text)\n"
        } else {
            lineText = "\(Self.timestamp()) \(level) \(label): \(text)\n"
        }
        FileHandle.standardError.write(Data(lineText.utf8))
    }

    static func quote(_ value: String) -> String {
        value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" })
            ? "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : value
    }

    /// The syslog priority of a level (sd-daemon.h).
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
