import Foundation
import LedgerDomain
@testable import LedgerEngine
import LedgerStore
import Testing

/// A fresh temporary directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

func actor(_ slug: String, id: String? = nil, padding: Int = 0) -> JSONValue {
    var object: JSONObject = [
        "source": .string("actor/\(slug)"), "type": "actor.registered", "subject": .string("actor/\(slug)"),
        "time": "2024-01-01", "data": ["name": .string("Actor \(slug)" + String(repeating: "x", count: padding)), "kind": "regional"],
    ]
    if let id { object["id"] = .string(id) }
    return .object(object)
}

@Suite("The ledger on real LMDB files")
struct LedgerStoreTests {
    @Test func survivesReopenWithIndexesIntact() async throws {
        try await withTemporaryDirectory { dir in
            do {
                let ledger = try Ledger(options: LedgerOptions(directory: dir))
                _ = try await ledger.append([actor("a", id: "x1"), actor("b")], batch: true, recordedBy: "t")
                ledger.close()
            }
            let ledger = try Ledger(options: LedgerOptions(directory: dir))
            defer { ledger.close() }
            #expect(ledger.head == 2)
            // The id index survived: the same event is a repeat, not a new one.
            let again = try await ledger.append([actor("a", id: "x1")], batch: false, recordedBy: "t")
            #expect(again.entries.first?.duplicate == true && again.entries.first?.seq == 1)
            // The head state survived: actor/b exists.
            await #expect(throws: LedgerError.self) { _ = try await ledger.append([actor("b")], batch: false, recordedBy: "t") }
            let lines = try ledger.lines(after: 0, limit: 10)
            #expect(lines.count == 2)
            for (i, line) in lines.enumerated() {
                #expect(try ledger.event(seq: UInt64(i + 1))?.leafHash == Validator.leafHash(line))
            }
        }
    }

    @Test("a store is open for writing once at a time; read-only opens go alongside")
    func oneWriterAtATime() async throws {
        try await withTemporaryDirectory { dir in
            do {
                let ledger = try Ledger(options: LedgerOptions(directory: dir))
                _ = try await ledger.append([actor("a")], batch: false, recordedBy: "t")
                do {
                    _ = try Ledger(options: LedgerOptions(directory: dir))
                    Issue.record("a second writer opened the store")
                } catch let error as LedgerError {
                    #expect(error.detail.contains("already open for writing by another process (pid \(getpid()))"), "\(error.detail)")
                }
                let reader = try Ledger(options: LedgerOptions(directory: dir, readOnly: true))
                #expect(reader.head == 1)
                reader.close()
                // The refused writer changed nothing: the first one still appends.
                let next = try await ledger.append([actor("b")], batch: false, recordedBy: "t")
                #expect(next.size == 2)
                ledger.close()
            }
            let reopened = try Ledger(options: LedgerOptions(directory: dir))
            defer { reopened.close() }
            #expect(reopened.head == 2)
        }
    }

    @Test func aRefusedBatchChangesNothing() async throws {
        try await withTemporaryDirectory { dir in
            let ledger = try Ledger(options: LedgerOptions(directory: dir))
            defer { ledger.close() }
            _ = try await ledger.append([actor("a")], batch: false, recordedBy: "t")
            do {
                _ = try await ledger.append([actor("b"), actor("c"), actor("a")], batch: true, recordedBy: "t")
                Issue.record("the batch should be refused")
            } catch let error as LedgerError {
                #expect(error.code == .alreadyExists)
                #expect(error.index == 2)
            }
            #expect(ledger.head == 1)
            #expect(try ledger.lines(after: 0, limit: 10).count == 1)
            // actor/b was not left behind by the refused batch.
            let result = try await ledger.append([actor("b")], batch: false, recordedBy: "t")
            #expect(result.entries.first?.seq == 2)
        }
    }

    @Test("a large batch, checked in chunks while the writer stores them, keeps its order and its atomicity")
    func largeBatchesAreAtomicAndInOrder() async throws {
        try await withTemporaryDirectory { dir in
            let ledger = try Ledger(options: LedgerOptions(directory: dir))
            defer { ledger.close() }
            let count = 1_300  // several chunks of prepared events
            let refused = (0..<count).map { actor($0 == 1_111 ? "big-5" : "big-\($0)") }  // big-5 already exists by then
            // The refused batch shares commits with single appends made at the same time.
            let singles = try await withThrowingTaskGroup(of: UInt64?.self) { group in
                group.addTask {
                    do {
                        _ = try await ledger.append(refused, batch: true, recordedBy: "t")
                        Issue.record("the batch should be refused")
                    } catch let error as LedgerError {
                        #expect(error.code == .alreadyExists && error.index == 1_111)
                    }
                    return nil
                }
                for i in 0..<20 {
                    group.addTask { try await ledger.append([actor("one-\(i)")], batch: false, recordedBy: "t").entries[0].seq }
                }
                return try await group.reduce(into: [UInt64]()) { if let seq = $1 { $0.append(seq) } }
            }
            #expect(singles.sorted() == Array(1...20))
            #expect(ledger.head == 20)

            let stored = try await ledger.append((0..<count).map { actor("big-\($0)") }, batch: true, recordedBy: "t")
            #expect(stored.entries.map(\.seq) == Array(21...UInt64(20 + count)))
            #expect(stored.size == UInt64(20 + count))
            for (i, line) in try ledger.lines(after: 20, limit: count).enumerated() {
                #expect(try JSONParser.parse(line)["subject"]?.stringValue == "actor/big-\(i)")
                #expect(Validator.leafHash(line) == stored.entries[i].leafHash)
            }
        }
    }

    @Test(
        "the writer prepares the chunks no worker has taken, so it needs no free thread in the pool",
        .timeLimit(.minutes(1)))  // without that, it would wait forever for a worker
    func chunksNoWorkerTookArePreparedByTheWriter() throws {
        let count = 1_000
        let events = PreparedEvents.prepare(count: count, validator: Validator(), chunkSize: 64, workers: 0) { index in
            index == 900 ? .failure(LedgerError(.malformedJSON, "line 901 is not JSON", index: 900)) : .success(actor("w\(index)"))
        }
        var seen: [Int] = []
        events.forEach { index, event in
            seen.append(index)
            #expect(event.isMalformed == (index == 900))
        }
        #expect(seen == Array(0..<count))
        #expect(events.firstMalformed()?.index == 900)
    }

    /// With `soleClient`, each single append may be committed on its caller's thread while the
    /// writer thread commits the others (callers that all claim to be alone, which the server
    /// never does, are the hardest case for that hand-over).
    @Test(
        "concurrent appends share commits without gaps, whether or not a caller may commit on its own thread",
        .timeLimit(.minutes(1)), arguments: [false, true])
    func concurrentAppendsShareCommitsWithoutGaps(soleClient: Bool) async throws {
        try await withTemporaryDirectory { dir in
            let ledger = try Ledger(options: LedgerOptions(directory: dir))
            defer { ledger.close() }
            let batchSize = 600
            let (singles, batches) = try await withThrowingTaskGroup(of: [UInt64].self) { group in
                for i in 0..<200 {
                    group.addTask {
                        try await ledger.append([actor("c\(i)")], batch: false, recordedBy: "t", soleClient: soleClient).entries
                            .map(\.seq)
                    }
                }
                for b in 0..<3 {
                    group.addTask {
                        let events = (0..<batchSize).map { actor("b\(b)-\($0)") }
                        return try await ledger.append(events, batch: true, recordedBy: "t").entries.map(\.seq)
                    }
                }
                var singles: [UInt64] = []
                var batches: [[UInt64]] = []
                for try await seqs in group {
                    if seqs.count == 1 { singles += seqs } else { batches.append(seqs) }
                }
                return (singles, batches)
            }
            #expect(singles.count == 200)
            #expect(batches.count == 3)
            for seqs in batches { #expect(seqs == Array(seqs[0]..<seqs[0] + UInt64(batchSize))) }
            #expect((singles + batches.joined()).sorted() == Array(1...UInt64(200 + 3 * batchSize)))
            #expect(ledger.head == UInt64(200 + 3 * batchSize))
            var recorded: [String] = []
            for line in try ledger.lines(after: 0, limit: 10_000) {
                recorded.append(try JSONParser.parse(line)["recorded"]?.stringValue ?? "")
            }
            #expect(recorded == recorded.sorted())
        }
    }

    @Test func theMapGrowsBeforeItIsFull() async throws {
        try await withTemporaryDirectory { dir in
            let ledger = try Ledger(options: LedgerOptions(directory: dir, initialMapSize: 1 << 20, maximumMapSize: 8 << 20))
            defer { ledger.close() }
            var batch = 0
            while ledger.storage.used <= (1 << 20) / 4 * 3 {
                _ = try await ledger.append((0..<10).map { actor("a\(batch)-\($0)", padding: 2000) }, batch: true, recordedBy: "t")
                batch += 1
                try #require(batch < 100)
            }
            #expect(ledger.storage.mapSize == 1 << 20)
            // Past three quarters: the next commit grows the map first, with room still left.
            _ = try await ledger.append([actor("next")], batch: false, recordedBy: "t")
            #expect(ledger.storage.mapSize > 1 << 20)
            #expect(ledger.storage.used < 1 << 20)
        }
    }

    @Test func theMapGrowsAndThenRefusesWithStorageFull() async throws {
        try await withTemporaryDirectory { dir in
            let ledger = try Ledger(options: LedgerOptions(directory: dir, initialMapSize: 1 << 20, maximumMapSize: 8 << 20))
            defer { ledger.close() }
            var stored = 0
            var refusal: LedgerError?
            outer: for batch in 0..<200 {
                let events = (0..<50).map { actor("g\(batch)-\($0)", padding: 2000) }
                do {
                    _ = try await ledger.append(events, batch: true, recordedBy: "t")
                    stored += events.count
                } catch let error as LedgerError {
                    refusal = error
                    break outer
                }
            }
            #expect(stored > 1000)  // well past what 1 MiB holds: the map grew
            #expect(refusal?.code == .storageFull)
            #expect(ledger.head == UInt64(stored))
            #expect(try ledger.lines(after: 0, limit: 10_000).count == stored)
            // Small events still fit in the space that is left, or are refused cleanly; nothing is lost.
            _ = try? await ledger.append([actor("small")], batch: false, recordedBy: "t")
            #expect(try ledger.lines(after: 0, limit: 10_000).count == Int(ledger.head))
        }
    }
}

@Suite("Projection from the store")
struct ProjectionTests {
    /// The store's fold over its projection records (all of them, and only the types each view
    /// reads) equals the pure fold over the canonical lines, for many cuts of the demo ledger
    /// (retractions included); so does the fold after
    /// the records are rebuilt from the lines at open, as for a store made before they existed.
    @Test func theStoreFoldEqualsThePureFold() async throws {
        let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("demo/brussels.ndjson")
        let events = try String(contentsOf: demo, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(Array($0.utf8)) }
        try await withTemporaryDirectory { dir in
            let ledger = try Ledger(options: LedgerOptions(directory: dir))
            _ = try await ledger.append(events, batch: true, recordedBy: "t")
            let all = try ledger.lines(after: 0, limit: 10_000).compactMap { ViewEvent(line: $0) }
            #expect(all.count == events.count)
            try Self.compare(ledger, all)
            ledger.close()

            // Drop the records and their format mark, as an older store lacks them; reopening rebuilds them.
            do {
                let names: [String] = ["events", "nodes", "ids", "subjects", "refs", "meta", "views", "retractions"]
                let env = try Environment(path: dir, mapSize: 64 << 20, databases: names)
                try env.write { txn in
                    try txn.clear(env.database("views"))
                    try txn.clear(env.database("retractions"))
                    _ = try txn.delete(env.database("meta"), Array("view-record-format".utf8))
                }
            }
            let reopened = try Ledger(options: LedgerOptions(directory: dir))
            defer { reopened.close() }
            let later = ViewCut(at: TimeParser.parse("2030-01-01")!, seq: 86)
            let measures = try reopened.state(at: later).measures.count
            #expect(measures > 10)
            try Self.compare(reopened, all)
        }
    }

    static func compare(_ ledger: Ledger, _ all: [ViewEvent]) throws {
        let views = Views()
        let times = ["2016-01-01", "2022-05-06", "2022-05-10", "2024-01-24", "2030-01-01"]
        let seqs: [UInt64] = [0, 30, 58, 59, 86]
        for at in times {
            for seq in seqs {
                let cut = ViewCut(at: TimeParser.parse(at, dateOnly: .endOfDay)!, seq: seq)
                let stored: LedgerState = try ledger.state(at: cut)
                let pure = LedgerState(events: all, cut: cut)
                for name in ViewName.allCases {
                    // The full fold, and the fold of only the types the view reads, as the daemon runs it.
                    let partial: LedgerState = try ledger.state(at: cut, reading: name.reads)
                    let a: JSONValue = views.render(name, state: stored, cut: cut, root: "")
                    let b: JSONValue = views.render(name, state: pure, cut: cut, root: "")
                    let c: JSONValue = views.render(name, state: partial, cut: cut, root: "")
                    #expect(a == b, "\(name) at \(at) seq \(seq)")
                    #expect(c == b, "\(name) at \(at) seq \(seq), reading only \(name.reads)")
                }
            }
        }
    }
}

@Suite("Assigned ids")
struct AssignedIDTests {
    /// An assigned id is found through the store's key, not an index entry: it stays a repeat
    /// after a reopen, a retraction can name it, and a recorder's id that happens to equal a
    /// future assigned id makes the daemon pick another one for that seq.
    @Test func assignedIDsResolveWithoutAnIndexEntry() async throws {
        try await withTemporaryDirectory { dir in
            var assigned: [String] = []
            do {
                let ledger = try Ledger(options: LedgerOptions(directory: dir))
                let result = try await ledger.append([actor("a"), actor("b"), actor("c", id: "given")], batch: true, recordedBy: "t")
                assigned = result.entries.prefix(2).map(\.id)
                ledger.close()
            }
            let tables = ["events", "nodes", "ids", "subjects", "refs", "meta", "views", "retractions"]
            let (indexed, key): ([String], [UInt8]) = try {
                let env = try Environment(path: dir, mapSize: 1 << 30, databases: tables, readOnly: true)
                return try env.read { txn in
                    var ids: [String] = []
                    try txn.scan(env.database("ids"), from: [UInt8(0)]) { key, _ in
                        ids.append(String(decoding: key, as: UTF8.self))
                        return true
                    }
                    return (ids, try txn.get(env.database("meta"), Array("id-key".utf8)) ?? [])
                }
            }()
            #expect(indexed == ["given"])
            let ids = try #require(AssignedIDs(key: key))
            #expect(assigned == [ids.id(seq: 1), ids.id(seq: 2)])

            let ledger = try Ledger(options: LedgerOptions(directory: dir))
            defer { ledger.close() }
            let again = try await ledger.append([actor("a", id: assigned[0])], batch: false, recordedBy: "t")
            #expect(again.entries.first?.duplicate == true && again.entries.first?.seq == 1)
            let retraction: JSONValue = [
                "source": "actor/a", "type": "event.retracted", "subject": "actor/b", "time": "2024-01-02",
                "data": ["target": .string(assigned[1]), "reason": "entered twice"],
            ]
            #expect(try await ledger.append([retraction], batch: false, recordedBy: "t").entries.first?.seq == 4)
            // seq 5 takes the string the key would give seq 6; seq 6 then gets another id.
            let taken = ids.id(seq: 6)
            _ = try await ledger.append([actor("d", id: taken)], batch: false, recordedBy: "t")
            let sixth = try await ledger.append([actor("e")], batch: false, recordedBy: "t").entries[0]
            #expect(sixth.seq == 6 && sixth.id != taken)
            let repeats = try await ledger.append([actor("d", id: taken), actor("e", id: sixth.id)], batch: true, recordedBy: "t")
            #expect(repeats.entries.map(\.seq) == [5, 6] && repeats.entries.allSatisfy(\.duplicate))
        }
    }
}

@Suite("Tree layout migration")
struct TreeMigrationTests {
    /// A store in the layout before tree format 2 (leaves by seq, interior nodes by level then
    /// index, in two tables) is moved into `nodes` at the first writable open: the root, the
    /// proofs and offline verification are what they were, and appends go on from there.
    @Test func anOlderTreeLayoutIsMovedIntoOneTable() async throws {
        try await withTemporaryDirectory { dir in
            let (root, proof): ([UInt8], [[UInt8]]) = try await {
                let ledger = try Ledger(options: LedgerOptions(directory: dir))
                defer { ledger.close() }
                _ = try await ledger.append((0..<37).map { actor("m\($0)") }, batch: true, recordedBy: "t")
                return (try ledger.root(size: 37), try ledger.inclusionProof(seq: 5, size: 37))
            }()
            // Rewrite the store into the older layout, as an earlier version left it.
            do {
                let names = ["events", "nodes", "ids", "subjects", "refs", "meta", "views", "retractions", "leaves", "tree"]
                let env = try Environment(path: dir, mapSize: 64 << 20, databases: names)
                try env.write { txn in
                    var moved: [(key: [UInt8], level: Int, index: UInt64, hash: [UInt8])] = []
                    try txn.scan(env.database("nodes"), from: [0]) { key, hash in
                        let (level, index) = try #require(TreeNodeKey.parse(key))
                        moved.append((Array(key), level, index, Array(hash)))
                        return true
                    }
                    // Leaves, and the interior nodes from level 4 up: floor(37 / 16) and floor(37 / 32).
                    #expect(moved.count == 37 + 2 + 1)
                    for node in moved {
                        if node.level == 0 {
                            try txn.put(env.database("leaves"), Keys.uint64(node.index + 1), node.hash)
                        } else {
                            try txn.put(env.database("tree"), [UInt8(node.level)] + Keys.uint64(node.index), node.hash)
                        }
                    }
                    try txn.drop(env.database("nodes"))
                    _ = try txn.delete(env.database("meta"), Array("tree-format".utf8))
                }
            }
            // Read-only, the older layout is named rather than misread.
            #expect(throws: LedgerError.self) { _ = try Ledger(options: LedgerOptions(directory: dir, readOnly: true)) }

            let ledger = try Ledger(options: LedgerOptions(directory: dir))
            #expect(try ledger.root(size: 37) == root)
            #expect(try ledger.inclusionProof(seq: 5, size: 37) == proof)
            _ = try await ledger.append([actor("after")], batch: false, recordedBy: "t")
            ledger.close()
            let reader = try Ledger(options: LedgerOptions(directory: dir, readOnly: true))
            defer { reader.close() }
            let report = try reader.verifyStore()
            #expect(report.failure == nil && report.size == 38, "\(report.failure?.reason ?? "")")
        }
    }
}

@Suite("The stored tree")
struct StoredTreeTests {
    /// Interior nodes below level 4 are recomputed from the leaves when asked for: every root and
    /// proof the store gives equals the one computed from the leaves alone.
    @Test func rootsAndProofsEqualThoseOfTheLeavesAlone() async throws {
        try await withTemporaryDirectory { dir in
            let ledger = try Ledger(options: LedgerOptions(directory: dir))
            defer { ledger.close() }
            _ = try await ledger.append((0..<70).map { actor("s\($0)") }, batch: true, recordedBy: "t")
            for i in 70..<100 { _ = try await ledger.append([actor("s\(i)")], batch: false, recordedBy: "t") }
            let leaves = try (1...100).map { try #require(try ledger.event(seq: UInt64($0))?.leafHash) }
            func subtree(_ level: Int, _ index: UInt64) -> [UInt8] {
                level == 0
                    ? leaves[Int(index)] : MerkleTree.interior(subtree(level - 1, 2 * index), subtree(level - 1, 2 * index + 1))
            }
            let fromLeaves: MerkleTree.NodeLookup = { subtree($0, $1) }
            for size in UInt64(1)...100 {
                #expect(try ledger.root(size: size) == MerkleTree.root(size: size, node: fromLeaves), "size \(size)")
                for seq in Set([1, size, (size + 1) / 2, size > 17 ? size - 17 : 1]) {
                    #expect(
                        try ledger.inclusionProof(seq: seq, size: size)
                            == MerkleTree.inclusionProof(index: seq - 1, size: size, node: fromLeaves), "seq \(seq) in \(size)")
                }
                for from in Set([1, size / 3, size - 1].filter { $0 >= 1 && $0 <= size }) {
                    #expect(
                        try ledger.consistencyProof(from: from, to: size)
                            == MerkleTree.consistencyProof(from: from, to: size, node: fromLeaves), "\(from) to \(size)")
                }
            }
        }
    }
}

@Suite("Offline verification in chunks")
struct ChunkedVerificationTests {
    /// With chunks of 8 seqs the root of 100 events (12 full chunks and a partial one) equals
    /// the stored tree's, and a changed line or a missing seq in any chunk is named.
    @Test func chunksCombineToTheRootAndTamperingIsNamed() async throws {
        try await withTemporaryDirectory { dir in
            let ledger = try Ledger(options: LedgerOptions(directory: dir))
            for n in 0..<100 {
                let event = try JSONParser.parse(Array(#"{"source":"actor/a\#(n)","type":"actor.registered","subject":"actor/a\#(n)","time":"2024-01-01","data":{"name":"A","kind":"regional"}}"#.utf8))
                _ = try await ledger.append([event], batch: false, recordedBy: "t")
            }
            let storedRoot = try ledger.root(size: 100)
            ledger.close()
            for chunk: UInt64 in [1, 8, 64, 128, 1 << 16] {
                let reader = try Ledger(options: LedgerOptions(directory: dir, readOnly: true))
                let report = try reader.verifyStore(chunkSize: chunk)
                reader.close()
                #expect(report.failure == nil, "chunk \(chunk): \(report.failure?.reason ?? "")")
                #expect(report.root == storedRoot && report.size == 100)
            }

            // Change one byte of seq 37's line, then remove seq 50: each is named, chunked or not.
            let names: [String] = ["events", "nodes", "ids", "subjects", "refs", "meta", "views", "retractions"]
            func edit(_ body: (Transaction, Database) throws -> Void) throws {
                let env = try Environment(path: dir, mapSize: 64 << 20, databases: names)
                try env.write { try body($0, env.database("events")) }
            }
            func verify(_ chunk: UInt64) throws -> VerificationReport.Failure? {
                let reader = try Ledger(options: LedgerOptions(directory: dir, readOnly: true))
                defer { reader.close() }
                return try reader.verifyStore(chunkSize: chunk).failure
            }
            var original: [UInt8] = []
            try edit { txn, events in
                original = try #require(try txn.get(events, Keys.uint64(37)))
                var changed = original
                changed[10] ^= 0x01
                try txn.put(events, Keys.uint64(37), changed)
            }
            for chunk: UInt64 in [8, 1 << 16] {
                let failure = try verify(chunk)
                #expect(failure?.seq == 37 && failure?.reason.contains("does not hash to its stored leaf") == true, "\(String(describing: failure))")
            }
            try edit { txn, events in
                try txn.put(events, Keys.uint64(37), original)
                _ = try txn.delete(events, Keys.uint64(50))
            }
            for chunk: UInt64 in [8, 1 << 16] {
                let failure = try verify(chunk)
                #expect(failure?.seq == 50 && failure?.reason.contains("seq 50 is missing") == true, "\(String(describing: failure))")
            }
        }
    }
}
