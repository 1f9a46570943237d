import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Aligned text columns for people; colour only on a terminal without NO_COLOR.
struct Table {
    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: String...) {
        self.headers = headers
    }

    init(_ headers: [String]) {
        self.headers = headers
    }

    mutating func add(_ cells: [String]) { rows.append(cells) }

    func render() -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], Terminal.visibleWidth(cell)) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell + String(repeating: " ", count: max(0, widths[i] - Terminal.visibleWidth(cell)))
            }.joined(separator: "  ")
        }
        var out = [Terminal.bold(line(headers))]
        out += rows.map(line)
        return out.joined(separator: "\n")
    }
}

/// Terminal facts and styling.
enum Terminal {
    static let colour: Bool = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    static let stderrIsTerminal: Bool = isatty(STDERR_FILENO) == 1

    static func bold(_ s: String) -> String { colour ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
    static func red(_ s: String) -> String { colour ? "\u{1B}[31m\(s)\u{1B}[0m" : s }
    static func yellow(_ s: String) -> String { colour ? "\u{1B}[33m\(s)\u{1B}[0m" : s }
    static func green(_ s: String) -> String { colour ? "\u{1B}[32m\(s)\u{1B}[0m" : s }

    /// The width of `s` without its escape sequences.
    static func visibleWidth(_ s: String) -> Int {
        var width = 0
        var inEscape = false
        for c in s.unicodeScalars {
            if inEscape {
                if c == "m" { inEscape = false }
            } else if c == "\u{1B}" {
                inEscape = true
            } else {
                width += 1
            }
        }
        return width
    }
}

/// A progress bar on standard error, drawn only when it is a terminal.
struct ProgressBar {
    let total: Int
    let label: String
    private var lastDraw = 0.0

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    mutating func update(_ done: Int, force: Bool = false) {
        draw(fraction: total > 0 ? Double(done) / Double(total) : 1, text: "\(done)/\(total)", force: force)
    }

    /// For an import: the events sent, with the bar at the bytes read out of `total` (no bar
    /// when the total is unknown, as on standard input).
    mutating func update(events: Int, bytes: Int, force: Bool = false) {
        draw(fraction: total > 0 ? min(1, Double(bytes) / Double(total)) : nil, text: "\(events) events", force: force)
    }

    private mutating func draw(fraction: Double?, text: String, force: Bool) {
        guard Terminal.stderrIsTerminal else { return }
        let now = Date().timeIntervalSince1970
        guard force || now - lastDraw > 0.1 else { return }
        lastDraw = now
        guard let fraction else {
            FileHandle.standardError.write(Data("\r\(label) \(text)".utf8))
            return
        }
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(text) (\(Int(fraction * 100))%)".utf8))
    }

    func finish() {
        guard Terminal.stderrIsTerminal else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
