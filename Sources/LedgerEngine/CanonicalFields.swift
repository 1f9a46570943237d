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

    /// Whether the line's `type` is `type` (the line ends with `"type":"X"}`).
    static func hasType(_ line: UnsafeRawBufferPointer, _ type: String) -> Bool {
        let suffix = Array("\"type\":\"\(type)\"}".utf8)
        guard line.count >= suffix.count else { return false }
        return line[(line.count - suffix.count)...].elementsEqual(suffix)
    }
}
