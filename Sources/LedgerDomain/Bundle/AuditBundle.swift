import Crypto
import Foundation

/// An audit bundle: one cut of the ledger with everything a third party needs to check it
/// offline, without the daemon. A directory holding
///
///     manifest.json     format, tool, cut {at, seq}, size, root, origin, tensions, file digests
///     events.ndjson     the canonical lines 1...size, byte-exact (the export)
///     checkpoint        the signed checkpoint for size (a C2SP signed note)
///     verifier.key      the checkpoint signer's verifier key (signed-note format)
///     views/NAME.json   every view at the cut, as the API answered it
///
/// Checking it recomputes the leaves and the RFC 6962 root from `events.ndjson`, checks the
/// checkpoint's signature and root, and recomputes every view from the export with the same
/// projection code the daemon uses (`LedgerState` and `Views`).
public struct AuditBundle: Sendable {
    public static let format = "policy-ledger-bundle/1"
    public static let manifestFile = "manifest.json"
    public static let eventsFile = "events.ndjson"
    public static let checkpointFile = "checkpoint"
    public static let verifierFile = "verifier.key"
    public static func viewFile(_ name: ViewName) -> String { "views/\(name.rawValue).json" }

    /// The cut every view in the bundle was taken at: `seq` is the checkpoint's size.
    public var at: Timestamp
    public var size: UInt64
    public var root: [UInt8]
    public var origin: String
    public var tensions: [[String]]
    public var lines: [[UInt8]]
    public var checkpoint: String
    public var verifierKey: String
    /// Each view's file as written (the API's JSON).
    public var views: [ViewName: [UInt8]]

    public init(
        at: Timestamp, size: UInt64, root: [UInt8], origin: String, tensions: [[String]], lines: [[UInt8]],
        checkpoint: String, verifierKey: String, views: [ViewName: [UInt8]]
    ) {
        self.at = at
        self.size = size
        self.root = root
        self.origin = origin
        self.tensions = tensions
        self.lines = lines
        self.checkpoint = checkpoint
        self.verifierKey = verifierKey
        self.views = views
    }

    /// The files of the bundle, by relative path; `manifest.json` lists the others' SHA-256.
    public func files(tool: String) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [
            Self.eventsFile: lines.reduce(into: []) { $0 += $1; $0.append(0x0A) },
            Self.checkpointFile: Array(checkpoint.utf8),
            Self.verifierFile: Array((verifierKey + "\n").utf8),
        ]
        for (name, bytes) in views { files[Self.viewFile(name)] = bytes }
        let digests = JSONObject(files.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSONValue.string(Self.hex(Array(SHA256.hash(data: $0.value))))) })
        let manifest: JSONObject = [
            "format": .string(Self.format),
            "tool": .string(tool),
            "cut": .object(["at": .string(at.description), "seq": .number(Double(size), plainInteger: true)]),
            "size": .number(Double(size), plainInteger: true),
            "root": .string(Data(root).base64EncodedString()),
            "origin": .string(origin),
            "tensions": .array(tensions.map { .array($0.map { .string($0) }) }),
            "files": .object(digests),
        ]
        files[Self.manifestFile] = CanonicalJSON.encode(.object(manifest)) + [0x0A]
        return files
    }

    /// What checking a bundle found.
    public struct Report: Sendable {
        public var size: UInt64 = 0
        public var root: [UInt8]?
        public var viewsChecked = 0
        /// The kept checkpoint the export was shown to extend, when one was given.
        public var since: KeptCheckpoint?
        /// Every difference found, each naming the file and, where one is to blame, the seq.
        public var problems: [String] = []
        public var ok: Bool { problems.isEmpty }
    }

    /// Checks the files of a bundle (relative path to contents); missing files are problems.
    /// With `kept`, a signed checkpoint kept from earlier, the export must also extend it.
    public static func verify(files: [String: [UInt8]], kept: String? = nil) -> Report {
        var report = Report()
        guard let manifestBytes = files[manifestFile], case .object(let manifest)? = try? JSONParser.parse(manifestBytes) else {
            report.problems.append("\(manifestFile) is missing or is not a JSON object")
            return report
        }
        guard manifest["format"]?.stringValue == format else {
            report.problems.append("\(manifestFile): format is not \(format)")
            return report
        }
        guard let atText = manifest["cut"]?["at"]?.stringValue, let at = TimeParser.parse(atText),
            let tensionsValue = manifest["tensions"]?.arrayValue
        else {
            report.problems.append("\(manifestFile): cut.at or tensions is missing or malformed")
            return report
        }
        let tensions = tensionsValue.map { ($0.arrayValue ?? []).compactMap(\.stringValue) }
        if case .object(let digests)? = manifest["files"] {
            for (path, digest) in digests.members.sorted(by: { $0.key < $1.key }) {
                guard let bytes = files[path] else {
                    report.problems.append("\(path) is listed in the manifest but missing")
                    continue
                }
                if digest.stringValue != hex(Array(SHA256.hash(data: bytes))) {
                    report.problems.append("\(path) does not match its SHA-256 in the manifest")
                }
            }
        }

        // The signature, then the root recomputed from the export.
        guard let note = files[checkpointFile].map({ String(decoding: $0, as: UTF8.self) }),
            let key = files[verifierFile].map({ String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .newlines) })
        else {
            report.problems.append("\(checkpointFile) or \(verifierFile) is missing")
            return report
        }
        guard let body = SignedNote.verify(note: note, verifierKey: key), let checkpoint = SignedNote.parseCheckpoint(body) else {
            report.problems.append("\(checkpointFile): the signature does not verify with \(verifierFile)")
            return report
        }
        guard let export = files[eventsFile] else {
            report.problems.append("\(eventsFile) is missing")
            return report
        }
        var lines = export.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        if lines.last == [] { lines.removeLast() }
        let replay = ExportReplay(lines: lines, keepingEvents: true)
        if let seq = replay.badSeq {
            report.problems.append("\(eventsFile): line \(seq) is not the canonical event for seq \(seq)")
            return report
        }
        let builder = replay.tree
        let events = replay.events
        report.size = builder.size
        report.root = builder.root
        if builder.size != checkpoint.size {
            report.problems.append("\(eventsFile) holds \(builder.size) events but the checkpoint is for \(checkpoint.size)")
        } else if builder.root != checkpoint.root {
            report.problems.append("\(eventsFile): the root recomputed from the \(builder.size) events differs from the signed checkpoint's root")
        } else if let kept {
            switch KeptCheckpoint.open(note: kept, verifierKey: key) {
            case .failure(let refusal):
                report.problems.append(refusal.reason)
            case .success(let since):
                let tree = MerkleTree.inMemory(leafBytes: lines.flatMap { Validator.leafHash($0) })
                do {
                    let refusal = try since.check(size: builder.size, root: builder.root) {
                        try MerkleTree.consistencyProof(from: $0, to: $1, node: tree)
                    }
                    if let refusal { report.problems.append(refusal.reason) } else { report.since = since }
                } catch {
                    report.problems.append("kept checkpoint: no consistency proof: \(error)")
                }
            }
        }
        let manifestRoot = manifest["root"]?.stringValue.flatMap { Data(base64Encoded: $0) }.map(Array.init)
        if manifestRoot != checkpoint.root || manifest["size"]?.doubleValue != Double(checkpoint.size)
            || manifest["cut"]?["seq"]?.doubleValue != Double(checkpoint.size)
        {
            report.problems.append("\(manifestFile): size, cut.seq or root differs from the signed checkpoint")
        }

        // Every view, recomputed from the export at the manifest's cut.
        let cut = ViewCut(at: at, seq: builder.size)
        let state = LedgerState(events: events, cut: cut)
        let views = Views(tensions: tensions)
        let rootText = Data(builder.root).base64EncodedString()
        for name in ViewName.allCases {
            let path = viewFile(name)
            guard let stored = files[path] else {
                report.problems.append("\(path) is missing")
                continue
            }
            let expected = views.render(name, state: state, cut: cut, root: rootText)
            guard let parsed = try? JSONParser.parse(stored) else {
                report.problems.append("\(path) is not JSON")
                continue
            }
            if CanonicalJSON.encode(parsed) != CanonicalJSON.encode(expected) {
                report.problems.append("\(path) differs from the view recomputed from \(eventsFile)" + firstDifference(parsed, expected))
            }
            report.viewsChecked += 1
        }
        return report
    }

    /// Where two view answers first differ, as ` (at KEY)`, for the report.
    static func firstDifference(_ stored: JSONValue, _ expected: JSONValue) -> String {
        guard case .object(let a) = stored, case .object(let b) = expected else { return "" }
        let keys = Set(a.members.map(\.key)).union(b.members.map(\.key)).sorted()
        for key in keys where a[key].map(CanonicalJSON.encode) != b[key].map(CanonicalJSON.encode) {
            return " (at \"\(key)\")"
        }
        return ""
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
