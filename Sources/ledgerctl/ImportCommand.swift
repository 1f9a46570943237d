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
            Each batch is atomic. On the first refused event the import stops and names its line; \
            the batches before it stay stored. Events without ids would be stored again by a second \
            run, so take up where it stopped with --from-line, which the message names (events with \
            ids are only repeats either way). If the daemon goes away, the import says how many events \
            were stored and which batch got no answer (all or none of it is stored).
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The NDJSON file, or - for standard input.") var file: String

    @Option(name: .customLong("batch-size"), help: "Events per request (1 to 10000).") var batchSize = 1000

    @Option(name: .customLong("from-line"), help: "Skip the file's lines before this one (1-based), to take up an import that stopped.")
    var fromLine = 1

    func validate() throws {
        guard (1...10_000).contains(batchSize) else { throw ValidationError("--batch-size must be from 1 to 10000") }
        guard fromLine >= 1 else { throw ValidationError("--from-line must be 1 or more") }
    }

    func run() throws {
        let input: Int32
        if file == "-" {
            input = STDIN_FILENO
        } else {
            input = open(file, O_RDONLY | O_CLOEXEC)
            guard input >= 0 else {
                printError("ledgerctl: cannot read \(file): \(String(cString: strerror(errno)))")
                throw Exit.ioError
            }
        }
        defer { if input != STDIN_FILENO { close(input) } }
        // Read as it is sent, a block at a time, so that a file of any size takes the memory of
        // two batches (the one sent and the next). The bar follows the bytes read when the size
        // is known (a regular file).
        var lines = LineReader(fd: input, from: fromLine)
        var info = stat()
        let size = fstat(input, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil
        let client = options.client()
        var progress = ProgressBar(total: size ?? 0, label: "importing")
        let started = Date()
        // The next batch is read from the file while the daemon stores this one.
        var tally = Tally()
        var sent = 0
        var batch = Batch()
        var next = Batch()
        var readError: (any Error)?
        func read(into batch: inout Batch) {
            batch.body.removeAll(keepingCapacity: true)
            batch.numbers.removeAll(keepingCapacity: true)
            do {
                while batch.numbers.count < batchSize, let number = try lines.next(appendingTo: &batch.body) {
                    batch.numbers.append(number)
                }
            } catch {
                readError = error
            }
            batch.bytesRead = lines.bytesRead
        }
        read(into: &next)
        while true {
            if let readError {
                progress.finish()
                printError("ledgerctl: cannot read \(file): \(readError)")
                throw Exit.ioError
            }
            swap(&batch, &next)
            if batch.numbers.isEmpty { break }
            let answer: HTTPAnswer
            do {
                answer = try client.send(
                    method: "POST", path: "/v1/events", body: batch.body, contentType: "application/x-ndjson",
                    whileWaiting: { read(into: &next) })
            } catch {
                progress.finish()
                printError("ledgerctl: \(error)")
                // Where to take up: what the answers said was stored, and the batch without one.
                let (first, last) = (batch.numbers.first!, batch.numbers.last!)
                printError(
                    "ledgerctl: \(tally.summary) before the batch of lines \(first)-\(last), which got no answer"
                        + " (all or none of it is stored; `ledgerctl status` shows the head): take up with --from-line \(first)"
                        + " if it is not stored, --from-line \(last + 1) if it is")
                throw Exit.unavailable
            }
            guard (200..<300).contains(answer.status) else {
                progress.finish()
                let problem = try? JSONParser.parse(answer.body)
                let numbers = batch.numbers
                let where_ =
                    problem?["index"]?.doubleValue.flatMap { numbers.indices.contains(Int($0)) ? "line \(numbers[Int($0)]): " : nil } ?? ""
                let code = Problem.report(answer, prefix: "refused at \(where_)")
                printError(
                    "ledgerctl: \(tally.summary) before the refused batch (lines \(numbers.first!)-\(numbers.last!)), which changed nothing;"
                        + " once it is mended, take up with --from-line \(numbers.first!)")
                throw code
            }
            tally.count(answer.body, events: batch.numbers.count)
            sent += batch.numbers.count
            progress.update(events: sent, bytes: batch.bytesRead)
        }
        progress.update(events: sent, bytes: lines.bytesRead, force: true)
        progress.finish()
        let (stored, duplicates) = (tally.stored, tally.duplicates)
        let seconds = Date().timeIntervalSince(started)
        if options.format == .json {
            print(CanonicalJSON.string(["events": .int(sent), "stored": .int(stored), "duplicates": .int(duplicates), "seconds": .number((seconds * 1000).rounded() / 1000, plainInteger: false)]))
        } else {
            let rate = seconds > 0 ? Int(Double(sent) / seconds) : sent
            print("imported \(sent) events from \(file): \(stored) stored, \(duplicates) already stored, in \(String(format: "%.2f", seconds)) s (\(rate) events/s)")
        }
    }
}

/// One request's NDJSON body and the file's line numbers of its events.
private struct Batch {
    var body: [UInt8] = []
    var numbers: [Int] = []
    /// The file's bytes read when the batch was complete (the progress bar's position).
    var bytesRead = 0
}

/// The non-blank lines of a file descriptor (blank: only spaces, tabs and carriage returns),
/// from a given line on, with their 1-based line numbers, read in blocks of 1 MiB.
struct LineReader {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    /// Where each read lands, kept between reads.
    private var block = [UInt8](repeating: 0, count: 1 << 20)
    private var atEnd = false
    private var number = 0
    /// Lines before this one are skipped like blank ones.
    private let firstLine: Int
    private(set) var bytesRead = 0

    init(fd: Int32, from firstLine: Int = 1) {
        self.fd = fd
        self.firstLine = firstLine
    }

    /// Appends the next non-blank line and a newline to `out`; its line number, or nil at the end.
    mutating func next(appendingTo out: inout [UInt8]) throws -> Int? {
        while true {
            if let end = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                defer { start = end + 1 }
                number += 1
                if number < firstLine || Self.isBlank(buffer[start..<end]) { continue }
                out += buffer[start..<end]
                out.append(UInt8(ascii: "\n"))
                return number
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                defer { start = buffer.count }
                number += 1
                if number < firstLine || Self.isBlank(buffer[start...]) { return nil }
                out += buffer[start...]
                out.append(UInt8(ascii: "\n"))
                return number
            }
            try fill()
        }
    }

    private static func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    /// Drops the consumed bytes and reads up to 1 MiB more.
    private mutating func fill() throws {
        var n: Int
        repeat {
            n = block.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        } while n < 0 && errno == EINTR
        guard n >= 0 else { throw ClientError(String(cString: strerror(errno))) }
        buffer.removeSubrange(0..<start)
        start = 0
        buffer += block[0..<n]
        bytesRead += n
        atEnd = n == 0
    }
}

/// Stored and repeated events, counted from the append answers.
struct Tally {
    private(set) var stored = 0
    private(set) var duplicates = 0

    /// `N events stored and R repeats`, for the messages that say where an import stopped.
    var summary: String { "\(stored) events stored and \(duplicates) repeats" }

    /// Counts the answer to a batch of `events` events: one entry each, those marked
    /// `"duplicate":true` repeats. The marks are found as bytes rather than by parsing the answer,
    /// which took a core about 15 ms per 10,000-event answer, next to the daemon. That is exact for
    /// a JSON answer: inside a string every `"` is escaped, so those bytes are always the member.
    mutating func count(_ answer: [UInt8], events: Int) {
        let repeats = Self.occurrences(of: Self.mark, in: answer)
        duplicates += repeats
        stored += events - repeats
    }

    static let mark = Array(#""duplicate":true"#.utf8)

    static func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> Int {
        haystack.withUnsafeBytes { hay in
            needle.withUnsafeBytes { needle in
                guard let base = hay.baseAddress, let first = needle.first, hay.count >= needle.count else { return 0 }
                var count = 0
                var offset = 0
                let last = hay.count - needle.count
                while offset <= last, let found = memchr(base + offset, Int32(first), last - offset + 1) {
                    let at = base.distance(to: UnsafeRawPointer(found))
                    if memcmp(found, needle.baseAddress!, needle.count) == 0 {
                        count += 1
                        offset = at + needle.count
                    } else {
                        offset = at + 1
                    }
                }
                return count
            }
        }
    }
}
