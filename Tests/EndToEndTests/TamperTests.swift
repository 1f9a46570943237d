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
