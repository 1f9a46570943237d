/// Standard base64 (padded), as every hash in the API is written.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the base64 text of `bytes` to `out` (RFC 4648 section 4, with padding).
    public static func append(_ bytes: [UInt8], to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "="), count: encodedCount(bytes.count)))
        out.withUnsafeMutableBufferPointer { _ = write(bytes, to: $0.baseAddress! + start) }
    }

    /// The length of the base64 text of `count` bytes.
    public static func encodedCount(_ count: Int) -> Int { (count + 2) / 3 * 4 }

    /// Writes the base64 text of `bytes` at `text`, which has room for `encodedCount(bytes.count)`
    /// bytes; returns the count written. (A 10,000-event append answer holds 10,000 hashes.)
    public static func write(_ bytes: [UInt8], to text: UnsafeMutablePointer<UInt8>) -> Int {
        alphabet.withUnsafeBufferPointer { table in
            bytes.withUnsafeBufferPointer { bytes in
                var i = 0
                var j = 0
                while i + 3 <= bytes.count {
                    let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                    text[j] = table[Int(n >> 18 & 63)]
                    text[j + 1] = table[Int(n >> 12 & 63)]
                    text[j + 2] = table[Int(n >> 6 & 63)]
                    text[j + 3] = table[Int(n & 63)]
                    i += 3
                    j += 4
                }
                let rest = bytes.count - i
                if rest > 0 {
                    let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
                    text[j] = table[Int(n >> 18 & 63)]
                    text[j + 1] = table[Int(n >> 12 & 63)]
                    text[j + 2] = rest == 2 ? table[Int(n >> 6 & 63)] : UInt8(ascii: "=")
                    text[j + 3] = UInt8(ascii: "=")
                    j += 4
                }
                return j
            }
        }
    }
}
