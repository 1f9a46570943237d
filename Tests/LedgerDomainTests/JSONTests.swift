import Testing

@testable import LedgerDomain

@Suite("JSON parsing and RFC 8785 canonical form")
struct JSONTests {
    @Test("refuses what RFC 8259 or the contract refuses", arguments: [
        "{\"a\":1,\"a\":2}", "{\"a\":1} x", "[1,]", "{\"a\" 1}", "\"\\ud800\"", "01", "1.", "-", "{'a':1}", "",
        "\"a\u{01}b\"", "nul", "[1 2]",
    ])
    func refusesMalformed(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test("refuses a repeated member name in a small and in a large object, wherever it repeats")
    func refusesDuplicateNamesAtAnySize() throws {
        for count in [2, 15, 16, 17, 40] {
            let names = (0..<count).map { "\"k\($0)\":\($0)" }
            #expect(try JSONParser.parse(Array("{\(names.joined(separator: ","))}".utf8)).objectValue?.count == count)
            for repeated in [0, count - 1] {
                let text = "{\(names.joined(separator: ",")),\"k\(repeated)\":0}"
                #expect(throws: JSONSyntaxError.self, "\(count) members, k\(repeated) again") {
                    try JSONParser.parse(Array(text.utf8))
                }
            }
        }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }
    }

    @Test func keepsWhetherANumberWasAPlainInteger() throws {
        #expect(try JSONParser.parse(Array("12".utf8)) == .number(12, plainInteger: true))
        #expect(try JSONParser.parse(Array("12.0".utf8)) == .number(12, plainInteger: false))
        #expect(try JSONParser.parse(Array("1e2".utf8)) == .number(100, plainInteger: false))
    }

    @Test("ES6 number forms (RFC 8785 appendix B)", arguments: [
        (0.0, "0"), (-0.0, "0"), (1.0, "1"), (12.5, "12.5"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
        (1e-7, "1e-7"), (0.000001, "0.000001"), (123456789012345680000.0, "123456789012345680000"),
        (9007199254740992.0, "9007199254740992"), (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
        (333333333.3333332, "333333333.3333332"), (-1.5e-9, "-1.5e-9"), (0.1, "0.1"), (4.35, "4.35"),
        (-42.0, "-42"), (9007199254740991.0, "9007199254740991"), (-9007199254740991.0, "-9007199254740991"),
        (9007199254740994.0, "9007199254740994"), (1e15, "1000000000000000"),
    ])
    func formatsNumbers(_ value: Double, _ expected: String) {
        #expect(CanonicalJSON.formatNumber(value) == expected)
    }

    @Test func sortsMembersByUTF16CodeUnitsAndEscapesMinimally() throws {
        let text = "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\",\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\",\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}"
        let value = try JSONParser.parse(Array(text.utf8))
        let keys = try #require(value.objectValue).members.map(\.key).sorted(by: CanonicalJSON.utf16Less)
        #expect(keys == ["\r", "1", "\u{80}", "\u{F6}", "\u{20AC}", "\u{1F600}", "\u{FB33}"])
        // The encoder puts them in the same order (the RFC 8785 appendix example).
        let encoded = try #require(try JSONParser.parse(CanonicalJSON.encode(value)).objectValue)
        #expect(encoded.members.map(\.key) == keys)
        #expect(CanonicalJSON.string(try JSONParser.parse(Array(#"{"b":1,"a":{"d":2,"c":3},"aa":0}"#.utf8))) == #"{"a":{"c":3,"d":2},"aa":0,"b":1}"#)
        let out = CanonicalJSON.string(["a": "x\"\\\n\u{1F}é"])
        #expect(out == "{\"a\":\"x\\\"\\\\\\n\\u001fé\"}")
        #expect(CanonicalJSON.string(try JSONParser.parse(Array("{ \"b\" : [ 1.0 , 12.50 ] , \"a\" : null }".utf8))) == "{\"a\":null,\"b\":[1,12.5]}")
    }
}
