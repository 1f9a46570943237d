import ArgumentParser
import LedgerClient
import LedgerDomain

/// Options that choose a view's cut.
struct CutOptions: ParsableArguments {
    @Option(help: "Effective time cut: YYYY-MM-DD (end of that day) or RFC 3339 (default: now).") var at: String?
    @Option(help: "Log cut: only events up to this seq (default: the head).") var seq: Int?
    @Option(help: "Log cut by recorded time: what the ledger said on that day.") var recorded: String?

    var query: String {
        var items: [String] = []
        if let at { items.append("at=" + LedgerClient.encode(at)) }
        if let seq { items.append("seq=\(seq)") }
        if let recorded { items.append("recorded=" + LedgerClient.encode(recorded)) }
        return items.joined(separator: "&")
    }
}

/// `ledgerctl view NAME`: one audit view.
struct ViewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "view",
        abstract: "Show a view: inventory, reporting, alignment, coordination, evaluability, coherence or findings.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var cut: CutOptions
    @Argument(help: "The view.") var name: String
    @Option(help: "coordination: the actors to pair, comma-separated (default: owners of active measures).")
    var parties: String?

    func validate() throws {
        guard ViewName(rawValue: name) != nil else {
            throw ValidationError("unknown view \(name); views: \(ViewName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        var query = cut.query
        if let parties { query += (query.isEmpty ? "" : "&") + "parties=" + LedgerClient.encode(parties) }
        let answer = try options.client().expect(path: "/v1/views/\(name)" + (query.isEmpty ? "" : "?" + query))
        switch options.format {
        case .json: print(answer.text)
        case .table, .csv:
            let view = try JSONParser.parse(answer.body)
            print(ViewRenderer.render(view, name: ViewName(rawValue: name)!, csv: options.format == .csv))
        }
    }
}

/// Tables and CSV for views.
enum ViewRenderer {
    static func rowsKey(_ name: ViewName) -> String {
        switch name {
        case .inventory, .reporting: "measures"
        case .alignment, .evaluability: "plans"
        case .coordination: "pairs"
        case .coherence: "conflicts"
        case .findings: "findings"
        }
    }

    static func cell(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: "-"
        case .string(let s)?: s
        case .bool(let b)?: b ? "yes" : "no"
        case .number(let d, _)?: CanonicalJSON.formatNumber(d)
        case .array(let items)?: items.isEmpty ? "-" : items.map { cell($0) }.joined(separator: ", ")
        case .object(let o)?: o.members.map { "\($0.key)=\(cell($0.value))" }.joined(separator: " ")
        }
    }

    /// A CSV field, as a spreadsheet or a script reads it best: a null or an empty list is an
    /// empty field (not the table's "-"), and a boolean is `true` or `false`.
    static func csvCell(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: ""
        case .bool(let b)?: b ? "true" : "false"
        case .array(let items)?: items.map { cell($0) }.joined(separator: ", ")
        default: cell(value)
        }
    }

    static func styled(_ text: String, column: String) -> String {
        switch (column, text) {
        case ("status", "overdue"), ("status", "never-reported"), ("status", "unreported"), ("status", "open"),
            ("evaluable", "no"), ("formal", "no"):
            Terminal.red(text)
        case ("missing", _) where text != "-":
            Terminal.red(text)
        case ("status", "ok"), ("status", "implemented"), ("evaluable", "yes"), ("formal", "yes"): Terminal.green(text)
        case ("status", "reported"), ("status", "accepted"): Terminal.yellow(text)
        default: text
        }
    }

    static func render(_ view: JSONValue, name: ViewName, csv: Bool) -> String {
        let rows = view[rowsKey(name)]?.arrayValue ?? []
        let columns = rows.first?.objectValue?.keys ?? []
        if csv {
            // RFC 4180 quoting: a field holding a comma, a quote or a line break is quoted.
            func quote(_ s: String) -> String {
                s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                    ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
            }
            return ([columns.joined(separator: ",")] + rows.map { row in columns.map { quote(csvCell(row[$0])) }.joined(separator: ",") })
                .joined(separator: "\n")
        }
        var out = "\(name.rawValue) at \(cell(view["at"])), seq \(cell(view["seq"])), root \(cell(view["root"]))\n"
        if rows.isEmpty {
            out += "(none)"
        } else {
            var table = Table(columns)
            for row in rows { table.add(columns.map { styled(cell(row[$0]), column: $0) }) }
            out += table.render()
        }
        if let summary = view["summary"]?.objectValue {
            out += "\nsummary: " + summary.members.map { "\($0.key) \(cell($0.value))" }.joined(separator: ", ")
        }
        if let gaps = view["gaps"]?.arrayValue {
            out += "\ngaps (no formal arrangement): " + (gaps.isEmpty ? "none" : gaps.map { cell($0).replacingOccurrences(of: ", ", with: " / ") }.joined(separator: "; "))
        }
        return out
    }
}
