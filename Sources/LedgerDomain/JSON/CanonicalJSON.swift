/// RFC 8785 JSON Canonicalization Scheme: ES6 number form, members sorted by UTF-16 code
/// units, minimal string escaping, UTF-8 output, no whitespace.
public enum CanonicalJSON {
    /// The canonical bytes of `value`.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    /// Compact JSON with members in the order they were built (API answers read better so);
    /// otherwise the same forms as the canonical encoding.
    public static func encodeInOrder(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out, sorted: false)
        return out
    }

    /// The canonical text of `value`.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }

    /// Appends the canonical form of `value` to `out`.
    public static func write(_ value: JSONValue, into out: inout [UInt8], sorted: Bool = true) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let d, _): out.append(contentsOf: formatNumber(d).utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out, sorted: sorted)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            let members = object.members
            func member(_ position: Int, _ index: Int) {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                writeString(members[index].key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(members[index].value, into: &out, sorted: sorted)
            }
            if !sorted || zip(members, members.dropFirst()).allSatisfy({ utf16Less($0.key, $1.key) }) {
                for index in members.indices { member(index, index) }
            } else {
                // The order as indices on the stack: a sorted copy of the members was an
                // allocation for every object of every event.
                withUnsafeTemporaryAllocation(of: Int.self, capacity: members.count) { buffer in
                    var order = buffer
                    _ = order.initialize(from: members.indices)
                    order.sort { utf16Less(members[$0].key, members[$1].key) }
                    for (position, index) in order.enumerated() { member(position, index) }
                }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Orders strings by their UTF-16 code units, as RFC 8785 sorts member names.
    public static func utf16Less(_ a: String, _ b: String) -> Bool {
        // UTF-8 byte order equals UTF-16 order except across the surrogate range; ASCII is safe.
        var a = a
        var b = b
        let ascii = a.withUTF8 { $0.allSatisfy { $0 < 0x80 } } && b.withUTF8 { $0.allSatisfy { $0 < 0x80 } }
        if ascii { return a.withUTF8 { x in b.withUTF8 { y in x.lexicographicallyPrecedes(y) } } }
        var ia = a.utf16.makeIterator()
        var ib = b.utf16.makeIterator()
        while true {
            switch (ia.next(), ib.next()) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?): if x != y { return x < y }
            }
        }
    }

    /// Appends the decimal digits of `value`, without making a String of them.
    public static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxDecimalDigits) { digits in
            let count = writeDecimal(value, to: digits.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[..<count]))
        }
    }

    /// The most digits `writeDecimal` writes (`UInt64.max` has 20).
    public static let maxDecimalDigits = 20

    /// Writes the decimal digits of `value` at `out`, which has room for `maxDecimalDigits`;
    /// returns how many it wrote.
    public static func writeDecimal(_ value: UInt64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var count = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        var remaining = value
        for index in (0..<count).reversed() {
            out[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
        return count
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Whether a string's UTF-8 holds a byte JSON escapes (a control character, `"` or `\`).
    public static func needsEscaping(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        utf8.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }
    }

    /// Appends `s` as a JSON string, quotes included, with RFC 8785's minimal escaping.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        let done: Bool = s.withUTF8 { utf8 in
            // Fast path: nothing to escape, copy the bytes at once.
            guard !needsEscaping(utf8) else { return false }
            out.append(contentsOf: utf8)
            return true
        }
        if done {
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x00..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// ECMAScript `Number.prototype.toString` for a finite double (RFC 8785 section 3.2.2.3).
    public static func formatNumber(_ value: Double) -> String {
        precondition(value.isFinite, "canonical JSON has no form for \(value)")
        if value == 0 { return "0" }
        // Integers below 2^53: ES6 prints all their digits, which are their shortest round trip.
        if value.rounded(.towardZero) == value && abs(value) < 9_007_199_254_740_992 { return String(Int64(value)) }
        let negative = value < 0
        // Swift's description is the shortest representation that round-trips; take its digits.
        let (digits, exponent) = shortestDigits(abs(value))
        let k = digits.count
        let n = exponent  // value = 0.d1...dk * 10^n
        var result = negative ? "-" : ""
        if k <= n && n <= 21 {
            result += digits + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            let cut = digits.index(digits.startIndex, offsetBy: n)
            result += digits[..<cut] + "." + digits[cut...]
        } else if -6 < n && n <= 0 {
            result += "0." + String(repeating: "0", count: -n) + digits
        } else {
            let e = n - 1
            result += String(digits.first!)
            if k > 1 { result += "." + digits.dropFirst() }
            result += "e" + (e >= 0 ? "+" : "-") + String(abs(e))
        }
        return result
    }

    /// The significant digits (no leading or trailing zeros) and the decimal exponent n such
    /// that value = 0.digits * 10^n.
    static func shortestDigits(_ value: Double) -> (String, Int) {
        let text = value.description  // e.g. "123.45", "1e-07", "1.5e+300", "5e-324"
        var mantissa = Substring(text)
        var exp10 = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exp10 = Int(text[text.index(after: e)...])!
        }
        var intPart = Substring(mantissa)
        var fracPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = mantissa[..<dot]
            fracPart = mantissa[mantissa.index(after: dot)...]
        }
        var all = Array(intPart + fracPart)
        var pointPosition = intPart.count + exp10
        while let first = all.first, first == "0", all.count > 1 {
            all.removeFirst()
            pointPosition -= 1
        }
        while let last = all.last, last == "0", all.count > 1 { all.removeLast() }
        return (String(all), pointPosition)
    }
}

extension Array where Element == UInt8 {
    /// Appends a literal's UTF-8 bytes in one copy; `append(contentsOf: "…".utf8)` makes a
    /// String of the literal first and costs several times more.
    @inlinable
    public mutating func append(literal: StaticString) {
        literal.withUTF8Buffer { append(contentsOf: $0) }
    }
}
