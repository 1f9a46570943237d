import Foundation
import CLMDB

/// An LMDB transaction; it lives only inside the closure of `Environment.read` / `write` or
/// `Transaction.nested`, never escapes it, and belongs to the thread that runs that closure.
public final class Transaction {
    let handle: OpaquePointer
    let readOnly: Bool
    private var finished = false

    /// The corresponding C function is `mdb_txn_begin`.
    init(env: OpaquePointer, parent: OpaquePointer?, readOnly: Bool) throws {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(env, parent, readOnly ? UInt32(MDB_RDONLY) : 0, &txn), "mdb_txn_begin")
        guard let txn else { throw LMDBError(code: MDB_PANIC, function: "mdb_txn_begin") }
        self.handle = txn
        self.readOnly = readOnly
    }

    deinit {
        assert(finished, "a transaction must be committed or aborted before it is released")
        if !finished { mdb_txn_abort(handle) }
    }

    /// The corresponding C function is `mdb_txn_commit`.
    func commit() throws {
        finished = true
        try check(mdb_txn_commit(handle), "mdb_txn_commit")
    }

    /// The corresponding C function is `mdb_txn_abort`.
    func abort() {
        guard !finished else { return }
        finished = true
        mdb_txn_abort(handle)
    }

    /// The corresponding C function is `mdb_dbi_open`.
    func openDatabase(_ name: String, create: Bool) throws -> Database {
        var dbi = MDB_dbi()
        try check(mdb_dbi_open(handle, name, create ? UInt32(MDB_CREATE) : 0, &dbi), "mdb_dbi_open")
        return Database(dbi: dbi)
    }

    /// Runs `body` in a child write transaction: its writes join this one on return and vanish on throw.
    public func nested<T>(_ body: (Transaction) throws -> T) throws -> T {
        let child = try Transaction(env: mdb_txn_env(handle), parent: handle, readOnly: false)
        do {
            let result = try body(child)
            try child.commit()
            return result
        } catch {
            child.abort()
            throw error
        }
    }

    /// Calls `body` with the stored value's bytes, valid only during the call; nil when absent.
    ///
    /// The corresponding C function is `mdb_get`.
    public func withValue<K: ContiguousBytes, T>(
        _ db: Database, _ key: K, _ body: (UnsafeRawBufferPointer) throws -> T
    ) throws -> T? {
        try value(db, key, body)
    }

    private func value<K: ContiguousBytes, T>(
        _ db: Database, _ key: K, _ body: (UnsafeRawBufferPointer) throws -> T
    ) throws -> T? {
        try key.withUnsafeBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var v = MDB_val()
            let rc = mdb_get(handle, db.dbi, &k, &v)
            if rc == MDB_NOTFOUND { return nil }
            try check(rc, "mdb_get")
            return try body(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
        }
    }

    /// The stored value copied out, or nil when absent.
    public func get<K: ContiguousBytes>(_ db: Database, _ key: K) throws -> [UInt8]? {
        try withValue(db, key) { Array($0) }
    }

    // The byte-array forms, the ones the writer calls for every event: the generic ones, called
    // from another module, run unspecialised (a runtime metadata lookup per call).

    /// `withValue` for a byte-array key.
    public func withValue<T>(_ db: Database, _ key: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T? {
        try value(db, key, body)
    }

    /// `get` for a byte-array key.
    public func get(_ db: Database, _ key: [UInt8]) throws -> [UInt8]? {
        try value(db, key) { Array($0) }
    }

    /// Calls `body` with the stored value's bytes, valid only during the call, and says whether
    /// `key` is stored: `withValue` for the writer's lookups of every event, without its result
    /// type (a run-time type lookup per call from another module).
    public func read(
        _ db: Database, key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Bool {
        try value(db, key, body) != nil
    }

    /// Whether `key` is stored, without copying its value.
    public func contains(_ db: Database, _ key: UnsafeRawBufferPointer) throws -> Bool {
        try read(db, key: key) { _ in }
    }

    /// `put` under the 8 big-endian bytes of `key` (`Keys.uint64`), without making an array of them.
    public func put(_ db: Database, uint64Key key: UInt64, _ value: [UInt8], append: Bool = false) throws {
        try withUnsafeBytes(of: key.bigEndian) { try store(db, $0, value, append: append) }
    }

    /// `put` for a key in a buffer (one on the stack, say) and a byte-array value.
    public func put(_ db: Database, rawKey key: UnsafeRawBufferPointer, _ value: [UInt8], append: Bool = false) throws {
        try store(db, key, value, append: append)
    }

    /// `put` for a byte-array key and value.
    public func put(_ db: Database, _ key: [UInt8], _ value: [UInt8], append: Bool = false) throws {
        try store(db, key, value, append: append)
    }

    /// Stores `value` under `key`, replacing any earlier value.
    ///
    /// The corresponding C function is `mdb_put`.
    public func put<K: ContiguousBytes, V: ContiguousBytes>(_ db: Database, _ key: K, _ value: V, append: Bool = false) throws {
        try store(db, key, value, append: append)
    }

    private func store<K: ContiguousBytes, V: ContiguousBytes>(_ db: Database, _ key: K, _ value: V, append: Bool) throws {
        try key.withUnsafeBytes { keyBytes in
            try value.withUnsafeBytes { valueBytes in
                var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                var v = MDB_val(mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                try check(mdb_put(handle, db.dbi, &k, &v, append ? UInt32(MDB_APPEND) : 0), "mdb_put")
            }
        }
    }

    /// Deletes `key`; false when it was not there.
    ///
    /// The corresponding C function is `mdb_del`.
    @discardableResult
    public func delete<K: ContiguousBytes>(_ db: Database, _ key: K) throws -> Bool {
        try key.withUnsafeBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            let rc = mdb_del(handle, db.dbi, &k, nil)
            if rc == MDB_NOTFOUND { return false }
            try check(rc, "mdb_del")
            return true
        }
    }

    /// Visits entries in key order starting at the first key >= `start` (or the first key);
    /// `body` returns false to stop. Key and value bytes are valid only during the call.
    ///
    /// The corresponding C functions are `mdb_cursor_open`, `mdb_cursor_get` and `mdb_cursor_close`.
    public func scan(
        _ db: Database, from start: [UInt8]? = nil,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(handle, db.dbi, &cursor), "mdb_cursor_open")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val()
        var v = MDB_val()
        var rc: Int32
        if let start {
            rc = start.withUnsafeBytes { bytes in
                k = MDB_val(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                return mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
            }
        } else {
            rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
        }
        while rc == MDB_SUCCESS {
            let keep = try body(
                UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
            if !keep { return }
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { try check(rc, "mdb_cursor_get") }
    }

    /// The last entry's key and value copied out, or nil when the database is empty.
    public func last(_ db: Database) throws -> (key: [UInt8], value: [UInt8])? {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(handle, db.dbi, &cursor), "mdb_cursor_open")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val()
        var v = MDB_val()
        let rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_cursor_get")
        return (
            Array(UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size)),
            Array(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
        )
    }

    /// Deletes every entry of `db` (the database itself stays).
    ///
    /// The corresponding C function is `mdb_drop`.
    public func clear(_ db: Database) throws {
        try check(mdb_drop(handle, db.dbi, 0), "mdb_drop")
    }

    /// Deletes `db` itself, entries and name; its handle must not be used afterwards.
    ///
    /// The corresponding C function is `mdb_drop`.
    public func drop(_ db: Database) throws {
        try check(mdb_drop(handle, db.dbi, 1), "mdb_drop")
    }

    /// The number of entries in `db`.
    ///
    /// The corresponding C function is `mdb_stat`.
    public func count(_ db: Database) throws -> Int {
        var stat = MDB_stat()
        try check(mdb_stat(handle, db.dbi, &stat), "mdb_stat")
        return stat.ms_entries
    }
}
