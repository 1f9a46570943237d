import ArgumentParser
import Foundation
import LedgerClient
import LedgerDomain

/// `ledgerctl bundle --out DIR`: an audit bundle of the ledger at its last signed checkpoint.
struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Write an audit bundle: the export, the signed checkpoint, the verifier key, every view at one cut, and a manifest.",
        discussion: """
            The log cut is the last signed checkpoint (its size); the effective-time cut is --at (default: now).
            Files: manifest.json, events.ndjson, checkpoint, verifier.key, views/NAME.json. Check a bundle \
            anywhere, without a daemon, with `ledgerctl verify-bundle DIR`.
            """)

    @OptionGroup var options: GlobalOptions
    @Option(help: "Effective time cut: YYYY-MM-DD (end of that day) or RFC 3339 (default: now).") var at: String?
    @Option(help: "The directory to write (absent or empty).") var out: String

    func validate() throws {
        if let at, TimeParser.parse(at, dateOnly: .endOfDay) == nil {
            throw ValidationError("--at must be YYYY-MM-DD or an RFC 3339 date-time")
        }
    }

    func run() throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: out), !((try? fm.contentsOfDirectory(atPath: out))?.isEmpty ?? false) {
            printError("ledgerctl: \(out) exists and is not an empty directory")
            throw Exit.ioError
        }
        let cutTime = at.flatMap { TimeParser.parse($0, dateOnly: .endOfDay) }
            ?? Timestamp(seconds: Int64(Date().timeIntervalSince1970.rounded(.down)))
        let client = options.client()

        // The checkpoint fixes the log cut; everything else is fetched at its size.
        guard let checkpoint = try SignedCheckpoint.fetch(client) else {
            printError("ledgerctl: the daemon's checkpoint does not verify with its verifier key")
            throw VerifyCommand.failed
        }
        let catalogue = try JSONParser.parse(client.expect(path: "/v1/views").body)
        let tensions = (catalogue["tensions"]?.arrayValue ?? []).map { ($0.arrayValue ?? []).compactMap(\.stringValue) }
        var bar = ProgressBar(total: Int(checkpoint.size), label: "exporting")
        let lines = try Export.fetch(client: client, upto: checkpoint.size) { done, _ in bar.update(Int(done)) }
        bar.finish()
        var views: [ViewName: [UInt8]] = [:]
        for name in ViewName.allCases {
            let query = "at=" + LedgerClient.encode(cutTime.description) + "&seq=\(checkpoint.size)"
            views[name] = try client.expect(path: "/v1/views/\(name.rawValue)?\(query)").body + [0x0A]
        }
        let bundle = AuditBundle(
            at: cutTime, size: checkpoint.size, root: checkpoint.root, origin: checkpoint.origin, tensions: tensions,
            lines: lines, checkpoint: checkpoint.note, verifierKey: checkpoint.verifierKey, views: views)
        do {
            for (path, bytes) in bundle.files(tool: "ledgerctl \(PolicyLedger.version)") {
                let url = URL(fileURLWithPath: out).appendingPathComponent(path)
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(bytes).write(to: url)
            }
        } catch {
            printError("ledgerctl: cannot write the bundle: \(error)")
            throw Exit.ioError
        }
        let root = Data(checkpoint.root).base64EncodedString()
        if options.format == .json {
            print(CanonicalJSON.string([
                "out": .string(out), "size": .int(Int(checkpoint.size)), "root": .string(root),
                "at": .string(cutTime.description), "views": .int(views.count),
            ]))
        } else {
            print("bundle written to \(out): \(checkpoint.size) events, root \(root), \(views.count) views at \(cutTime)")
        }
    }
}

/// `ledgerctl verify-bundle DIR`: checks an audit bundle offline.
struct VerifyBundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-bundle",
        abstract: "Check an audit bundle offline: signature, root recomputed from the export, every view recomputed from the export.",
        discussion: """
            Needs no daemon. With --since, the export must also extend a signed checkpoint kept from earlier \
            (another bundle's `checkpoint`, or `ledgerctl checkpoint` saved to a file): nothing it covered was \
            changed since. Exits 0 when everything matches, 3 when anything differs (each difference is \
            listed), 74 when a file cannot be read.
            """)

    @Option(name: .long, help: "Output: table (for people) or json (for programs).")
    var format: OutputFormat = .table
    @Option(help: ArgumentHelp("A signed checkpoint kept from earlier, which the bundle's export must extend.", valueName: "file"))
    var since: String?
    @Argument(help: "The bundle's directory.") var directory: String

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            printError("ledgerctl: \(directory) is not a directory")
            throw Exit.ioError
        }
        var paths = [AuditBundle.manifestFile, AuditBundle.eventsFile, AuditBundle.checkpointFile, AuditBundle.verifierFile]
        paths += ViewName.allCases.map(AuditBundle.viewFile)
        var files: [String: [UInt8]] = [:]
        for path in paths {
            if let data = FileManager.default.contents(atPath: directory + "/" + path) { files[path] = Array(data) }
        }
        let report = AuditBundle.verify(files: files, kept: try readText(since))
        let root = report.root.map { Data($0).base64EncodedString() } ?? ""
        if format == .json {
            var object: JSONObject = [
                "ok": .bool(report.ok), "size": .int(Int(report.size)), "root": .string(root),
                "views": .int(report.viewsChecked), "problems": .array(report.problems.map { .string($0) }),
            ]
            if let since = report.since {
                object["since"] = .object(["size": .int(Int(since.size)), "root": .string(Data(since.root).base64EncodedString())])
            }
            print(CanonicalJSON.string(.object(object)))
        } else if report.ok {
            print("bundle verified: \(report.size) events, root \(root) matches the signed checkpoint; "
                + "\(report.viewsChecked) views recomputed from the export match")
            if let since = report.since {
                print("  and the export extends the kept checkpoint of \(since.size) events: nothing it covered was changed")
            }
        } else {
            for problem in report.problems { printError("ledgerctl: bundle FAILED: \(problem)") }
        }
        if !report.ok { throw VerifyCommand.failed }
    }
}
