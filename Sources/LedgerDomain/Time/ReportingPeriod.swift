/// An ISO 8601 duration of one part, `P` + 1 to 999 (no leading zero) + `D`, `W`, `M` or `Y`.
public struct ReportingPeriod: Sendable, Hashable, CustomStringConvertible {
    public enum Unit: Character, Sendable {
        case day = "D", week = "W", month = "M", year = "Y"
    }

    public let count: Int64
    public let unit: Unit

    public init?(_ text: String) {
        let chars = Array(text)
        guard chars.count >= 3, chars.count <= 5, chars[0] == "P", let unit = Unit(rawValue: chars.last!) else {
            return nil
        }
        let digits = chars[1..<(chars.count - 1)]
        guard digits.first != "0", digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(String(digits)),
            (1...999).contains(n)
        else { return nil }
        self.count = n
        self.unit = unit
    }

    public var description: String { "P\(count)\(unit.rawValue)" }

    /// `start` plus this period in UTC calendar arithmetic: weeks are 7 days, years 12 months,
    /// months clamp to the month's last day, the time of day is kept; past 9999-12-31T23:59:59Z
    /// the result is that instant.
    public func added(to start: Timestamp) -> Timestamp {
        let result: Timestamp
        switch unit {
        case .day: result = Timestamp(seconds: start.seconds + count * 86_400)
        case .week: result = Timestamp(seconds: start.seconds + count * 7 * 86_400)
        case .month, .year:
            let months = unit == .month ? count : count * 12
            let (date, sod) = start.civil
            let total = date.year * 12 + (date.month - 1) + months
            let year = total / 12
            let month = total % 12 + 1
            let day = min(date.day, CivilDate.daysIn(year: year, month: month))
            result = Timestamp(civil: CivilDate(year: year, month: month, day: day), secondOfDay: sod)
        }
        return min(result, .maximum)
    }
}
