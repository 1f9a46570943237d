import CLMDB

#if canImport(Glibc)
import Glibc
#endif

/// One LMDB environment (a directory with `data.mdb` and `lock.mdb`), owning the `MDB_env` handle.
///
/// Read transactions may run on any thread (`MDB_NOTLS`); write transactions are serialised by
/// LMDB itself and must stay on the thread that began them, which `write` guarantees by running
/// its closure synchronously. The map grows on demand through `grow(maximum:)`.
public final class Environment: @unchecked Sendable {  // Sendable: MDB_env is thread-safe; resizes hold `resizeLock`.
    let handle: OpaquePointer
    let resizeLock = ReadWriteLock()
    /// Whether the environment was opened read-only.
    public let readOnly: Bool
    private var databases: [String: Database] = [:]

    /// Opens (creating unless read-only) the environment in `path` and the named databases.
    ///
    /// The corresponding C functions are `mdb_env_create`, `mdb_env_open` and `mdb_dbi_open`.
    /// `legacy` names databases of older layouts: opened only where they exist (and not at all
    /// read-only), for a migration to read and drop.
    public init(path: String, mapSize: Int, databases names: [String], legacy: [String] = [], readOnly: Bool = false) throws {
        var env: OpaquePointer?
        try check(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(code: ENOMEM, function: "mdb_env_create") }
        self.handle = env
        self.readOnly = readOnly
        // Every stored property is set by now, so a throw below runs deinit, which closes the
        // environment: closing it here as well would free it twice.
        try check(mdb_env_set_maxdbs(env, MDB_dbi(max(names.count + legacy.count, 1))), "mdb_env_set_maxdbs")
        try check(mdb_env_set_maxreaders(env, 1022), "mdb_env_set_maxreaders")
        try check(mdb_env_set_mapsize(env, mapSize), "mdb_env_set_mapsize")
        var flags = UInt32(MDB_NOTLS)
        if readOnly { flags |= UInt32(MDB_RDONLY) }
        try check(mdb_env_open(env, path, flags, 0o640), "mdb_env_open")
        var opened: [String: Database] = [:]
        if readOnly {
            // DBI handles opened in a transaction live on only if it commits, read-only ones included.
            let txn = try Transaction(env: env, parent: nil, readOnly: true)
            do {
                for name in names { opened[name] = try txn.openDatabase(name, create: false) }
                try txn.commit()
            } catch {
                txn.abort()
                throw error
            }
        } else {
            try writeUnlocked { txn in
                for name in names { opened[name] = try txn.openDatabase(name, create: true) }
                for name in legacy {
                    do {
                        opened[name] = try txn.openDatabase(name, create: false)
                    } catch let error as LMDBError where error.isNotFound {
                        continue
                    }
                }
            }
        }
        self.databases = opened
    }

    deinit {
        mdb_env_close(handle)
    }

    /// The database opened under `name` at start.
    public func database(_ name: String) -> Database {
        guard let db = databases[name] else { preconditionFailure("database \(name) was not opened") }
        return db
    }

    /// The database opened under `name` at start, if it was there (for `legacy` names).
    public func databaseIfPresent(_ name: String) -> Database? {
        databases[name]
    }

    /// Runs `body` in a read-only snapshot; the transaction never escapes the closure.
    public func read<T>(_ body: (Transaction) throws -> T) throws -> T {
        try resizeLock.withReadLock {
            let txn = try Transaction(env: handle, parent: nil, readOnly: true)
            defer { txn.abort() }
            return try body(txn)
        }
    }

    /// Runs `body` in a write transaction: commit (synced to disk) on return, abort on throw.
    public func write<T>(_ body: (Transaction) throws -> T) throws -> T {
        try resizeLock.withReadLock { try writeUnlocked(body) }
    }

    private func writeUnlocked<T>(_ body: (Transaction) throws -> T) throws -> T {
        let txn = try Transaction(env: handle, parent: nil, readOnly: false)
        do {
            let result = try body(txn)
            try txn.commit()
            return result
        } catch {
            txn.abort()
            throw error
        }
    }

    /// The current size of the memory map in bytes.
    public var mapSize: Int {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        return info.me_mapsize
    }

    /// Bytes of the map in use: pages up to the last one written.
    public var usedBytes: Int {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        var stat = MDB_stat()
        mdb_env_stat(handle, &stat)
        return (info.me_last_pgno + 1) * Int(stat.ms_psize)
    }

    /// Sets the map size; waits until no transaction of this process is active.
    ///
    /// The corresponding C function is `mdb_env_set_mapsize`.
    public func resize(to size: Int) throws {
        try resizeLock.withWriteLock {
            try check(mdb_env_set_mapsize(handle, size), "mdb_env_set_mapsize")
        }
    }

    /// Doubles the map (at least by 64 MiB) up to `maximum`; false when it is already there.
    public func grow(maximum: Int) throws -> Bool {
        let current = mapSize
        guard current < maximum else { return false }
        let next = min(maximum, max(current * 2, current + 64 << 20))
        try resize(to: next)
        return true
    }

    /// Writes a consistent copy of the environment into the existing directory `path`,
    /// compacted (free pages omitted), while writers go on.
    ///
    /// The corresponding C function is `mdb_env_copy2` with `MDB_CP_COMPACT`.
    public func copy(to path: String, compact: Bool = true) throws {
        try resizeLock.withReadLock {
            try check(mdb_env_copy2(handle, path, compact ? UInt32(MDB_CP_COMPACT) : 0), "mdb_env_copy2")
        }
    }

    /// Flushes the map to disk.
    ///
    /// The corresponding C function is `mdb_env_sync`.
    public func sync() throws {
        try check(mdb_env_sync(handle, 1), "mdb_env_sync")
    }
}
