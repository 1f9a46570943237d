#if canImport(Glibc)
import Glibc
#endif
import LedgerDomain

/// Wall-clock time in milliseconds since the epoch.
enum WallClock {
    static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// `YYYY-MM-DDTHH:MM:SS.sssZ`.
    static func recordedString(milliseconds: Int64) -> String {
        let seconds = Timestamp(seconds: milliseconds.floorDiv(1000)).description
        let ms = milliseconds - milliseconds.floorDiv(1000) * 1000
        let msText = String(ms)
        return String(seconds.dropLast()) + "." + String(repeating: "0", count: 3 - msText.count) + msText + "Z"
    }
}
