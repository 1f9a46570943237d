import ArgumentParser
import LedgerClient
import LedgerDomain

/// `ledgerctl history`: every event ever stored on one subject.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Show every event stored on a subject, with retractions.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The subject, KIND/SLUG.") var subject: String

    func validate() throws {
        // Checked here: the daemon would only say that no route has that path.
        guard Subject(subject) != nil else {
            throw ValidationError(
                "\(subject) is not a subject: KIND/SLUG, KIND one of actor plan measure report coordination finding")
        }
    }

    func run() throws {
        let answer = try options.client().expect(path: "/v1/subjects/" + subject)
        if options.format == .json {
            print(answer.text)
            return
        }
        var table = Table("seq", "v", "time", "type", "id", "retracted by")
        for event in (try? JSONParser.parse(answer.body))?["events"]?.arrayValue ?? [] {
            let retractedBy = event["retractedby"]?.stringValue
            table.add([
                event["seq"]?.doubleValue.map { String(Int($0)) } ?? "",
                event["streamversion"]?.doubleValue.map { String(Int($0)) } ?? "",
                event["time"]?.stringValue ?? "", event["type"]?.stringValue ?? "", event["id"]?.stringValue ?? "",
                retractedBy.map { Terminal.red($0) } ?? "",
            ])
        }
        print(table.render())
    }
}
