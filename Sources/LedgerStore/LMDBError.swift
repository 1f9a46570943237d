import CLMDB

/// An LMDB return code other than success, with the C function that returned it.
public struct LMDBError: Error, Equatable, CustomStringConvertible {
    /// The LMDB or errno return code.
    public let code: Int32
    /// The C function that failed, for the log.
    public let function: String

    public init(code: Int32, function: String) {
        self.code = code
        self.function = function
    }

    public var description: String { "\(function): \(String(cString: mdb_strerror(code)))" }

    /// `MDB_NOTFOUND`: no such key or (when opening) no such database.
    public var isNotFound: Bool { code == MDB_NOTFOUND }

    /// The map is full: the environment must grow before the write can succeed.
    public var isMapFull: Bool { code == MDB_MAP_FULL }
}

/// Turns an LMDB return code into a thrown `LMDBError`; every C call goes through here.
@inline(__always)
func check(_ rc: Int32, _ function: StaticString) throws {
    if rc != MDB_SUCCESS { throw LMDBError(code: rc, function: "\(function)") }
}
