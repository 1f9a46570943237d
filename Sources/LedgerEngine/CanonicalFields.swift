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

    /// The stored `time` in seconds: JCS writes it once as `"time":"YYYY-MM-DDTHH:MM:SSZ"` (no
    /// data field is named `time`, and quotes inside strings are escaped).
    static func time(_ line: UnsafeRawBufferPointer) -> Int64? {
        guard let start = find(line, Array("\"time\":\"".utf8)), start + 20 <= line.count else { return nil }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<(start + 20)]), as: UTF8.self)
        return TimeParser.parse(text)?.seconds
    }

    /// A retraction's `data.target`; escaped ids fall back to a full parse.
    static func retractionTarget(_ line: UnsafeRawBufferPointer) -> String? {
        if let start = find(line, Array("\"target\":\"".utf8)) {
            var end = start
            while end < line.count, line[end] != UInt8(ascii: "\""), line[end] != UInt8(ascii: "\\") { end += 1 }
            if end < line.count, line[end] == UInt8(ascii: "\"") {
                return String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
            }
        }
        return (try? JSONParser.parse(line))?["data"]?["target"]?.stringValue
    }

    /// The index just past the first occurrence of `needle`.
    static func find(_ line: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Int? {
        guard line.count >= needle.count else { return nil }
        var i = 0
        let last = line.count - needle.count
        while i <= last {
            if line[i] == needle[0] {
                var j = 1
                while j < needle.count && line[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i + needle.count }
            }
            i += 1
        }
        return nil
    }

    /// Whether the line's `type` is `type` (the line ends with `"type":"X"}`).
    static func hasType(_ line: UnsafeRawBufferPointer, _ type: String) -> Bool {
        let suffix = Array("\"type\":\"\(type)\"}".utf8)
        guard line.count >= suffix.count else { return false }
        return line[(line.count - suffix.count)...].elementsEqual(suffix)
    }
}
