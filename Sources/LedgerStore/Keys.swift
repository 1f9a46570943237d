/// Key encodings shared by the ledger's databases: big-endian integers sort in numeric order.
public enum Keys {
    /// `value` as 8 big-endian bytes.
    @inlinable
    public static func uint64(_ value: UInt64) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    /// Reads 8 big-endian bytes at `offset`.
    @inlinable
    public static func uint64(from bytes: UnsafeRawBufferPointer, at offset: Int = 0) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(bytes[offset + i]) }
        return value
    }

    /// Reads 8 big-endian bytes at `offset`.
    @inlinable
    public static func uint64(from bytes: [UInt8], at offset: Int = 0) -> UInt64 {
        bytes.withUnsafeBytes { uint64(from: $0, at: offset) }
    }
}
