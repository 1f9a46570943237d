import Foundation
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

    /// Whether the line carries `,"seq":N,"source":` (JCS places seq between recordedby and source).
    /// Candidates are found with memchr on the rare byte `q`, then compared whole.
    static func holdsSeq(_ line: UnsafeRawBufferPointer, _ seq: UInt64, needle: inout [UInt8]) -> Bool {
        needle.removeAll(keepingCapacity: true)
        needle.append(contentsOf: #","seq":"#.utf8)
        let start = needle.count
        var n = seq
        repeat {
            needle.insert(UInt8(ascii: "0") + UInt8(n % 10), at: start)
            n /= 10
        } while n > 0
        needle.append(contentsOf: #","source":"#.utf8)
        let count = needle.count
        guard line.count >= count, let base = line.baseAddress else { return false }
        return needle.withUnsafeBytes { pattern in
            var offset = 4  // the `q` of `,"seq":` is at index 4 of the needle
            while offset < line.count {
                guard let hit = memchr(base + offset, Int32(UInt8(ascii: "q")), line.count - offset) else { return false }
                let at = base.distance(to: UnsafeRawPointer(hit)) - 4
                if at >= 0, at + count <= line.count, memcmp(base + at, pattern.baseAddress!, count) == 0 { return true }
                offset = at + 5
            }
            return false
        }
    }

    /// Whether the line's `id` is `id` (JCS places it between `evidence` or `datacontenttype`
    /// and `recorded`; no string inside the line can hold the unescaped quotes around it).
    static func holdsID(_ line: [UInt8], _ id: String) -> Bool {
        let needle = Array(#","id":"#.utf8) + CanonicalJSON.encode(.string(id)) + Array(#","recorded":"#.utf8)
        return line.firstRange(of: needle) != nil
    }

    /// Whether the line's `type` is `type` (the line ends with `"type":"X"}`).
    static func hasType(_ line: UnsafeRawBufferPointer, _ type: String) -> Bool {
        let suffix = Array("\"type\":\"\(type)\"}".utf8)
        guard line.count >= suffix.count else { return false }
        return line[(line.count - suffix.count)...].elementsEqual(suffix)
    }
}
