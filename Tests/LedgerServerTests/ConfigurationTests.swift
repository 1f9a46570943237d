import Foundation
import Testing

@testable import LedgerServer

@Suite("Configuration: ledgerd.toml read as TOML")
struct ConfigurationTests {
    /// TOML 1.0 as TOMLKit reads it, turned into the values the settings take; the types no
    /// setting takes keep their name for the messages.
    @Test func readsTOMLIntoSettingValues() throws {
        let table = try TOMLDocument.parse(
            #"""
            # a comment line
            top = "say \"hi\"\tto caf\u00E9 \\ \U0001F600"   # a comment after a value
            literal = 'C:\no\escapes'
            multi = """
            two
            lines"""
            big = 16_777_216
            negative = -5
            yes = true
            nested = [
              ["a", "b"],  # a comment inside an array
              [],
            ]
            inline = { a = 1, b.c = "x", "quoted key" = [true] }
            ratio = 1.5
            day = 2024-01-01
            moment = 2024-01-01T10:00:00Z

            [server]
            dotted.key = 2
            [ "access" . users ]
            alice = "admin"
            """#)
        #expect(table["top"] == .string("say \"hi\"\tto café \\ 😀"))
        #expect(table["literal"] == .string(#"C:\no\escapes"#))
        #expect(table["multi"] == .string("two\nlines"))
        #expect(table["big"] == .integer(16_777_216))
        #expect(table["negative"] == .integer(-5))
        #expect(table["yes"] == .bool(true))
        #expect(table["nested"] == .array([.array([.string("a"), .string("b")]), .array([])]))
        #expect(
            table["inline"]
                == .table(["a": .integer(1), "b": .table(["c": .string("x")]), "quoted key": .array([.bool(true)])]))
        #expect(table["ratio"]?.typeName == "a floating-point number")
        #expect(table["day"]?.typeName == "a date")
        #expect(table["moment"]?.typeName == "a date-time")
        #expect(table["server"] == .table(["dotted": .table(["key": .integer(2)])]))
        #expect(table["access"] == .table(["users": .table(["alice": .string("admin")])]))
    }

    @Test("refused, naming where", arguments: [
        ("a = 1\na = 2", 2, 5, "cannot redefine existing integer 'a'"),
        ("[a]\nb = 1\n\n[a]", 4, 1, "cannot redefine existing table 'a'"),
        ("a = 1 b", 1, 7, "expected a comment or whitespace, saw 'b'"),
        ("a = \"\\q\"", 1, 7, "unknown escape sequence '\\q'"),
        ("a = [1 2]", 1, 8, "expected comma or closing ']', saw '2'"),
        ("\n\n= 1", 3, 1, "saw '='"),
        ("a = 99999999999999999999", 1, 25, "is not representable in 64 bits"),
    ])
    func refuses(_ text: String, _ line: Int, _ column: Int, _ reason: String) throws {
        let error = try #require(throws: TOMLError.self) { try TOMLDocument.parse(text) }
        #expect(error.line == line)
        #expect(error.column == column)
        #expect(error.reason.contains(reason), "\(error.reason)")
    }

    /// What `ledgerd --check-config` says of a file that is not TOML: the file, the line and column, toml++'s words.
    @Test func aSyntaxErrorNamesTheFileAndTheLine() throws {
        let path = try temporaryFile(holding: "[server]\nsocket = \"/run/x.sock\"\norigin = localhost\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(throws: ConfigurationError.self) { try ServerConfiguration.load(path: path) }
        #expect(error.key == nil)
        #expect(error.reason.hasPrefix("line 3, column 10: "), "\(error.reason)")
    }

    @Test func theShippedFileHoldsTheDefaults() throws {
        let shipped = try ServerConfiguration.load(path: packageRoot + "/config/ledgerd.toml")
        #expect(shipped == ServerConfiguration())
    }

    /// `ledgerd --check-config` prints the effective configuration; read back, it is the same.
    @Test func theRenderedConfigurationReadsBack() throws {
        var config = ServerConfiguration()
        config.socketPath = "/tmp/with \"quotes\" and \\ and a\ttab\nand a newline"
        config.origin = "audit.example.org/ledger"
        config.maxBatchEvents = 500
        config.tensions = [["prevention", "enforcement"], ["harm-reduction", "administrative-enforcement"]]
        config.userRoles = ["alice": .admin, "bob smith": .recorder]
        config.groupRoles = ["auditors": .reader]
        config.recorderSources = ["bob smith": ["actor/zone-5340", "actor/fedasil"]]
        config.logLevel = "debug"
        let path = try temporaryFile(holding: config.rendered())
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try ServerConfiguration.load(path: path) == config)
    }

    /// Names that match no account are warned about (a typo grants nothing, silently); names
    /// that do, and the shipped configuration, give no warning.
    @Test func accessNamesWithoutAnAccountAreWarnedAbout() throws {
        var config = ServerConfiguration()
        #expect(config.accountWarnings().isEmpty)
        config.userRoles = ["root": .admin, "no-such-user-x7": .reader, "nobody": .reader]
        config.groupRoles = ["root": .reader, "no-such-group-x7": .recorder]
        config.recorderSources = ["no-such-group-x7": ["actor/a"], "nobody": ["actor/b"]]
        #expect(
            config.accountWarnings() == [
                "access.users.no-such-user-x7: no user of that name on this machine; it grants nothing until there is one",
                "access.groups.no-such-group-x7: no group of that name on this machine; it grants nothing until there is one",
                "access.sources.nobody: it limits recorders, but nobody is not a recorder in access.users or access.groups",
            ])
    }

    @Test("refused settings name their key", arguments: [
        ("[nope]", "nope"),
        ("[server]\nport = 80", "server.port"),
        ("[server]\norigin = \"a b\"", "server.origin"),
        ("[limits]\nmax_batch_events = 0", "limits.max_batch_events"),
        ("[limits]\nmax_body_bytes = \"16 MiB\"", "limits.max_body_bytes"),
        ("[storage]\ninitial_map_size = 2048\nmax_map_size = 1024", "storage.max_map_size"),
        ("[views]\ntensions = [[\"harm-reduction\", \"harm-reduction\"]]", "views.tensions"),
        ("[views]\ntensions = [[\"harm-reduction\", \"zero-tolerance\"]]", "views.tensions"),
        ("[access.users]\nalice = \"owner\"", "access.users.alice"),
        ("[access.sources]\nbob = [\"plan/x\"]", "access.sources.bob"),
        ("[log]\nlevel = \"loud\"", "log.level"),
        ("server = 1", "server"),
        ("[server]\nsocket = 2024-01-01", "server.socket"),
        ("[limits]\nmax_body_bytes = 1.5e6", "limits.max_body_bytes"),
    ])
    func refusesSettings(_ text: String, _ key: String) throws {
        let path = try temporaryFile(holding: text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(throws: ConfigurationError.self) { try ServerConfiguration.load(path: path) }
        #expect(error.key == key)
        #expect(error.file == path)
    }
}

/// A new file in the temporary directory holding `text`; its path.
func temporaryFile(holding text: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ledgerd-\(UUID().uuidString).toml").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// The package's root directory (this file is in Tests/LedgerServerTests).
let packageRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
