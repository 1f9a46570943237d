/// The ids the daemon assigns: lower-case UUID v4 strings whose 122 free bits are a keyed
/// pseudorandom permutation of the event's seq, so that the store can find the event an
/// assigned id names without indexing it.
///
/// The permutation is a four-round Feistel network (Luby–Rackoff) on two 61-bit halves, the
/// round function the low 61 bits of SipHash-2-4 (a PRF built for short inputs) keyed with the
/// key's first 16 bytes, over the half (8 bytes, little-endian) and the round. The plaintext is
/// (0, seq); without the key the ids are indistinguishable from random ones, as RFC 9562
/// allows for version 4 ("random or pseudorandom"). An id is resolved by inverting the
/// permutation and then reading the line at that seq: the line must carry the id, so a
/// string that merely decodes to a seq resolves to nothing.
public struct AssignedIDs: Sendable {
    public static let keyBytes = 32
    private static let mask61: UInt64 = (1 << 61) - 1
    private let k0: UInt64
    private let k1: UInt64

    /// nil unless `key` holds `keyBytes` bytes.
    public init?(key: [UInt8]) {
        guard key.count == Self.keyBytes else { return nil }
        k0 = (0..<8).reduce(UInt64(0)) { $0 | UInt64(key[$1]) << (8 * UInt64($1)) }
        k1 = (0..<8).reduce(UInt64(0)) { $0 | UInt64(key[8 + $1]) << (8 * UInt64($1)) }
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
        SipHash24.hash(k0: k0, k1: k1, word: half, tail: index) & Self.mask61
    }

    private static let digits = Array("0123456789abcdef".utf8)

    private static func format(_ high: UInt64, _ low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { out in
            digits.withUnsafeBufferPointer { digits in
                var n = 0
                for i in 0..<32 {
                    if i == 8 || i == 12 || i == 16 || i == 20 {
                        out[n] = UInt8(ascii: "-")
                        n += 1
                    }
                    let word = i < 16 ? high : low
                    out[n] = digits[Int(word >> (60 - 4 * UInt64(i % 16)) & 0xF)]
                    n += 1
                }
                return n
            }
        }
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

/// SipHash-2-4 (Aumasson and Bernstein, 2012).
enum SipHash24 {
    /// The hash of the 9-byte message `word` (little-endian) ‖ `tail`.
    static func hash(k0: UInt64, k1: UInt64, word: UInt64, tail: UInt8) -> UInt64 {
        var state = State(k0: k0, k1: k1)
        state.absorb(word)
        return state.finish(length: 9, tail: UInt64(tail))
    }

    /// The hash of `message`, any length.
    static func hash(k0: UInt64, k1: UInt64, message: [UInt8]) -> UInt64 {
        var state = State(k0: k0, k1: k1)
        let whole = message.count / 8 * 8
        for start in stride(from: 0, to: whole, by: 8) {
            state.absorb((0..<8).reduce(UInt64(0)) { $0 | UInt64(message[start + $1]) << (8 * UInt64($1)) })
        }
        let tail = (whole..<message.count).reduce(UInt64(0)) { $0 | UInt64(message[$1]) << (8 * UInt64($1 - whole)) }
        return state.finish(length: message.count, tail: tail)
    }

    struct State {
        var v0, v1, v2, v3: UInt64

        init(k0: UInt64, k1: UInt64) {
            v0 = k0 ^ 0x736f_6d65_7073_6575
            v1 = k1 ^ 0x646f_7261_6e64_6f6d
            v2 = k0 ^ 0x6c79_6765_6e65_7261
            v3 = k1 ^ 0x7465_6462_7974_6573
        }

        mutating func round() {
            v0 &+= v1; v1 = v1.rotated(13); v1 ^= v0; v0 = v0.rotated(32)
            v2 &+= v3; v3 = v3.rotated(16); v3 ^= v2
            v0 &+= v3; v3 = v3.rotated(21); v3 ^= v0
            v2 &+= v1; v1 = v1.rotated(17); v1 ^= v2; v2 = v2.rotated(32)
        }

        mutating func absorb(_ m: UInt64) {
            v3 ^= m
            round()
            round()
            v0 ^= m
        }

        /// `tail`: the last `length % 8` bytes, little-endian.
        mutating func finish(length: Int, tail: UInt64) -> UInt64 {
            absorb(UInt64(truncatingIfNeeded: length) << 56 | tail)
            v2 ^= 0xff
            for _ in 0..<4 { round() }
            return v0 ^ v1 ^ v2 ^ v3
        }
    }
}

extension UInt64 {
    fileprivate func rotated(_ n: UInt64) -> UInt64 { self << n | self >> (64 - n) }
}
