/// The binary projection record of one event: what the fold reads, written beside the
/// canonical line at append time so that computing a view never parses JSON.
///
/// Key (16 bytes), in fold order: the effective time in whole seconds (8 bytes big-endian,
/// sign bit flipped so that earlier times sort first), then the seq (8 bytes big-endian).
///
/// Value: type code (1 byte, the position in `EventType.allCases`), subject (u16 length +
/// UTF-8), member count (1 byte), then per member: key code (1 byte, the position in
/// `ViewData.projectedKeys`), kind (1 byte) and payload: text = u16 length + UTF-8;
/// strings = u16 count + each u16 length + UTF-8; size = u32; other = nothing. Integers are
/// little-endian. A change to this layout bumps `format`, which rebuilds the records on open.
public enum ViewRecord {
    public static let format = "1"

    public static func key(time: Timestamp, seq: UInt64) -> [UInt8] {
        let t = UInt64(bitPattern: time.seconds) ^ (1 << 63)
        // Copied from the stack: `[UInt8](unsafeUninitializedCapacity:)` looked its storage type
        // up at run time for every event.
        return withUnsafeBytes(of: (t.bigEndian, seq.bigEndian)) { Array($0) }
    }

    public static func decodeKey(_ key: UnsafeRawBufferPointer) -> (time: Timestamp, seq: UInt64) {
        var t: UInt64 = 0
        var seq: UInt64 = 0
        for i in 0..<8 {
            t = t << 8 | UInt64(key[i])
            seq = seq << 8 | UInt64(key[8 + i])
        }
        return (Timestamp(seconds: Int64(bitPattern: t ^ (1 << 63))), seq)
    }

    static let types = EventType.allCases

    public static func encode(type: EventType, subject: String, data: ViewData) -> [UInt8] {
        var out = start(type: type, subject: subject, fields: data.members.count)
        for (key, value) in data.members { append(code: ViewData.codes[key]!, value, to: &out) }
        return out
    }

    /// `encode(type:subject:data: ViewData(object))` without building the `ViewData`: what an
    /// append does for every event.
    public static func encode(type: EventType, subject: String, object: JSONObject) -> [UInt8] {
        let members = object.members
        // The fields found, on the stack: this runs for every appended event.
        return withUnsafeTemporaryAllocation(of: (code: UInt8, index: Int).self, capacity: members.count) { found in
            var count = 0
            for (index, member) in members.enumerated() {
                if let code = ViewData.codes[member.key] {
                    found[count] = (code, index)
                    count += 1
                }
            }
            var fields = UnsafeMutableBufferPointer(rebasing: found[..<count])
            fields.sort { $0.code < $1.code }
            var out = start(type: type, subject: subject, fields: count, capacity: 256)
            for (code, index) in fields { append(code: code, ViewField(members[index].value), to: &out) }
            return out
        }
    }

    /// The record's head; `capacity` is room reserved for the whole record (one allocation for
    /// most: a record grown past its first guess was allocated again).
    private static func start(type: EventType, subject: String, fields: Int, capacity: Int = 64) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(capacity)
        out.append(type.code)
        appendString(subject, to: &out)
        out.append(UInt8(fields))
        return out
    }

    private static func append(code: UInt8, _ value: ViewField, to out: inout [UInt8]) {
        out.append(code)
        switch value {
        case .text(let s):
            out.append(0)
            appendString(s, to: &out)
        case .strings(let list):
            out.append(1)
            appendUInt16(list.count, to: &out)
            for s in list { appendString(s, to: &out) }
        case .size(let n):
            out.append(2)
            for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: UInt32(clamping: n) >> (8 * i))) }
        case .other:
            out.append(3)
        }
    }

    /// A bit per event type code, for `type(of:in:)`.
    public static func mask(_ types: Set<EventType>) -> UInt32 {
        types.reduce(0) { $0 | 1 << UInt32($1.code) }
    }

    /// Whether a record's type is among `mask`'s, read off its first byte.
    public static func isType(_ value: UnsafeRawBufferPointer, in mask: UInt32) -> Bool {
        guard let code = value.first, code < 32 else { return false }
        return mask & (1 << UInt32(code)) != 0
    }

    /// The event type of a record, read off its first byte.
    public static func type(of value: UnsafeRawBufferPointer) -> EventType? {
        guard let code = value.first, Int(code) < types.count else { return nil }
        return types[Int(code)]
    }

    /// The event a record holds; nil when the bytes are not a record of this format.
    public static func decode(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> ViewEvent? {
        guard key.count == 16 else { return nil }
        let (time, seq) = decodeKey(key)
        var reader = Reader(bytes: value)
        guard let code = reader.byte(), Int(code) < types.count, let subject = reader.string(),
            let count = reader.byte()
        else { return nil }
        var data = ViewData()
        for _ in 0..<count {
            guard let keyCode = reader.byte(), Int(keyCode) < ViewData.projectedKeys.count, let kind = reader.byte() else {
                return nil
            }
            let field: ViewField
            switch kind {
            case 0:
                guard let s = reader.string() else { return nil }
                field = .text(s)
            case 1:
                guard let n = reader.uint16() else { return nil }
                var list: [String] = []
                list.reserveCapacity(n)
                for _ in 0..<n {
                    guard let s = reader.string() else { return nil }
                    list.append(s)
                }
                field = .strings(list)
            case 2:
                guard let n = reader.uint32() else { return nil }
                field = .size(n)
            case 3: field = .other
            default: return nil
            }
            data.append(ViewData.projectedKeys[Int(keyCode)], field)
        }
        return ViewEvent(
            seq: seq, id: "", type: types[Int(code)], subject: subject, time: time, recorded: 0, data: data)
    }

    private static func appendUInt16(_ n: Int, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: n))
        out.append(UInt8(truncatingIfNeeded: n >> 8))
    }

    private static func appendString(_ s: String, to out: inout [UInt8]) {
        let utf8 = s.utf8
        appendUInt16(utf8.count, to: &out)
        out.append(contentsOf: utf8)
    }

    /// Reads a record's bytes front to back; every read is bounds-checked.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        mutating func byte() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func uint16() -> Int? {
            guard offset + 2 <= bytes.count else { return nil }
            defer { offset += 2 }
            return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
        }

        mutating func uint32() -> Int? {
            guard offset + 4 <= bytes.count else { return nil }
            defer { offset += 4 }
            return (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
        }

        mutating func string() -> String? {
            guard let n = uint16(), offset + n <= bytes.count else { return nil }
            defer { offset += n }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)]), as: UTF8.self)
        }
    }
}
