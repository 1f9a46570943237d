import Crypto
import Foundation
import LedgerClient
import LedgerDomain
import LedgerEngine
import LedgerStore
import Testing

/// Each tamper case edits a copy of a real store with LMDB itself, as an operator with write
/// access could, and offline `ledgerctl verify` must catch it.
@Suite("Tampering with the LMDB files is detected", .serialized)
struct TamperTests {
    static let tables = ["events", "nodes", "ids", "subjects", "refs", "meta", "views", "retractions"]

    /// A stopped daemon's store with the demo ledger, and a fresh copy of it per case.
    func storeCopy(_ name: String, _ daemon: Daemon, edit: (Environment) throws -> Void) throws -> String {
        let copy = daemon.directory + "/" + name
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: daemon.dataDirectory + "/data.mdb", toPath: copy + "/data.mdb")
        let env = try Environment(path: copy, mapSize: 64 << 20, databases: Self.tables)
        try edit(env)
        return copy
    }

    @Test func removedSwappedAndReKeyedStoresFailVerification() throws {
        let daemon = try Daemon()
        #expect(try daemon.ctl(["import", packageRoot + "/demo/brussels.ndjson"]).status == 0)
        #expect(daemon.stop() == 0)

        // Remove the last event (and its leaf): the log no longer matches the signed size.
        let removed = try storeCopy("removed", daemon) { env in
            try env.write { txn in
                try txn.delete(env.database("events"), Keys.uint64(86))
                try txn.delete(env.database("nodes"), TreeNodeKey.make(level: 0, index: 85))
            }
        }
        var result = try daemon.ctl(["verify", "--data-dir", removed])
        #expect(result.status == 3)
        #expect(result.stderr.contains("at seq 86"), "\(result.stderr)")

        // Swap two events (lines and leaves together, so each line still hashes to its leaf).
        let swapped = try storeCopy("swapped", daemon) { env in
            try env.write { txn in
                for (name, key10, key11) in [
                    ("events", Keys.uint64(10), Keys.uint64(11)),
                    ("nodes", TreeNodeKey.make(level: 0, index: 9), TreeNodeKey.make(level: 0, index: 10)),
                ] {
                    let db = env.database(name)
                    let a = try txn.get(db, key10)!
                    let b = try txn.get(db, key11)!
                    try txn.put(db, key10, b)
                    try txn.put(db, key11, a)
                }
            }
        }
        result = try daemon.ctl(["verify", "--data-dir", swapped])
        #expect(result.status == 3)
        #expect(result.stderr.contains("at seq 10"), "\(result.stderr)")

        // Replace the checkpoint key: a note signed by another key, stored with that key.
        let rekeyed = try storeCopy("rekeyed", daemon) { env in
            try env.write { txn in
                let meta = env.database("meta")
                let key = Curve25519SigningKeyText.fresh(name: "localhost/ledgerd")
                try txn.put(meta, Array("verifier".utf8), Array(key.verifier.utf8))
            }
        }
        result = try daemon.ctl(["verify", "--data-dir", rekeyed])
        #expect(result.status == 3)
        #expect(result.stderr.contains("signature does not verify"), "\(result.stderr)")

        // The untouched store still verifies.
        #expect(try daemon.ctl(["verify", "--data-dir", daemon.dataDirectory]).status == 0)
    }
}

/// An operator holding the signing key can rewrite the log and sign it again: it verifies on
/// its own, but not against a checkpoint an auditor kept from before (`verify --since`).
@Suite("A kept checkpoint catches a re-signed rewrite", .serialized)
struct KeptCheckpointTests {
    @Test func aRewrittenAndReSignedLogFailsAgainstAKeptCheckpoint() throws {
        let original = try Daemon()
        let demo = try String(contentsOfFile: packageRoot + "/demo/brussels.ndjson", encoding: .utf8)
        #expect(try original.ctl(["import", packageRoot + "/demo/brussels.ndjson"]).status == 0)
        let kept = original.directory + "/kept.note"
        try original.ctl(["checkpoint"]).stdout.write(toFile: kept, atomically: true, encoding: .utf8)
        let later = ["-H", "content-type: application/json", "-d", actorEvent("later"), "http://l/v1/events"]
        #expect(try original.curl(later).status == 201)

        // The log grew: it still extends what the auditor kept, online and offline.
        var result = try original.ctl(["verify", "--since", kept])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("extends the kept checkpoint of 86 events"), "\(result.stdout)")
        result = try original.ctl(["verify", "--since", kept, "--format", "json"])
        #expect(try json(result.stdout)["since"]?["size"] == 86)
        #expect(try json(result.stdout)["size"] == 87)
        #expect(original.stop() == 0)
        result = try original.ctl(["verify", "--data-dir", original.dataDirectory, "--since", kept])
        #expect(result.status == 0, "\(result.stderr)")

        // The same key over a new store: first empty (the kept events are gone), then the demo
        // again with a critical finding made minor, and the later event: 87 events again.
        let rewritten = try Daemon()
        #expect(rewritten.stop() == 0)
        try FileManager.default.removeItem(atPath: rewritten.dataDirectory)
        try FileManager.default.createDirectory(atPath: rewritten.dataDirectory, withIntermediateDirectories: false)
        try FileManager.default.copyItem(
            atPath: original.dataDirectory + "/checkpoint.key", toPath: rewritten.dataDirectory + "/checkpoint.key")
        try rewritten.start()
        result = try rewritten.ctl(["verify", "--since", kept])
        #expect(result.status == 3)
        #expect(result.stderr.contains("covers 86 events and the log now has 0"), "\(result.stderr)")

        let edited = rewritten.directory + "/edited.ndjson"
        let lines = demo.split(separator: "\n").map(String.init)
        #expect(lines[80].contains(#""severity":"critical""#))
        var changed = lines
        changed[80] = lines[80].replacingOccurrences(of: #""severity":"critical""#, with: #""severity":"minor""#)
        try (changed.joined(separator: "\n") + "\n").write(toFile: edited, atomically: true, encoding: .utf8)
        #expect(try rewritten.ctl(["import", edited]).status == 0)
        #expect(try rewritten.curl(later).status == 201)
        // On its own, the re-signed log holds.
        #expect(try rewritten.ctl(["verify"]).status == 0)
        result = try rewritten.ctl(["verify", "--since", kept])
        #expect(result.status == 3)
        #expect(result.stderr.contains("does not extend the kept checkpoint of 86"), "\(result.stderr)")
        #expect(rewritten.stop() == 0)
        result = try rewritten.ctl(["verify", "--data-dir", rewritten.dataDirectory, "--since", kept])
        #expect(result.status == 3)
        #expect(result.stderr.contains("does not extend the kept checkpoint of 86"), "\(result.stderr)")

        // A ledger with a key of its own does not take the kept checkpoint; an unreadable file is 74.
        let other = try Daemon()
        result = try other.ctl(["verify", "--since", kept])
        #expect(result.status == 3)
        #expect(result.stderr.contains("is not signed by this ledger's key"), "\(result.stderr)")
        #expect(try other.ctl(["verify", "--since", other.directory + "/no-such.note"]).status == 74)
    }
}

enum Curve25519SigningKeyText {
    static func fresh(name: String) -> (verifier: String, key: Curve25519.Signing.PrivateKey) {
        let key = Curve25519.Signing.PrivateKey()
        return (SignedNote.verifierKey(name: name, publicKey: Array(key.publicKey.rawRepresentation)), key)
    }
}

@Suite("Backup and restore", .serialized)
struct BackupTests {
    @Test func aHotBackupVerifiesAndServesTheSameViews() throws {
        let daemon = try Daemon()
        #expect(try daemon.ctl(["import", packageRoot + "/demo/brussels.ndjson"]).status == 0)
        // Appends go on while the copy is made.
        let socket = daemon.socket
        let writer = Thread {
            let client = LedgerClient(socketPath: socket)
            for i in 0..<300 {
                _ = try? client.send(method: "POST", path: "/v1/events", body: Array(actorEvent("hot-\(i)").utf8), contentType: "application/json")
            }
        }
        writer.start()
        let destination = daemon.directory + "/backup"
        let result = try daemon.ctl(["backup", destination, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let seq = Int(try JSONParser.parse(Array(result.stdout.utf8))["seq"]?.doubleValue ?? 0)
        #expect(seq >= 86)
        #expect(try daemon.ctl(["backup", destination]).status == 65)  // not empty: refused
        // A place the daemon cannot write is refused with the system's reason.
        let file = daemon.directory + "/a-file"
        FileManager.default.createFile(atPath: file, contents: Data())
        var refused = try daemon.ctl(["backup", file + "/copy"])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("invalid-field: path: the daemon cannot write \(file)/copy: Not a directory"), "\(refused.stderr)")
        refused = try daemon.ctl(["backup", file])
        #expect(refused.stderr.contains("is not a directory"), "\(refused.stderr)")
        while writer.isExecuting { usleep(10_000) }
        let view = try daemon.curl(["http://l/v1/views/inventory?at=2024-01-24&seq=\(seq)"]).body
        #expect(daemon.stop() == 0)

        let verify = try daemon.ctl(["verify", "--data-dir", destination])
        #expect(verify.status == 0, "\(verify.stderr)")
        // Restore: a daemon on the copy answers the same view at the same cut.
        let restoredSocket = daemon.directory + "/r.sock"
        let restored = try Child(binDirectory + "/ledgerd", ["--data-dir", destination, "--socket", restoredSocket])
        defer { restored.stop() }
        var answer: HTTPAnswer?
        for _ in 0..<100 where answer == nil {
            answer = try? LedgerClient(socketPath: restoredSocket).send(path: "/v1/views/inventory?at=2024-01-24&seq=\(seq)")
            if answer == nil { usleep(50_000) }
        }
        #expect(answer?.text == view)
    }
}
