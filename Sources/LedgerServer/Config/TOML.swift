import Foundation

/// A TOML value of the subset the configuration uses: strings, integers, booleans, arrays and tables.
public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case bool(Bool)
    case array([TOMLValue])
    case table([String: TOMLValue])

    var typeName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .bool: "boolean"
        case .array: "array"
        case .table: "table"
        }
    }
}

/// A syntax error with its line.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let reason: String
    public var description: String { "line \(line): \(reason)" }
}

/// Parses the TOML subset of `ledgerd.toml`: comments, `[table]` and `[a.b]` headers, `key = value`
/// with bare or quoted keys, basic and literal strings, integers (with `_`), booleans, arrays
/// (nested, over several lines) and inline tables. Dates and floats are not needed and refused.
public struct TOMLParser {
    private var chars: [Character]
    private var i = 0
    private var line = 1

    public static func parse(_ text: String) throws -> [String: TOMLValue] {
        var parser = TOMLParser(chars: Array(text))
        return try parser.document()
    }

    private init(chars: [Character]) {
        self.chars = chars
    }

    private func fail(_ reason: String) -> TOMLError { TOMLError(line: line, reason: reason) }

    private mutating func document() throws -> [String: TOMLValue] {
        var root: [String: TOMLValue] = [:]
        var current: [String] = []
        var definedTables = Set<[String]>()
        while true {
            skipBlankAndComments()
            guard i < chars.count else { return root }
            if chars[i] == "[" {
                i += 1
                let path = try dottedKey()
                guard consume("]") else { throw fail("expected ']' after a table name") }
                guard definedTables.insert(path).inserted else { throw fail("table [\(path.joined(separator: "."))] defined twice") }
                try Self.insert(.table([:]), at: path, into: &root, replaceTable: false, line: line)
                current = path
                try endOfLine()
            } else {
                let path = current + (try dottedKey())
                guard consume("=") else { throw fail("expected '=' after the key") }
                skipSpaces()
                let value = try self.value()
                try Self.insert(value, at: path, into: &root, replaceTable: true, line: line)
                try endOfLine()
            }
        }
    }

    private static func insert(
        _ value: TOMLValue, at path: [String], into table: inout [String: TOMLValue], replaceTable: Bool, line: Int
    ) throws {
        let head = path[0]
        if path.count == 1 {
            if let existing = table[head] {
                if case .table = existing, case .table = value, !replaceTable { return }
                throw TOMLError(line: line, reason: "key \(head) defined twice")
            }
            table[head] = value
            return
        }
        var child: [String: TOMLValue] = [:]
        if let existing = table[head] {
            guard case .table(let t) = existing else { throw TOMLError(line: line, reason: "\(head) is not a table") }
            child = t
        }
        try insert(value, at: Array(path.dropFirst()), into: &child, replaceTable: replaceTable, line: line)
        table[head] = .table(child)
    }

    private mutating func consume(_ c: Character) -> Bool {
        if i < chars.count, chars[i] == c {
            i += 1
            return true
        }
        return false
    }

    private mutating func skipSpaces() {
        while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 }
    }

    private mutating func skipBlankAndComments() {
        while i < chars.count {
            switch chars[i] {
            case " ", "\t", "\r": i += 1
            case "\n", "\r\n": line += 1; i += 1
            case "#": while i < chars.count, chars[i] != "\n", chars[i] != "\r\n" { i += 1 }
            default: return
            }
        }
    }

    private mutating func endOfLine() throws {
        skipSpaces()
        if i < chars.count, chars[i] == "#" {
            while i < chars.count, chars[i] != "\n", chars[i] != "\r\n" { i += 1 }
        }
        guard i >= chars.count || chars[i] == "\n" || chars[i] == "\r\n" else { throw fail("unexpected text after the value") }
    }

    /// A key, dotted or not (`a.b."c d"`), with the spaces around its parts; at least one part.
    private mutating func dottedKey() throws -> [String] {
        var path: [String] = []
        repeat {
            skipSpaces()
            path.append(try key())
            skipSpaces()
        } while consume(".")
        return path
    }

    private mutating func key() throws -> String {
        if i < chars.count, chars[i] == "\"" { return try basicString() }
        if i < chars.count, chars[i] == "'" { return try literalString() }
        let start = i
        while i < chars.count, chars[i].isASCII, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "-" {
            i += 1
        }
        guard i > start else { throw fail("expected a key") }
        return String(chars[start..<i])
    }

    private mutating func value() throws -> TOMLValue {
        guard i < chars.count else { throw fail("expected a value") }
        switch chars[i] {
        case "\"": return .string(try basicString())
        case "'": return .string(try literalString())
        case "[": return try array()
        case "{": return try inlineTable()
        case "t", "f":
            if match("true") { return .bool(true) }
            if match("false") { return .bool(false) }
            throw fail("expected true or false")
        default:
            let start = i
            // Up to the value's end, so that a float or a date is refused whole rather than read in part.
            while i < chars.count, chars[i].isLetter || chars[i].isNumber || "_-+.:".contains(chars[i]) { i += 1 }
            let text = String(chars[start..<i]).replacingOccurrences(of: "_", with: "")
            guard let n = Int(text) else { throw fail("unsupported value (strings, integers, booleans and arrays only)") }
            return .integer(n)
        }
    }

    private mutating func match(_ word: String) -> Bool {
        let w = Array(word)
        guard i + w.count <= chars.count, Array(chars[i..<(i + w.count)]) == w else { return false }
        i += w.count
        return true
    }

    private mutating func array() throws -> TOMLValue {
        i += 1
        var items: [TOMLValue] = []
        while true {
            skipBlankAndComments()
            if consume("]") { return .array(items) }
            items.append(try value())
            skipBlankAndComments()
            if consume("]") { return .array(items) }
            guard consume(",") else { throw fail("expected ',' or ']' in an array") }
        }
    }

    private mutating func inlineTable() throws -> TOMLValue {
        i += 1
        var table: [String: TOMLValue] = [:]
        skipSpaces()
        if consume("}") { return .table(table) }
        while true {
            skipSpaces()
            let path = try dottedKey()
            guard consume("=") else { throw fail("expected '=' in an inline table") }
            skipSpaces()
            try Self.insert(try value(), at: path, into: &table, replaceTable: true, line: line)
            skipSpaces()
            if consume("}") { return .table(table) }
            guard consume(",") else { throw fail("expected ',' or '}' in an inline table") }
        }
    }

    /// `s` as a TOML basic string that reads back as `s`: quotes, backslashes and control
    /// characters escaped.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += String(format: "\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private mutating func literalString() throws -> String {
        i += 1
        let start = i
        while i < chars.count, chars[i] != "'" {
            if chars[i] == "\n" { throw fail("unterminated string") }
            i += 1
        }
        guard i < chars.count else { throw fail("unterminated string") }
        defer { i += 1 }
        return String(chars[start..<i])
    }

    private mutating func basicString() throws -> String {
        i += 1
        var out = ""
        while i < chars.count {
            let c = chars[i]
            i += 1
            switch c {
            case "\"": return out
            case "\n": throw fail("unterminated string")
            case "\\":
                guard i < chars.count else { throw fail("unterminated string") }
                let e = chars[i]
                i += 1
                switch e {
                case "b": out.append("\u{08}")
                case "t": out.append("\t")
                case "n": out.append("\n")
                case "f": out.append("\u{0C}")
                case "r": out.append("\r")
                case "\\": out.append("\\")
                case "\"": out.append("\"")
                case "u", "U":
                    let count = e == "u" ? 4 : 8
                    guard i + count <= chars.count, let v = UInt32(String(chars[i..<(i + count)]), radix: 16),
                        let scalar = Unicode.Scalar(v)
                    else { throw fail("invalid unicode escape") }
                    out.unicodeScalars.append(scalar)
                    i += count
                default: throw fail("invalid escape \\\(e)")
                }
            default: out.append(c)
            }
        }
        throw fail("unterminated string")
    }
}
