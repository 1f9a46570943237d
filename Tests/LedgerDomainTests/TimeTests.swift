import Testing

@testable import LedgerDomain

@Suite("Times and durations")
struct TimeTests {
    @Test("accepted forms, stored in UTC", arguments: [
        ("2024-01-24", "2024-01-24T00:00:00Z"), ("2024-01-24T10:00:00Z", "2024-01-24T10:00:00Z"),
        ("2024-01-24t10:00:00z", "2024-01-24T10:00:00Z"), ("2024-01-24T10:00:00.999Z", "2024-01-24T10:00:00Z"),
        ("2024-01-24T01:00:00+02:00", "2024-01-23T23:00:00Z"), ("2024-01-24T23:30:00-01:00", "2024-01-25T00:30:00Z"),
        ("2024-01-24T10:00:00-00:00", "2024-01-24T10:00:00Z"), ("2024-02-29", "2024-02-29T00:00:00Z"),
        ("0001-01-01T01:00:00+01:00", "0001-01-01T00:00:00Z"), ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
    ])
    func parses(_ text: String, _ stored: String) throws {
        #expect(try #require(TimeParser.parse(text)).description == stored)
    }

    @Test("refused forms", arguments: [
        "2023-02-29", "2024-13-01", "2024-01-32", "24-01-01", "2024-01-24T10:00:00", "2024-01-24 10:00:00Z",
        "2024-01-24T24:00:00Z", "2024-01-24T10:00:60Z", "2024-01-24T10:00Z", "2024-01-24T10:00:00.Z",
        "0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-01:00", "0000-01-01", "2024-01-24T10:00:00+0100",
    ])
    func refuses(_ text: String) {
        #expect(TimeParser.parse(text) == nil)
    }

    @Test func dateOnlyCutsAtTheEndOfTheDay() throws {
        #expect(try #require(TimeParser.parse("2024-01-24", dateOnly: .endOfDay)).description == "2024-01-24T23:59:59Z")
    }

    @Test("calendar arithmetic", arguments: [
        ("P1M", "2024-01-31T10:00:00Z", "2024-02-29T10:00:00Z"), ("P1M", "2023-01-31T00:00:00Z", "2023-02-28T00:00:00Z"),
        ("P1Y", "2024-02-29T00:00:00Z", "2025-02-28T00:00:00Z"), ("P2W", "2024-01-01T00:00:00Z", "2024-01-15T00:00:00Z"),
        ("P10D", "2024-12-25T06:30:00Z", "2025-01-04T06:30:00Z"), ("P13M", "2023-12-31T00:00:00Z", "2025-01-31T00:00:00Z"),
        ("P999Y", "9500-06-01T00:00:00Z", "9999-12-31T23:59:59Z"), ("P999Y", "9000-06-01T00:00:00Z", "9999-06-01T00:00:00Z"),
    ])
    func addsPeriods(_ period: String, _ start: String, _ due: String) throws {
        let p = try #require(ReportingPeriod(period))
        #expect(p.added(to: try #require(TimeParser.parse(start))).description == due)
    }

    @Test("refused durations", arguments: ["P01M", "P0D", "P1000D", "P1H", "1M", "PM", "P1m", "P1Y2M", "PT1H"])
    func refusesDurations(_ text: String) {
        #expect(ReportingPeriod(text) == nil)
    }
}
