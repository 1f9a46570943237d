import LedgerDomain

/// Reads single attributes out of a canonical line without a full parse, relying on JCS:
/// members sorted, no whitespace, `type` last.
enum CanonicalFields {
    /// The stored `streamversion`.
    static func streamVersion(_ line: [UInt8]) -> Int? {
        guard case .object(let object)? = try? JSONParser.parse(line), case .number(let v, _)? = object["streamversion"]
        else { return nil }
        return Int(v)
    }

    /// Whether the line carries `"seq":N,` (JCS writes it once, between `recordedby` and `source`).
    static func holdsSeq(_ line: UnsafeRawBufferPointer, _ seq: UInt64) -> Bool {
        let needle = Array(",\"seq\":\(seq),\"source\":".utf8)
        guard line.count >= needle.count else { return false }
        var i = 0
        let last = line.count - needle.count
        while i <= last {
            if line[i] == needle[0] && line[i + 1] == needle[1] {
                var matched = true
                for j in 2..<needle.count where line[i + j] != needle[j] {
                    matched = false
                    break
                }
                if matched { return true }
            }
            i += 1
        }
        return false
    }

    /// Whether the line's `type` is `type` (the line ends with `"type":"X"}`).
    static func hasType(_ line: UnsafeRawBufferPointer, _ type: String) -> Bool {
        let suffix = Array("\"type\":\"\(type)\"}".utf8)
        guard line.count >= suffix.count else { return false }
        return line[(line.count - suffix.count)...].elementsEqual(suffix)
    }
}
