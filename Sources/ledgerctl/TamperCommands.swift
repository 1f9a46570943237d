import ArgumentParser
import Foundation
import LedgerClient
import LedgerDomain

/// `ledgerctl export`: the canonical lines, byte-exact NDJSON, written a page at a time.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Print the log's canonical lines (NDJSON, byte-exact).")

    @OptionGroup var options: GlobalOptions
    @Option(help: "Stop at this seq (default: the head).") var upto: Int?

    func run() throws {
        try Export.pages(client: options.client(), upto: upto.map(UInt64.init)) { body, _ in
            FileHandle.standardOutput.write(Data(body))
        }
    }
}

/// Paging through `GET /v1/events`.
enum Export {
    /// Calls `page` with each page of the canonical lines from seq 1 to `upto` (default: the
    /// head), in order: the NDJSON body as the daemon sent it, and its lines; `progress` with the
    /// seqs done and the last one.
    static func pages(
        client: LedgerClient, upto: UInt64?, progress: (UInt64, UInt64) -> Void = { _, _ in },
        page: (_ body: [UInt8], _ lines: [ArraySlice<UInt8>]) throws -> Void
    ) throws {
        let head = UInt64(try JSONParser.parse(try client.expect(path: "/v1/health").body)["seq"]?.doubleValue ?? 0)
        let last = min(upto ?? head, head)
        var after: UInt64 = 0
        while after < last {
            let limit = min(10_000, last - after)
            var body = try client.expect(path: "/v1/events?after=\(after)&limit=\(limit)").body
            let lines = body.split(separator: 0x0A)
            if lines.isEmpty { break }
            if body.last != 0x0A { body.append(0x0A) }
            try page(body, lines)
            after += UInt64(lines.count)
            progress(after, last)
        }
    }

    /// Every line from seq 1 to `upto`, held whole (an audit bundle writes them all).
    static func fetch(client: LedgerClient, upto: UInt64?, progress: (UInt64, UInt64) -> Void) throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        try pages(client: client, upto: upto, progress: progress) { _, page in lines += page.map(Array.init) }
        return lines
    }
}

/// The daemon's checkpoint, once its signature verifies with the verifier key the daemon serves.
struct SignedCheckpoint {
    /// The signed note, as the daemon serves it.
    let note: String
    let verifierKey: String
    let origin: String
    let size: UInt64
    let root: [UInt8]

    /// Fetches both; nil when the signature does not verify.
    static func fetch(_ client: LedgerClient) throws -> SignedCheckpoint? {
        let note = try client.expect(path: "/v1/checkpoint").text
        let key = try client.expect(path: "/v1/checkpoint/verifier").text.trimmingCharacters(in: .newlines)
        guard let body = SignedNote.verify(note: note, verifierKey: key), let checkpoint = SignedNote.parseCheckpoint(body) else {
            return nil
        }
        return SignedCheckpoint(note: note, verifierKey: key, origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.root)
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

/// `ledgerctl prove`: RFC 6962 proofs; an inclusion proof for the signed tree is checked here.
struct ProveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove", abstract: "Fetch RFC 6962 proofs.",
        subcommands: [Inclusion.self, Consistency.self])

    struct Inclusion: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inclusion", abstract: "The audit path of one event, checked against the signed checkpoint.",
            discussion: """
                Without --size, the path leads to the signed checkpoint's root, and ledgerctl checks it: the \
                event's line, hashed, and the path give that root (exit 3 when they do not). Another size has \
                no signed root, so its path is shown unchecked.
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The event's seq.") var seq: Int
        @Option(help: "The tree size (default: the signed checkpoint's).") var size: Int?

        func validate() throws {
            guard seq >= 1, (size ?? seq) >= seq else { throw ValidationError("need 1 <= seq <= size") }
        }

        func run() throws {
            let client = options.client()
            guard let checkpoint = try SignedCheckpoint.fetch(client) else {
                printError("ledgerctl: the checkpoint's signature does not verify with the verifier key")
                throw VerifyCommand.failed
            }
            let size = self.size.map(UInt64.init) ?? checkpoint.size
            let answer = try client.expect(path: "/v1/proofs/inclusion?seq=\(seq)&size=\(size)")
            let proof = (try JSONParser.parse(answer.body)["proof"]?.arrayValue ?? []).compactMap {
                $0.stringValue.flatMap { Data(base64Encoded: $0) }.map(Array.init)
            }
            let line = try client.expect(path: "/v1/events?after=\(seq - 1)&limit=1").body.split(separator: 0x0A).first ?? []
            let leaf = Validator.leafHash(Array(line))
            let signed = size == checkpoint.size
            let holds = MerkleTree.verifyInclusion(index: UInt64(seq - 1), size: size, leafHash: leaf, proof: proof, root: checkpoint.root)
            let b64 = { (hash: [UInt8]) in Data(hash).base64EncodedString() }
            if options.format == .json {
                var object: JSONObject = [
                    "index": .int(seq - 1), "size": .int(Int(size)), "proof": .array(proof.map { .string(b64($0)) }),
                    "leafhash": .string(b64(leaf)),
                ]
                object["root"] = signed ? .string(b64(checkpoint.root)) : .null
                object["verified"] = signed ? .bool(holds) : .null
                print(CanonicalJSON.string(.object(object)))
            } else {
                if !signed {
                    print("seq \(seq) in the tree of \(size) events (not checked: only the signed size, \(checkpoint.size), has a signed root)")
                } else if holds {
                    print("seq \(seq) is in the signed tree of \(size) events, root \(b64(checkpoint.root)): its line and this path give that root")
                }
                if !signed || holds {
                    print("leaf hash \(b64(leaf)); audit path, leaf to root (\(proof.count) hashes):")
                    for hash in proof { print("  " + b64(hash)) }
                }
            }
            if signed && !holds {
                printError("ledgerctl: verification FAILED at seq \(seq): its line and the audit path do not give the signed root")
                throw VerifyCommand.failed
            }
        }
    }

    /// Prints the proof as the API answers it: checking it needs the first tree's root, which
    /// an auditor keeps as a signed checkpoint (`ledgerctl verify --since FILE` does that check).
    struct Consistency: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "consistency", abstract: "The consistency proof between two tree sizes (JSON, unchecked).",
            discussion: "To check that the log extends a checkpoint kept from earlier, use `ledgerctl verify --since FILE`.")
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
