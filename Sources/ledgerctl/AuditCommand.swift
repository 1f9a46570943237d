import ArgumentParser
import LedgerClient
import LedgerDomain

/// `ledgerctl audit`: one readable report over all seven views at one cut.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print an audit report over all views: inventory, reports, alignment, coordination, evaluability, tensions, findings.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var cut: CutOptions
    @Option(help: "coordination: the actors to pair (default: owners of active measures).") var parties: String?

    func run() throws {
        let client = options.client()
        // Pin the log position first so every view answers for the same cut.
        var pinned = cut
        if pinned.seq == nil {
            let health = try JSONParser.parse(try client.expect(path: "/v1/health").body)
            pinned.seq = health["seq"]?.doubleValue.map { Int($0) }
        }
        var views: [ViewName: JSONValue] = [:]
        for name in ViewName.allCases {
            var query = pinned.query
            if name == .coordination, let parties { query += "&parties=" + LedgerClient.encode(parties) }
            views[name] = try JSONParser.parse(try client.expect(path: "/v1/views/\(name.rawValue)?" + query).body)
        }
        if options.format == .json {
            let object = JSONObject(ViewName.allCases.map { (key: $0.rawValue, value: views[$0]!) })
            print(CanonicalJSON.string(.object(object)))
            return
        }
        print(AuditReport(views: views).render())
    }
}

/// The audit report's text, built from the views alone.
struct AuditReport {
    let views: [ViewName: JSONValue]

    func rows(_ name: ViewName) -> [JSONValue] { views[name]?[ViewRenderer.rowsKey(name)]?.arrayValue ?? [] }
    func s(_ v: JSONValue?) -> String { ViewRenderer.cell(v) }

    func render() -> String {
        let inventory = views[.inventory]!
        var out: [String] = []
        out.append(Terminal.bold("Policy audit as of \(s(inventory["at"])) (log seq \(s(inventory["seq"])), root \(s(inventory["root"])))"))
        out.append("")

        let measures = rows(.inventory)
        let active = measures.filter { $0["status"] == "active" }
        var owners: [String: Int] = [:]
        for m in measures { owners[s(m["owner"]), default: 0] += 1 }
        out.append(Terminal.bold("1. Inventory of measures"))
        out.append("   \(measures.count) measures (\(active.count) active, \(measures.count - active.count) ended), by owner:")
        for owner in byteSorted(Array(owners.keys)) { out.append("     \(owner): \(owners[owner]!)") }
        out.append("")

        let reporting = rows(.reporting)
        let summary = views[.reporting]?["summary"]?.objectValue
        out.append(Terminal.bold("2. Reports"))
        out.append("   active measures by reporting status: " + (summary?.members.map { "\($0.key) \(s($0.value))" }.joined(separator: ", ") ?? ""))
        let withoutReports = measures.filter { $0["reports"] == 0 }.count
        out.append("   \(withoutReports) of \(measures.count) measures have no report at all")
        for m in reporting where ["never-reported", "overdue", "unreported"].contains(s(m["status"])) {
            let due = m["due"] == .null ? "" : ", due \(s(m["due"]))"
            out.append("   - \(Terminal.red(s(m["status"]))) \(s(m["id"])) (owner \(s(m["owner"]))\(due))")
        }
        out.append("")

        out.append(Terminal.bold("3. Alignment of child plans with their parent's priorities"))
        let alignment = rows(.alignment)
        if alignment.isEmpty { out.append("   no plan with child plans and adopted priorities") }
        for row in alignment {
            out.append("   \(s(row["plan"])) priority \(s(row["priority"])): \(s(row["children"])) child plans, \(row["adopted"]?.arrayValue?.count ?? 0) adopted")
            if let waived = row["waived"]?.arrayValue, !waived.isEmpty { out.append("     waived (with justification): \(s(row["waived"]))") }
            if let missing = row["missing"]?.arrayValue, !missing.isEmpty { out.append("     " + Terminal.red("did not adopt: \(s(row["missing"]))")) }
        }
        out.append("")

        out.append(Terminal.bold("4. Coordination"))
        let pairs = rows(.coordination)
        let gaps = views[.coordination]?["gaps"]?.arrayValue ?? []
        out.append("   \(pairs.count) pairs of actors, \(gaps.count) without a formal arrangement:")
        for pair in pairs where pair["formal"] == false {
            let informal = (pair["arrangements"]?.arrayValue ?? []).isEmpty ? "nothing at all" : "only informal: \(s(pair["arrangements"]))"
            out.append("   - \(Terminal.red("no formal coordination")) between \(s(pair["a"])) and \(s(pair["b"])) (\(informal))")
        }
        out.append("")

        out.append(Terminal.bold("5. Evaluability"))
        for plan in rows(.evaluability) where plan["evaluable"] == false && plan["measures"] != 0 {
            out.append("   - \(s(plan["plan"])) is \(Terminal.red("not evaluable")): \(s(plan["reasons"]))")
        }
        let evaluable = rows(.evaluability).filter { $0["evaluable"] == true }.map { s($0["plan"]) }
        out.append("   evaluable plans: " + (evaluable.isEmpty ? "none" : evaluable.joined(separator: ", ")))
        out.append("")

        out.append(Terminal.bold("6. Tensions between levels"))
        let conflicts = rows(.coherence)
        if conflicts.isEmpty { out.append("   none") }
        for c in conflicts {
            let ms = c["measures"]?.arrayValue ?? []
            let st = c["stances"]?.arrayValue ?? []
            let kd = c["kinds"]?.arrayValue ?? []
            if ms.count == 2, st.count == 2, kd.count == 2 {
                out.append("   - \(s(c["phenomenon"])): \(s(ms[0])) (\(s(st[0])), \(s(kd[0]))) vs \(s(ms[1])) (\(s(st[1])), \(s(kd[1])))")
            }
        }
        out.append("")

        out.append(Terminal.bold("7. Audit findings"))
        let findings = rows(.findings)
        if findings.isEmpty { out.append("   none") }
        for f in findings {
            let status = s(f["status"])
            let answers = s(f["answers"])
            out.append(
                "   - \(status == "open" ? Terminal.red(status) : status) \(s(f["severity"])) \(s(f["id"])) by \(s(f["auditor"])) (\(answers) \(answers == "1" ? "answer" : "answers"))")
        }
        return out.joined(separator: "\n")
    }
}
