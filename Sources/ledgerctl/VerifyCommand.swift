import ArgumentParser
import Foundation
import LedgerClient
import LedgerDomain
import LedgerEngine

/// `ledgerctl verify`: recompute every leaf and the root, and check the signed checkpoint.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the log against its signed checkpoint: online through the daemon, or offline on the LMDB files.",
        discussion: "Exits 0 when everything matches, 3 when it does not (naming the first bad seq or the reason).")

    @OptionGroup var options: GlobalOptions
    @Option(name: .customLong("data-dir"), help: "Verify the LMDB files in this directory (read-only), without a daemon.")
    var dataDir: String?

    static let failed = ExitCode(3)

    func run() throws {
        if let dataDir { try offline(dataDir) } else { try online() }
    }

    private func offline(_ directory: String) throws {
        guard FileManager.default.fileExists(atPath: directory + "/data.mdb") else {
            printError("ledgerctl: no ledger in \(directory) (data.mdb not found)")
            throw Exit.ioError
        }
        let ledger: Ledger
        do {
            ledger = try Ledger(options: LedgerOptions(directory: directory, readOnly: true))
        } catch {
            printError("ledgerctl: cannot open \(directory): \(error)")
            throw Exit.ioError
        }
        defer { ledger.close() }
        var bar = ProgressBar(total: Int(ledger.head), label: "verifying")
        let report = try ledger.verifyStore { bar.update(Int($0)) }
        bar.finish()
        try conclude(size: report.size, root: report.root, failure: report.failure.map { ($0.seq, $0.reason) })
    }

    private func online() throws {
        let client = options.client()
        let note = try client.expect(path: "/v1/checkpoint").text
        let key = try client.expect(path: "/v1/checkpoint/verifier").text.trimmingCharacters(in: .newlines)
        guard let body = SignedNote.verify(note: note, verifierKey: key), let checkpoint = SignedNote.parseCheckpoint(body) else {
            try conclude(size: 0, root: nil, failure: (nil, "the checkpoint's signature does not verify with the verifier key"))
            return
        }
        var bar = ProgressBar(total: Int(checkpoint.size), label: "verifying")
        let lines = try Export.fetch(client: client, upto: checkpoint.size) { done, _ in bar.update(Int(done)) }
        bar.finish()
        let replay = ExportReplay(lines: lines, keepingEvents: false)
        let builder = replay.tree
        if let seq = replay.badSeq {
            try conclude(size: seq - 1, root: nil, failure: (seq, "the line at seq \(seq) is not the canonical event for that position"))
            return
        }
        if builder.size != checkpoint.size {
            try conclude(size: builder.size, root: nil, failure: (builder.size + 1, "the log has \(builder.size) events, the checkpoint \(checkpoint.size)"))
        } else if builder.root != checkpoint.root {
            try conclude(size: builder.size, root: builder.root, failure: (nil, "the recomputed root differs from the signed checkpoint's root"))
        } else {
            try conclude(size: builder.size, root: builder.root, failure: nil)
        }
    }

    private func conclude(size: UInt64, root: [UInt8]?, failure: (seq: UInt64?, reason: String)?) throws {
        let rootText = root.map { Data($0).base64EncodedString() } ?? ""
        if options.format == .json {
            var object: JSONObject = ["ok": .bool(failure == nil), "size": .int(Int(size)), "root": .string(rootText)]
            if let failure {
                object["reason"] = .string(failure.reason)
                object["seq"] = failure.seq.map { .int(Int($0)) } ?? .null
            }
            print(CanonicalJSON.string(.object(object)))
        } else if let failure {
            printError("ledgerctl: verification FAILED" + (failure.seq.map { " at seq \($0)" } ?? "") + ": \(failure.reason)")
        } else {
            print("verified: \(size) events, every leaf recomputed, root \(rootText) matches the signed checkpoint")
        }
        if failure != nil { throw Self.failed }
    }
}
