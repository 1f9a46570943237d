/// Parses the contract's time forms: `YYYY-MM-DD` or
/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` (`T` and `Z` in either case).
public enum TimeParser {
    /// How a date-only value is read: the start of the day (events) or its last second (view cuts).
    public enum DateOnly: Sendable {
        case startOfDay, endOfDay
    }

    /// The instant, fractions cut toward the past; nil when malformed, impossible or outside years 1-9999.
    public static func parse(_ text: String, dateOnly: DateOnly = .startOfDay) -> Timestamp? {
        // Read in place: every event's time is parsed, and a copy of its bytes cost an allocation.
        var text = text
        return text.withUTF8 { parse(bytes: $0, dateOnly: dateOnly) }
    }

    private static func parse(bytes b: UnsafeBufferPointer<UInt8>, dateOnly: DateOnly) -> Timestamp? {
        guard b.count >= 10, let date = parseDate(b) else { return nil }
        if b.count == 10 {
            let stamp = Timestamp(civil: date, secondOfDay: dateOnly == .startOfDay ? 0 : 86_399)
            return inRange(stamp)
        }
        guard b.count >= 20, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
            let hour = number(b, 11, 2), b[13] == UInt8(ascii: ":"),
            let minute = number(b, 14, 2), b[16] == UInt8(ascii: ":"),
            let second = number(b, 17, 2),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var i = 19
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, isDigit(b[i]) { i += 1 }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        var offset: Int64 = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard i + 1 == b.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard i + 6 == b.count, let oh = number(b, i + 1, 2), b[i + 3] == UInt8(ascii: ":"),
                let om = number(b, i + 4, 2), oh < 24, om < 60
            else { return nil }
            offset = (oh * 60 + om) * 60 * (b[i] == UInt8(ascii: "-") ? -1 : 1)
        default:
            return nil
        }
        let local = Timestamp(civil: date, secondOfDay: hour * 3600 + minute * 60 + second)
        return inRange(Timestamp(seconds: local.seconds - offset))
    }

    /// Parses `YYYY-MM-DD` alone.
    public static func parseDateOnly(_ text: String) -> CivilDate? {
        var text = text
        return text.withUTF8 { $0.count == 10 ? parseDate($0) : nil }
    }

    private static func parseDate(_ b: UnsafeBufferPointer<UInt8>) -> CivilDate? {
        guard let year = number(b, 0, 4), b[4] == UInt8(ascii: "-"), let month = number(b, 5, 2),
            b[7] == UInt8(ascii: "-"), let day = number(b, 8, 2)
        else { return nil }
        let date = CivilDate(year: year, month: month, day: day)
        return date.isValid && year >= 1 ? date : nil
    }

    private static func inRange(_ stamp: Timestamp) -> Timestamp? {
        stamp >= .minimum && stamp <= .maximum ? stamp : nil
    }

    private static func number(_ b: UnsafeBufferPointer<UInt8>, _ at: Int, _ count: Int) -> Int64? {
        guard at + count <= b.count else { return nil }
        var value: Int64 = 0
        for i in at..<(at + count) {
            guard isDigit(b[i]) else { return nil }
            value = value * 10 + Int64(b[i] - 0x30)
        }
        return value
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
