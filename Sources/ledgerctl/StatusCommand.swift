import ArgumentParser
import LedgerDomain

/// `ledgerctl status`: is the daemon up, and how long is its log.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the daemon's health and head seq.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let client = options.client()
        let answer = try client.expect(path: "/v1/health")
        if options.format == .json {
            print(answer.text)
            return
        }
        let health = try? JSONParser.parse(answer.body)
        let seq = health?["seq"]?.doubleValue.map { String(Int($0)) } ?? "?"
        print("ledgerd at \(client.socketPath): \(health?["status"]?.stringValue ?? "?"), head seq \(seq)")
    }
}
