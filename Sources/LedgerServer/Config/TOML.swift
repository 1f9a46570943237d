import Foundation
import TOMLKit

/// A value of the configuration file, as the settings read it.
public indirect enum ConfigValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case bool(Bool)
    case array([ConfigValue])
    case table([String: ConfigValue])
    /// A float, date, time or date-time: valid TOML that no setting takes. Holds its type's name.
    case other(String)

    /// The value's TOML type with its article, for messages ("an integer", "a date-time").
    var typeName: String {
        let name =
            switch self {
            case .string: "string"
            case .integer: "integer"
            case .bool: "boolean"
            case .array: "array"
            case .table: "table"
            case .other(let name): name
            }
        return (name.first.map { "aeiou".contains($0) } ?? false ? "an " : "a ") + name
    }
}

/// A TOML syntax error, where it starts and what it is (toml++'s words).
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let reason: String
    public var description: String { "line \(line), column \(column): \(reason)" }
}

/// Reads a TOML 1.0 document with TOMLKit (toml++) into `ConfigValue`s, and writes strings back.
public enum TOMLDocument {
    /// The document's root table; throws `TOMLError` for a document that is not TOML.
    public static func parse(_ text: String) throws -> [String: ConfigValue] {
        do {
            return table(try TOMLTable(string: text))
        } catch let error as TOMLParseError {
            throw TOMLError(line: error.source.begin.line, column: error.source.begin.column, reason: error.description)
        }
    }

    private static func table(_ table: TOMLTable) -> [String: ConfigValue] {
        var values: [String: ConfigValue] = [:]
        for (key, value) in table { values[key] = self.value(value) }
        return values
    }

    private static func value(_ value: any TOMLValueConvertible) -> ConfigValue {
        switch value.type {
        case .string: .string(value.string!)
        case .int: .integer(value.int!)
        case .bool: .bool(value.bool!)
        case .array: .array(value.array!.map(self.value))
        case .table: .table(table(value.table!))
        case .double, .date, .time, .dateTime: .other(value.type.description)
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
}
