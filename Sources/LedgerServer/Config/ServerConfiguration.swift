import Foundation
import LedgerDomain

/// The daemon's effective configuration: the shipped defaults, then the file, then flags.
public struct ServerConfiguration: Sendable, Equatable {
    /// The Unix socket the daemon listens on.
    public var socketPath = "/run/ledgerd/ledgerd.sock"
    /// The directory of the LMDB files and the signing key.
    public var dataDirectory = "/var/lib/ledgerd"
    /// The checkpoint origin line and signing key name.
    public var origin = "localhost/ledgerd"
    /// The largest request body, in bytes.
    public var maxBodyBytes = 16 << 20
    /// The most events in one batch.
    public var maxBatchEvents = 10_000
    /// The map size at first open, in bytes.
    public var initialMapSize = 64 << 20
    /// The largest the map may grow to, in bytes.
    public var maxMapSize = 64 << 30
    /// Stance pairs in tension for the coherence view.
    public var tensions: [[String]] = [["harm-reduction", "enforcement"]]
    /// Role per Unix user name.
    public var userRoles: [String: Role] = [:]
    /// Role per Unix group name.
    public var groupRoles: [String: Role] = [:]
    /// For recorders: the `source` actors each user or group may append for (absent: any).
    public var recorderSources: [String: [String]] = [:]
    /// The log level: trace, debug, info, notice, warning, error, critical.
    public var logLevel = "info"

    /// The access names that match no user or group of this machine: a typo there grants
    /// nothing, silently, so `ledgerd` warns at start and `--check-config` prints them. Not
    /// errors: the account may be made later (or come from a directory service not up yet).
    public func accountWarnings() -> [String] {
        var warnings: [String] = []
        for name in userRoles.keys.sorted() where UnixAccounts.uid(of: name) == nil {
            warnings.append("access.users.\(name): no user of that name on this machine; it grants nothing until there is one")
        }
        for name in groupRoles.keys.sorted() where !UnixAccounts.groupExists(name) {
            warnings.append("access.groups.\(name): no group of that name on this machine; it grants nothing until there is one")
        }
        for name in recorderSources.keys.sorted() where userRoles[name] != .recorder && groupRoles[name] != .recorder {
            warnings.append("access.sources.\(name): it limits recorders, but \(name) is not a recorder in access.users or access.groups")
        }
        return warnings
    }

    public init() {}

    /// A role granted to a Unix user or group (contract section 7).
    public enum Role: String, Sendable, Equatable, Comparable {
        case reader, recorder, admin

        public static func < (lhs: Role, rhs: Role) -> Bool {
            let order: [Role] = [.reader, .recorder, .admin]
            return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
        }
    }
}

/// A configuration problem, naming the file, the key and the reason.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let key: String?
    public let reason: String

    public var description: String {
        "\(file): " + (key.map { "\($0): " } ?? "") + reason
    }
}

extension ServerConfiguration {
    /// Reads `path` over the defaults; refuses unknown keys and wrong types.
    public static func load(path: String) throws -> ServerConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(file: path, key: nil, reason: "cannot read the file: \(error.localizedDescription)")
        }
        let table: [String: ConfigValue]
        do {
            table = try TOMLDocument.parse(text)
        } catch let error as TOMLError {
            throw ConfigurationError(file: path, key: nil, reason: error.description)
        }
        var config = ServerConfiguration()
        try config.apply(table, file: path)
        return config
    }

    mutating func apply(_ root: [String: ConfigValue], file: String) throws {
        let reader = TableReader(file: file)
        try reader.sections(root, allowed: ["server", "limits", "storage", "views", "access", "log"])
        if let server = try reader.table(root, "server") {
            try reader.only(server, ["socket", "data_dir", "origin"], in: "server")
            if let v = try reader.string(server, "socket", in: "server") { socketPath = v }
            if let v = try reader.string(server, "data_dir", in: "server") { dataDirectory = v }
            if let v = try reader.string(server, "origin", in: "server") {
                guard !v.isEmpty, !v.contains("\n"), !v.contains("+"), !v.contains(" ") else {
                    throw ConfigurationError(file: file, key: "server.origin", reason: "must be one non-empty line without spaces or '+'")
                }
                origin = v
            }
        }
        if let limits = try reader.table(root, "limits") {
            try reader.only(limits, ["max_body_bytes", "max_batch_events"], in: "limits")
            if let v = try reader.positive(limits, "max_body_bytes", in: "limits") { maxBodyBytes = v }
            if let v = try reader.positive(limits, "max_batch_events", in: "limits") { maxBatchEvents = v }
        }
        if let storage = try reader.table(root, "storage") {
            try reader.only(storage, ["initial_map_size", "max_map_size"], in: "storage")
            if let v = try reader.positive(storage, "initial_map_size", in: "storage") { initialMapSize = v }
            if let v = try reader.positive(storage, "max_map_size", in: "storage") { maxMapSize = v }
            if maxMapSize < initialMapSize {
                throw ConfigurationError(file: file, key: "storage.max_map_size", reason: "is smaller than initial_map_size")
            }
        }
        if let views = try reader.table(root, "views") {
            try reader.only(views, ["tensions"], in: "views")
            if let value = views["tensions"] {
                guard case .array(let pairs) = value else {
                    throw ConfigurationError(file: file, key: "views.tensions", reason: "must be an array of [stance, stance] pairs")
                }
                tensions = try pairs.map { pair in
                    guard case .array(let items) = pair, items.count == 2,
                        case .string(let a) = items[0], case .string(let b) = items[1],
                        Vocabulary.stances.contains(a), Vocabulary.stances.contains(b), a != b
                    else {
                        throw ConfigurationError(
                            file: file, key: "views.tensions",
                            reason: "each pair must hold two different stances of: \(Vocabulary.stances.joined(separator: ", "))")
                    }
                    return [a, b]
                }
            }
        }
        if let access = try reader.table(root, "access") {
            try reader.only(access, ["users", "groups", "sources"], in: "access")
            userRoles = try reader.roles(access, "users")
            groupRoles = try reader.roles(access, "groups")
            if let sources = try reader.table(access, "sources", in: "access") {
                for (name, value) in sources {
                    guard case .array(let items) = value else {
                        throw ConfigurationError(file: file, key: "access.sources.\(name)", reason: "must be an array of actor/ subjects")
                    }
                    recorderSources[name] = try items.map { item in
                        guard case .string(let s) = item, let subject = Subject(s), subject.kind == .actor else {
                            throw ConfigurationError(file: file, key: "access.sources.\(name)", reason: "must be an array of actor/ subjects")
                        }
                        return s
                    }
                }
            }
        }
        if let log = try reader.table(root, "log") {
            try reader.only(log, ["level"], in: "log")
            if let v = try reader.string(log, "level", in: "log") {
                let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
                guard levels.contains(v) else {
                    throw ConfigurationError(file: file, key: "log.level", reason: "must be one of \(levels.joined(separator: ", "))")
                }
                logLevel = v
            }
        }
    }
}

/// Typed access to a parsed TOML table with errors naming file and key.
struct TableReader {
    let file: String

    func sections(_ root: [String: ConfigValue], allowed: [String]) throws {
        for key in root.keys.sorted() where !allowed.contains(key) {
            throw ConfigurationError(file: file, key: key, reason: "unknown key (known: \(allowed.joined(separator: ", ")))")
        }
    }

    func only(_ table: [String: ConfigValue], _ allowed: [String], in section: String) throws {
        for key in table.keys.sorted() where !allowed.contains(key) {
            throw ConfigurationError(
                file: file, key: "\(section).\(key)", reason: "unknown key (known: \(allowed.joined(separator: ", ")))")
        }
    }

    func table(_ root: [String: ConfigValue], _ key: String, in section: String? = nil) throws -> [String: ConfigValue]? {
        guard let value = root[key] else { return nil }
        guard case .table(let t) = value else {
            throw ConfigurationError(file: file, key: section.map { "\($0).\(key)" } ?? key, reason: "must be a table, not \(value.typeName)")
        }
        return t
    }

    func string(_ table: [String: ConfigValue], _ key: String, in section: String) throws -> String? {
        guard let value = table[key] else { return nil }
        guard case .string(let s) = value else {
            throw ConfigurationError(file: file, key: "\(section).\(key)", reason: "must be a string, not \(value.typeName)")
        }
        return s
    }

    func positive(_ table: [String: ConfigValue], _ key: String, in section: String) throws -> Int? {
        guard let value = table[key] else { return nil }
        guard case .integer(let n) = value, n > 0 else {
            throw ConfigurationError(file: file, key: "\(section).\(key)", reason: "must be a positive integer")
        }
        return n
    }

    func roles(_ access: [String: ConfigValue], _ key: String) throws -> [String: ServerConfiguration.Role] {
        guard let table = try self.table(access, key, in: "access") else { return [:] }
        var roles: [String: ServerConfiguration.Role] = [:]
        for (name, value) in table {
            guard case .string(let s) = value, let role = ServerConfiguration.Role(rawValue: s) else {
                throw ConfigurationError(file: file, key: "access.\(key).\(name)", reason: "must be \"reader\", \"recorder\" or \"admin\"")
            }
            roles[name] = role
        }
        return roles
    }
}

extension ServerConfiguration {
    /// The effective configuration as TOML, for `ledgerd --check-config`.
    public func rendered() -> String {
        let q = TOMLDocument.quoted
        var lines = [
            "[server]", "socket = \(q(socketPath))", "data_dir = \(q(dataDirectory))", "origin = \(q(origin))", "",
            "[limits]", "max_body_bytes = \(maxBodyBytes)", "max_batch_events = \(maxBatchEvents)", "",
            "[storage]", "initial_map_size = \(initialMapSize)", "max_map_size = \(maxMapSize)", "",
            "[views]", "tensions = [" + tensions.map { "[\(q($0[0])), \(q($0[1]))]" }.joined(separator: ", ") + "]", "",
            "[log]", "level = \(q(logLevel))", "",
            "[access.users]",
        ]
        lines += userRoles.keys.sorted().map { "\(q($0)) = \(q(userRoles[$0]!.rawValue))" }
        lines += ["", "[access.groups]"]
        lines += groupRoles.keys.sorted().map { "\(q($0)) = \(q(groupRoles[$0]!.rawValue))" }
        lines += ["", "[access.sources]"]
        lines += recorderSources.keys.sorted().map { "\(q($0)) = [" + recorderSources[$0]!.map(q).joined(separator: ", ") + "]" }
        return lines.joined(separator: "\n")
    }
}
