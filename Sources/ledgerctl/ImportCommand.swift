import ArgumentParser
import Foundation
import LedgerClient
import LedgerDomain

/// `ledgerctl import`: send an NDJSON file in atomic batches, with progress and a summary.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import NDJSON events from a file or - (standard input), in atomic batches.",
        discussion: """
            Each batch is atomic. On the first refused event the import stops and names its line;
            the batches before it stay stored, and running the import again skips them as repeats
            when the events carry ids.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The NDJSON file, or - for standard input.") var file: String

    @Option(name: .customLong("batch-size"), help: "Events per request (1 to 10000).") var batchSize = 1000

    func validate() throws {
        guard (1...10_000).contains(batchSize) else { throw ValidationError("--batch-size must be from 1 to 10000") }
    }

    func run() throws {
        let data: Data?
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            data = FileManager.default.contents(atPath: file)
        }
        guard let data else {
            printError("ledgerctl: cannot read \(file)")
            throw Exit.ioError
        }
        // Non-blank lines with their 1-based line numbers in the file.
        var lines: [(number: Int, bytes: ArraySlice<UInt8>)] = []
        let bytes = [UInt8](data)
        var number = 0
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            lines.append((number, line))
        }
        let client = options.client()
        var progress = ProgressBar(total: lines.count, label: "importing")
        let started = Date()
        // The answers are counted on a queue of their own, while the next batch is on its way.
        let tally = Tally()
        var offset = 0
        while offset < lines.count {
            let batch = lines[offset..<min(offset + batchSize, lines.count)]
            var body: [UInt8] = []
            body.reserveCapacity(batch.reduce(0) { $0 + $1.bytes.count + 1 })
            for line in batch {
                body += line.bytes
                body.append(UInt8(ascii: "\n"))
            }
            let answer: HTTPAnswer
            do {
                answer = try client.send(method: "POST", path: "/v1/events", body: body, contentType: "application/x-ndjson")
            } catch {
                progress.finish()
                printError("ledgerctl: \(error)")
                throw Exit.unavailable
            }
            guard (200..<300).contains(answer.status) else {
                progress.finish()
                let (stored, duplicates) = tally.totals()
                let problem = try? JSONParser.parse(answer.body)
                let where_ = problem?["index"]?.doubleValue.map { "line \(batch[batch.startIndex + Int($0)].number): " } ?? ""
                let code = Problem.report(answer, prefix: "refused at \(where_)")
                printError("ledgerctl: \(stored) events stored and \(duplicates) repeats before the refused batch (lines \(batch.first!.number)-\(batch.last!.number)), which changed nothing")
                throw code
            }
            tally.count(answer.body)
            offset += batch.count
            progress.update(offset)
        }
        progress.update(lines.count, force: true)
        progress.finish()
        let (stored, duplicates) = tally.totals()
        let seconds = Date().timeIntervalSince(started)
        if options.format == .json {
            print(CanonicalJSON.string(["events": .int(lines.count), "stored": .int(stored), "duplicates": .int(duplicates), "seconds": .number((seconds * 1000).rounded() / 1000, plainInteger: false)]))
        } else {
            let rate = seconds > 0 ? Int(Double(lines.count) / seconds) : lines.count
            print("imported \(lines.count) events from \(file): \(stored) stored, \(duplicates) already stored, in \(String(format: "%.2f", seconds)) s (\(rate) events/s)")
        }
    }
}

/// Stored and repeated events, counted from the append answers off the sending thread.
private final class Tally: @unchecked Sendable {  // Sendable: the counts are touched only on `queue`.
    private let queue = DispatchQueue(label: "ledgerctl.import.tally")
    private var stored = 0
    private var duplicates = 0

    func count(_ answer: [UInt8]) {
        queue.async {
            for entry in (try? JSONParser.parse(answer))?["events"]?.arrayValue ?? [] {
                if entry["duplicate"]?.boolValue == true { self.duplicates += 1 } else { self.stored += 1 }
            }
        }
    }

    /// The counts once every answer handed over so far is counted.
    func totals() -> (stored: Int, duplicates: Int) {
        queue.sync { (stored, duplicates) }
    }
}
