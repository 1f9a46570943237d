import ArgumentParser
import Foundation
import LedgerDomain

/// `ledgerctl append`: record one event from flags, or the events of a file.
struct AppendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append one event (from flags) or the events in a file (JSON object, array, or NDJSON).")

    @OptionGroup var options: GlobalOptions

    @Option(help: "A JSON file (- for standard input): one event object, an array (an atomic batch), or NDJSON.")
    var file: String?

    @Option(help: "The event type, e.g. measure.launched.") var type: String?
    @Option(help: "The subject, KIND/SLUG.") var subject: String?
    @Option(help: "The asserting actor, actor/SLUG.") var source: String?
    @Option(help: "Effective time: YYYY-MM-DD or RFC 3339.") var time: String?
    @Option(help: "The data object as JSON.") var data: String = "{}"
    @Option(help: "The idempotency key (default: assigned by the daemon).") var id: String?
    @Option(help: "A URL or document reference backing the fact (repeatable).") var evidence: [String] = []
    @Option(name: .customLong("expected-version"), help: "The subject's expected stream version (0: new).")
    var expectedVersion: Int?

    func validate() throws {
        if file == nil && (type == nil || subject == nil || source == nil || time == nil) {
            throw ValidationError("give --file, or all of --type, --subject, --source and --time")
        }
        if file != nil && (type != nil || subject != nil) {
            throw ValidationError("--file cannot be combined with event flags")
        }
    }

    func run() throws {
        let body: [UInt8]
        var contentType = "application/json"
        if let file {
            do {
                body = try readAll(file)
            } catch {
                printError("ledgerctl: cannot read \(file): \(error)")
                throw Exit.ioError
            }
            if (try? JSONParser.parse(body)) == nil { contentType = "application/x-ndjson" }
        } else {
            guard let dataValue = try? JSONParser.parse(Array(data.utf8)), case .object = dataValue else {
                throw ValidationError("--data must be a JSON object")
            }
            var event: JSONObject = [
                "type": .string(type!), "subject": .string(subject!), "source": .string(source!), "time": .string(time!),
                "data": dataValue,
            ]
            if let id { event["id"] = .string(id) }
            if !evidence.isEmpty { event["evidence"] = .array(evidence.map { .string($0) }) }
            if let expectedVersion { event["expectedversion"] = .int(expectedVersion) }
            body = CanonicalJSON.encode(.object(event))
        }
        let answer = try options.client().expect(method: "POST", path: "/v1/events", body: body, contentType: contentType)
        if options.format == .json {
            print(answer.text)
            return
        }
        var table = Table("seq", "id", "streamversion", "leafhash", "")
        let result = try? JSONParser.parse(answer.body)
        for entry in result?["events"]?.arrayValue ?? [] {
            table.add([
                entry["seq"]?.doubleValue.map { String(Int($0)) } ?? "", entry["id"]?.stringValue ?? "",
                entry["streamversion"]?.doubleValue.map { String(Int($0)) } ?? "", entry["leafhash"]?.stringValue ?? "",
                entry["duplicate"]?.boolValue == true ? "duplicate (already stored)" : "stored",
            ])
        }
        print(table.render())
    }
}
