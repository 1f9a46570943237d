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
        discussion: """
            With --since, also check a checkpoint kept from earlier (`ledgerctl checkpoint > FILE`): it must be \
            signed by this ledger's key, and the log must extend it (an RFC 6962 consistency proof from its \
            size to today's is checked against both roots), which shows that nothing it covered was rewritten \
            since, even by whoever holds the signing key.
            Exits 0 when everything matches, 3 when it does not (naming the first bad seq or the reason), 74 \
            when a file cannot be read.
            """)

    @OptionGroup var options: GlobalOptions
    @Option(name: .customLong("data-dir"), help: "Verify the LMDB files in this directory (read-only), without a daemon.")
    var dataDir: String?
    @Option(help: ArgumentHelp("A signed checkpoint kept from earlier, which the log must extend.", valueName: "file"))
    var since: String?

    static let failed = ExitCode(3)

    func run() throws {
        let kept = try readText(since)
        if let dataDir { try offline(dataDir, kept: kept) } else { try online(kept: kept) }
    }

    private func offline(_ directory: String, kept: String?) throws {
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
        var since: KeptCheckpoint?
        var failure = report.failure.map { (seq: $0.seq, reason: $0.reason) }
        if failure == nil, let kept, let root = report.root {
            let key = try ledger.verifierKey() ?? ""
            (since, failure) = check(kept: kept, verifierKey: key, size: report.size, root: root) {
                try ledger.consistencyProof(from: $0, to: $1)
            }
        }
        try conclude(size: report.size, root: report.root, since: since, failure: failure)
    }

    private func online(kept: String?) throws {
        let client = options.client()
        guard let checkpoint = try SignedCheckpoint.fetch(client) else {
            try conclude(size: 0, root: nil, failure: (nil, "the checkpoint's signature does not verify with the verifier key"))
            return
        }
        var bar = ProgressBar(total: Int(checkpoint.size), label: "verifying")
        // Page by page: the lines are checked and hashed as they come, and only their leaf hashes
        // are kept (32 bytes an event), for naming a changed line.
        var replay = ExportReplay(keepingEvents: false, keepingLeaves: true)
        try Export.pages(client: client, upto: checkpoint.size, progress: { done, _ in bar.update(Int(done)) }) { _, lines in
            for line in lines { replay.add(Array(line)) }
        }
        bar.finish()
        let builder = replay.tree
        if let seq = replay.badSeq {
            try conclude(size: seq - 1, root: nil, failure: (seq, "the line at seq \(seq) is not the canonical event for that position"))
            return
        }
        if builder.size != checkpoint.size {
            try conclude(size: builder.size, root: nil, failure: (builder.size + 1, "the log has \(builder.size) events, the checkpoint \(checkpoint.size)"))
        } else if builder.root != checkpoint.root {
            // Which line: the first whose prefix the daemon's signed tree does not extend.
            let seq = try MerkleTree.firstDivergence(
                leafBytes: replay.leafBytes, size: checkpoint.size, root: checkpoint.root
            ) { try consistencyProof(client, from: $0, to: checkpoint.size) }
            let reason = seq.map { "the line at seq \($0) is not the one the signed tree holds" }
            try conclude(
                size: builder.size, root: builder.root,
                failure: (seq, reason ?? "the recomputed root differs from the signed checkpoint's root"))
        } else if let kept {
            let (since, failure) = check(kept: kept, verifierKey: checkpoint.verifierKey, size: builder.size, root: builder.root) {
                try consistencyProof(client, from: $0, to: $1)
            }
            try conclude(size: builder.size, root: builder.root, since: since, failure: failure)
        } else {
            try conclude(size: builder.size, root: builder.root, failure: nil)
        }
    }

    /// The daemon's RFC 6962 consistency proof between two sizes.
    private func consistencyProof(_ client: LedgerClient, from: UInt64, to: UInt64) throws -> [[UInt8]] {
        let answer = try JSONParser.parse(try client.expect(path: "/v1/proofs/consistency?from=\(from)&to=\(to)").body)
        return (answer["proof"]?.arrayValue ?? []).map { Array(Data(base64Encoded: $0.stringValue ?? "") ?? Data()) }
    }

    /// The kept checkpoint, once the verified log of `size` leaves with `root` is shown to extend
    /// it; else why not.
    private func check(
        kept note: String, verifierKey: String, size: UInt64, root: [UInt8], proof: (UInt64, UInt64) throws -> [[UInt8]]
    ) -> (KeptCheckpoint?, (seq: UInt64?, reason: String)?) {
        do {
            let kept = try KeptCheckpoint.open(note: note, verifierKey: verifierKey).get()
            if let refusal = try kept.check(size: size, root: root, proof: proof) { return (nil, (nil, refusal.reason)) }
            return (kept, nil)
        } catch let refusal as KeptCheckpoint.Refusal {
            return (nil, (nil, refusal.reason))
        } catch {
            return (nil, (nil, "no consistency proof: \(error)"))
        }
    }

    private func conclude(
        size: UInt64, root: [UInt8]?, since: KeptCheckpoint? = nil, failure: (seq: UInt64?, reason: String)?
    ) throws {
        let rootText = root.map { Data($0).base64EncodedString() } ?? ""
        if options.format == .json {
            var object: JSONObject = ["ok": .bool(failure == nil), "size": .int(Int(size)), "root": .string(rootText)]
            if let failure {
                object["reason"] = .string(failure.reason)
                object["seq"] = failure.seq.map { .int(Int($0)) } ?? .null
            }
            if let since {
                object["since"] = .object(["size": .int(Int(since.size)), "root": .string(Data(since.root).base64EncodedString())])
            }
            print(CanonicalJSON.string(.object(object)))
        } else if let failure {
            printError("ledgerctl: verification FAILED" + (failure.seq.map { " at seq \($0)" } ?? "") + ": \(failure.reason)")
        } else {
            print("verified: \(size) events, every leaf recomputed, root \(rootText) matches the signed checkpoint")
            if let since {
                print("  and extends the kept checkpoint of \(since.size) events (root \(Data(since.root).base64EncodedString())): nothing it covered was changed")
            }
        }
        if failure != nil { throw Self.failed }
    }
}
