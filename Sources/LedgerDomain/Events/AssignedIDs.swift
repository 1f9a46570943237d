import Crypto

/// The ids the daemon assigns: lower-case UUID v4 strings whose 122 free bits are a keyed
/// pseudorandom permutation of the event's seq, so that the store can find the event an
/// assigned id names without indexing it.
///
/// The permutation is a four-round Feistel network (Luby–Rackoff) on two 61-bit halves, the
/// round function the first 61 bits of SHA-256(key ‖ round ‖ half). The plaintext is
/// (0, seq); without the key the ids are indistinguishable from random ones, as RFC 9562
/// allows for version 4 ("random or pseudorandom"). An id is resolved by inverting the
/// permutation and then reading the line at that seq: the line must carry the id, so a
/// string that merely decodes to a seq resolves to nothing.
public struct AssignedIDs: Sendable {
    public static let keyBytes = 32
    private static let mask61: UInt64 = (1 << 61) - 1
    private let key: [UInt8]

    /// nil unless `key` holds `keyBytes` bytes.
    public init?(key: [UInt8]) {
        guard key.count == Self.keyBytes else { return nil }
        self.key = key
    }

    /// The id assigned to the event at `seq`.
    public func id(seq: UInt64) -> String {
        var (l, r) = (UInt64(0), seq & Self.mask61)
        for i in 0..<4 { (l, r) = (r, l ^ round(UInt8(i), r)) }
        // 122 bits: l ‖ r. The top 60 go around the version nibble, the last 62 after the variant.
        let top = l >> 1
        let high = (top >> 12) << 16 | 0x4000 | (top & 0xFFF)
        let low = 0x8000_0000_0000_0000 | (l & 1) << 61 | r
        return Self.format(high, low)
    }

    /// The seq `id` was assigned to, if it is one this key could have assigned.
    public func seq(of id: String) -> UInt64? {
        guard let (high, low) = Self.parse(id), high >> 12 & 0xF == 4, low >> 62 == 2 else { return nil }
        let top = (high >> 16) << 12 | (high & 0xFFF)
        var (l, r) = (top << 1 | (low >> 61) & 1, low & Self.mask61)
        for i in (0..<4).reversed() { (l, r) = (r ^ round(UInt8(i), l), l) }
        return l == 0 && r > 0 ? r : nil
    }

    private func round(_ index: UInt8, _ half: UInt64) -> UInt64 {
        var hasher = SHA256()
        hasher.update(data: key)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 9) { block in
            block[0] = index
            for i in 0..<8 { block[1 + i] = UInt8(truncatingIfNeeded: half >> (56 - 8 * UInt64(i))) }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(block))
        }
        return hasher.finalize().withUnsafeBytes { digest in
            digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } & Self.mask61
        }
    }

    private static let digits = Array("0123456789abcdef".utf8)

    private static func format(_ high: UInt64, _ low: UInt64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for i in 0..<32 {
            if i == 8 || i == 12 || i == 16 || i == 20 { out.append(UInt8(ascii: "-")) }
            let word = i < 16 ? high : low
            out.append(digits[Int(word >> (60 - 4 * UInt64(i % 16)) & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The two halves of a lower-case `8-4-4-4-12` hex UUID.
    private static func parse(_ id: String) -> (UInt64, UInt64)? {
        let bytes = Array(id.utf8)
        guard bytes.count == 36 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var n = 0
        for (i, b) in bytes.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard b == UInt8(ascii: "-") else { return nil }
                continue
            }
            let v: UInt64
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt64(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = UInt64(b - UInt8(ascii: "a") + 10)
            default: return nil
            }
            if n < 16 { high = high << 4 | v } else { low = low << 4 | v }
            n += 1
        }
        return (high, low)
    }
}
