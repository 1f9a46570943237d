/// An instant in whole seconds since 1970-01-01T00:00:00Z, limited to years 0001-9999.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var seconds: Int64

    public init(seconds: Int64) {
        self.seconds = seconds
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.seconds < rhs.seconds }

    /// 0001-01-01T00:00:00Z.
    public static let minimum = Timestamp(civil: CivilDate(year: 1, month: 1, day: 1), secondOfDay: 0)
    /// 9999-12-31T23:59:59Z.
    public static let maximum = Timestamp(civil: CivilDate(year: 9999, month: 12, day: 31), secondOfDay: 86_399)

    public init(civil: CivilDate, secondOfDay: Int64) {
        self.seconds = civil.daysSinceEpoch * 86_400 + secondOfDay
    }

    /// The UTC calendar date and the second of that day.
    public var civil: (date: CivilDate, secondOfDay: Int64) {
        let days = seconds.floorDiv(86_400)
        return (CivilDate(daysSinceEpoch: days), seconds - days * 86_400)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, the stored form of effective times.
    public var description: String {
        let (date, sod) = civil
        guard (0...9999).contains(date.year) else {
            return "\(date)T\(pad(sod / 3600, 2)):\(pad(sod / 60 % 60, 2)):\(pad(sod % 60, 2))Z"
        }
        // Digit by digit: string interpolation cost more than the rest of an event's checks.
        return String(unsafeUninitializedCapacity: 20) { out in
            Self.fill(out, date: date, secondOfDay: sod)
            return 20
        }
    }

    /// Appends `description`'s bytes to `out`, without making the string (every stored line has one).
    public func appendDescription(to out: inout [UInt8]) {
        let (date, sod) = civil
        guard (0...9999).contains(date.year) else {
            out.append(contentsOf: description.utf8)
            return
        }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: 20))
        out.withUnsafeMutableBufferPointer {
            Self.fill(UnsafeMutableBufferPointer(rebasing: $0[start...]), date: date, secondOfDay: sod)
        }
    }

    private static func fill(_ out: UnsafeMutableBufferPointer<UInt8>, date: CivilDate, secondOfDay sod: Int64) {
        func put(_ value: Int64, _ width: Int, at offset: Int) {
            var v = value
            for i in stride(from: offset + width - 1, through: offset, by: -1) {
                out[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                v /= 10
            }
        }
        put(date.year, 4, at: 0)
        out[4] = UInt8(ascii: "-")
        put(date.month, 2, at: 5)
        out[7] = UInt8(ascii: "-")
        put(date.day, 2, at: 8)
        out[10] = UInt8(ascii: "T")
        put(sod / 3600, 2, at: 11)
        out[13] = UInt8(ascii: ":")
        put(sod / 60 % 60, 2, at: 14)
        out[16] = UInt8(ascii: ":")
        put(sod % 60, 2, at: 17)
        out[19] = UInt8(ascii: "Z")
    }

    /// The date part, `YYYY-MM-DD`.
    public var dateString: String { civil.date.description }
}

/// A proleptic Gregorian date.
public struct CivilDate: Sendable, Hashable, CustomStringConvertible {
    public var year: Int64
    public var month: Int64
    public var day: Int64

    public init(year: Int64, month: Int64, day: Int64) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Whether month and day name a real date.
    public var isValid: Bool {
        (1...12).contains(month) && day >= 1 && day <= CivilDate.daysIn(year: year, month: month)
    }

    public static func daysIn(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    public var daysSinceEpoch: Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDiv(400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01 (Howard Hinnant's civil_from_days).
    public init(daysSinceEpoch days: Int64) {
        let z = days + 719_468
        let era = z.floorDiv(146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    public var description: String { "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))" }
}

extension Int64 {
    /// Division rounding toward negative infinity (for instants before the epoch).
    @inlinable
    public func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}

func pad(_ value: Int64, _ width: Int) -> String {
    let s = String(value)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

extension Duration {
    /// The duration in seconds, for metrics and measurements.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
