import ArgumentParser
import Foundation
import LedgerClient
import LedgerDomain

/// `ledgerctl export`: the canonical lines, byte-exact NDJSON.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Print the log's canonical lines (NDJSON, byte-exact).")

    @OptionGroup var options: GlobalOptions
    @Option(help: "Stop at this seq (default: the head).") var upto: Int?

    func run() throws {
        let client = options.client()
        let lines = try Export.fetch(client: client, upto: upto.map(UInt64.init)) { _, _ in }
        for line in lines { FileHandle.standardOutput.write(Data(line + [0x0A])) }
    }
}

/// Paging through `GET /v1/events`.
enum Export {
    static func fetch(client: LedgerClient, upto: UInt64?, progress: (UInt64, UInt64) -> Void) throws -> [[UInt8]] {
        let head = UInt64(try JSONParser.parse(try client.expect(path: "/v1/health").body)["seq"]?.doubleValue ?? 0)
        let last = min(upto ?? head, head)
        var lines: [[UInt8]] = []
        var after: UInt64 = 0
        while after < last {
            let limit = min(10_000, last - after)
            let body = try client.expect(path: "/v1/events?after=\(after)&limit=\(limit)").body
            let page = body.split(separator: 0x0A).map(Array.init)
            if page.isEmpty { break }
            lines += page
            after += UInt64(page.count)
            progress(after, last)
        }
        return lines
    }
}

/// `ledgerctl checkpoint`: the signed checkpoint and its verifier key.
struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checkpoint", abstract: "Print the signed checkpoint (C2SP signed note).")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let client = options.client()
        let note = try client.expect(path: "/v1/checkpoint").text
        if options.format == .json {
            let key = try client.expect(path: "/v1/checkpoint/verifier").text.trimmingCharacters(in: .newlines)
            let parsed = SignedNote.verify(note: note, verifierKey: key).flatMap(SignedNote.parseCheckpoint)
            print(CanonicalJSON.string([
                "note": .string(note), "verifier": .string(key), "origin": .string(parsed?.origin ?? ""),
                "size": .int(Int(parsed?.size ?? 0)), "root": .string(Data(parsed?.root ?? []).base64EncodedString()),
            ]))
        } else {
            print(note, terminator: "")
        }
    }
}

/// `ledgerctl prove`: inclusion and consistency proofs, checked locally against the checkpoint root.
struct ProveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove", abstract: "Fetch RFC 6962 proofs.",
        subcommands: [Inclusion.self, Consistency.self])

    struct Inclusion: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "inclusion", abstract: "The audit path of one event.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The event's seq.") var seq: Int
        @Option(help: "The tree size (default: the head).") var size: Int?

        func run() throws {
            let path = "/v1/proofs/inclusion?seq=\(seq)" + (size.map { "&size=\($0)" } ?? "")
            print(try options.client().expect(path: path).text)
        }
    }

    struct Consistency: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "consistency", abstract: "The consistency proof between two tree sizes.")
        @OptionGroup var options: GlobalOptions
        @Argument var from: Int
        @Argument var to: Int

        func run() throws {
            print(try options.client().expect(path: "/v1/proofs/consistency?from=\(from)&to=\(to)").text)
        }
    }
}

/// `ledgerctl backup DEST`: a consistent hot copy made by the daemon (admins only).
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Have the daemon write a consistent, compacted copy of its store (and signing key) into DEST.",
        discussion: "DEST must be absent or empty and writable by the daemon. Restore: stop ledgerd, put the files in its data directory, start it; `ledgerctl verify --data-dir DEST` checks a copy offline.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The destination directory (made absolute).") var destination: String

    func run() throws {
        let path = URL(fileURLWithPath: destination).standardizedFileURL.path
        let answer = try options.client().expect(
            method: "POST", path: "/v1/admin/backup", body: CanonicalJSON.encode(["path": .string(path)]),
            contentType: "application/json")
        if options.format == .json {
            print(answer.text)
        } else {
            let seq = (try? JSONParser.parse(answer.body))?["seq"]?.doubleValue.map { String(Int($0)) } ?? "?"
            print("backup written to \(path) (holds at least seq \(seq))")
        }
    }
}
