import CLMDB

/// A named LMDB database (a DBI) inside an environment; valid for the environment's lifetime.
public struct Database: Sendable, Hashable {
    let dbi: MDB_dbi
}
