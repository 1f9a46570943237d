/// Computes the views of contract section 5 from a folded state. Pure: the caller supplies
/// the state at the cut and the root hash of the first `cut.seq` leaves.
public struct Views: Sendable {
    /// Unordered stance pairs in tension (coherence).
    public var tensions: [[String]]

    public init(tensions: [[String]] = [["harm-reduction", "enforcement"]]) {
        self.tensions = tensions
    }

    /// The parameters a view takes besides the cut.
    public struct Parameters: Sendable {
        /// coordination: the actors to pair (nil: owners of active measures).
        public var parties: [String]?
        public init(parties: [String]? = nil) { self.parties = parties }
    }

    /// The view's answer: `at`, `seq`, `root`, then its own fields.
    public func render(
        _ name: ViewName, state: LedgerState, cut: ViewCut, root: String, parameters: Parameters = .init()
    ) -> JSONValue {
        var object: JSONObject = [
            "at": .string(cut.at.description), "seq": .number(Double(cut.seq), plainInteger: true), "root": .string(root),
        ]
        let body: JSONObject
        switch name {
        case .inventory: body = inventory(state)
        case .reporting: body = reporting(state, at: cut.at)
        case .alignment: body = alignment(state)
        case .coordination: body = coordination(state, parties: parameters.parties)
        case .evaluability: body = evaluability(state)
        case .coherence: body = coherence(state)
        case .findings: body = findings(state)
        }
        for (key, value) in body.members { object[key] = value }
        return .object(object)
    }

    static func string(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
    static func time(_ t: Timestamp?) -> JSONValue { t.map { .string($0.description) } ?? .null }
    static func ids(_ list: [String]) -> JSONValue { .array(byteSorted(list).map { .string($0) }) }

    func inventory(_ state: LedgerState) -> JSONObject {
        let reports = state.reportsBySubject()
        let rows: [JSONValue] = byteSorted(Array(state.measures.keys)).map { id in
            let m = state.measures[id]!
            let r = reports[id]
            return [
                "id": .string(id), "title": Self.string(m.text("title")), "owner": Self.string(m.text("owner")),
                "plan": Self.string(m.text("plan")), "priority": Self.string(m.text("priority")),
                "stance": Self.string(m.text("stance")), "status": m.ended == nil ? "active" : "ended",
                "launched": Self.time(m.launched), "ended": Self.time(m.ended), "reports": .int(r?.count ?? 0),
                "lastReport": Self.time(r?.last),
            ]
        }
        return ["measures": .array(rows)]
    }

    /// The reporting statuses, in the order the summary lists them.
    public static let reportingStatuses = ["ok", "overdue", "never-reported", "reported", "unreported"]

    func reporting(_ state: LedgerState, at: Timestamp) -> JSONObject {
        let reports = state.reportsBySubject()
        var summary = Dictionary(uniqueKeysWithValues: Self.reportingStatuses.map { ($0, 0) })
        var rows: [JSONValue] = []
        for id in byteSorted(Array(state.measures.keys)) {
            let m = state.measures[id]!
            guard m.ended == nil else { continue }
            let last = reports[id]?.last
            var obligation: JSONValue = .null
            var due: Timestamp?
            let status: String
            if let o = m.obligation, let period = ReportingPeriod(o.every) {
                obligation = ["to": .string(o.to), "every": .string(o.every), "since": Self.time(o.since)]
                let anchor = max(o.since, last ?? o.since)
                let d = period.added(to: anchor)
                due = d
                status = at <= d ? "ok" : last == nil ? "never-reported" : "overdue"
            } else {
                status = last == nil ? "unreported" : "reported"
            }
            summary[status, default: 0] += 1
            rows.append([
                "id": .string(id), "owner": Self.string(m.text("owner")), "obligation": obligation,
                "lastReport": Self.time(last), "due": Self.time(due), "status": .string(status),
            ])
        }
        let summaryObject = JSONObject(Self.reportingStatuses.map { (key: $0, value: JSONValue.int(summary[$0]!)) })
        return ["measures": .array(rows), "summary": .object(summaryObject)]
    }

    func alignment(_ state: LedgerState) -> JSONObject {
        var children: [String: [String]] = [:]
        for (id, plan) in state.plans {
            if let parent = plan.parent { children[parent, default: []].append(id) }
        }
        var rows: [JSONValue] = []
        for planID in byteSorted(Array(children.keys)) {
            guard let plan = state.plans[planID] else { continue }
            let kids = children[planID]!
            let adoptedPriorities = plan.positions.filter { $0.value == .adopted }.map(\.key)
            for priority in byteSorted(adoptedPriorities) {
                var adopted: [String] = []
                var waived: [String] = []
                var missing: [String] = []
                for kid in kids {
                    switch state.plans[kid]?.positions[priority] ?? .none {
                    case .adopted: adopted.append(kid)
                    case .waived: waived.append(kid)
                    case .none: missing.append(kid)
                    }
                }
                rows.append([
                    "plan": .string(planID), "priority": .string(priority), "children": .int(kids.count),
                    "adopted": Self.ids(adopted), "waived": Self.ids(waived), "missing": Self.ids(missing),
                ])
            }
        }
        return ["plans": .array(rows)]
    }

    func coordination(_ state: LedgerState, parties requested: [String]?) -> JSONObject {
        let parties: [String]
        if let requested {
            parties = byteSorted(Array(Set(requested)))
        } else {
            parties = byteSorted(Array(Set(state.measures.values.filter { $0.ended == nil }.compactMap { $0.text("owner") })))
        }
        var pairs: [JSONValue] = []
        var gaps: [JSONValue] = []
        for i in parties.indices {
            for j in parties.indices where j > i {
                let a = parties[i]
                let b = parties[j]
                let arrangements = state.coordinations.filter { !$0.value.ended && $0.value.parties.contains(a) && $0.value.parties.contains(b) }
                let formal = arrangements.values.contains { $0.form != "informal" }
                pairs.append([
                    "a": .string(a), "b": .string(b), "formal": .bool(formal), "arrangements": Self.ids(Array(arrangements.keys)),
                ])
                if !formal { gaps.append([.string(a), .string(b)]) }
            }
        }
        return ["pairs": .array(pairs), "gaps": .array(gaps)]
    }

    func evaluability(_ state: LedgerState) -> JSONObject {
        let reports = state.reportsBySubject()
        var rows: [JSONValue] = []
        for planID in byteSorted(Array(state.plans.keys)) {
            let measures = state.measures.filter { $0.value.text("plan") == planID }
            let withObjective = measures.values.filter { $0.text("objective") != nil }.count
            let withIndicators = measures.values.filter { $0.count("indicators") > 0 }.count
            let withBaseline = measures.values.filter { $0.count("baseline") > 0 }.count
            let reported = measures.keys.filter { (reports[$0]?.count ?? 0) > 0 }.count
            let covered = Set(measures.keys).union([planID])
            let evaluations = state.reports.values.filter {
                ($0.kind == "evaluation" || $0.kind == "audit") && !covered.isDisjoint(with: $0.covers)
            }.count
            let n = measures.count
            var reasons: [String] = []
            if n == 0 {
                reasons.append("no measures under the plan")
            } else {
                if withObjective < n { reasons.append("\(n - withObjective) of \(n) measures have no objective") }
                if withIndicators < n { reasons.append("\(n - withIndicators) of \(n) measures have no indicator") }
                if reported < n { reasons.append("\(n - reported) of \(n) measures have no report") }
            }
            rows.append([
                "plan": .string(planID), "measures": .int(n), "withObjective": .int(withObjective),
                "withIndicators": .int(withIndicators), "withBaseline": .int(withBaseline), "reported": .int(reported),
                "evaluations": .int(evaluations), "evaluable": .bool(reasons.isEmpty),
                "reasons": .array(reasons.map { .string($0) }),
            ])
        }
        return ["plans": .array(rows)]
    }

    func coherence(_ state: LedgerState) -> JSONObject {
        let tensionPairs = Set(tensions.map { Set($0) })
        let active = byteSorted(state.measures.filter { $0.value.ended == nil && $0.value.text("phenomenon") != nil }.map(\.key))
        var conflicts: [(phenomenon: String, a: String, b: String, value: JSONValue)] = []
        for i in active.indices {
            for j in active.indices where j > i {
                let a = state.measures[active[i]]!
                let b = state.measures[active[j]]!
                guard let phenomenon = a.text("phenomenon"), phenomenon == b.text("phenomenon"),
                    let sa = a.text("stance"), let sb = b.text("stance"), sa != sb, tensionPairs.contains([sa, sb]),
                    let oa = a.text("owner"), let ob = b.text("owner"),
                    let ka = state.actors[oa]?.kind, let kb = state.actors[ob]?.kind, ka != kb
                else { continue }
                conflicts.append((phenomenon, active[i], active[j], [
                    "phenomenon": .string(phenomenon), "measures": [.string(active[i]), .string(active[j])],
                    "stances": [.string(sa), .string(sb)], "kinds": [.string(ka), .string(kb)],
                ]))
            }
        }
        conflicts.sort { x, y in
            x.phenomenon != y.phenomenon ? byteLess(x.phenomenon, y.phenomenon) : x.a != y.a ? byteLess(x.a, y.a) : byteLess(x.b, y.b)
        }
        return ["conflicts": .array(conflicts.map(\.value))]
    }

    func findings(_ state: LedgerState) -> JSONObject {
        let rows: [JSONValue] = byteSorted(Array(state.findings.keys)).map { id in
            let f = state.findings[id]!
            return [
                "id": .string(id), "auditor": .string(f.auditor), "severity": .string(f.severity), "about": Self.ids(f.about),
                "time": Self.time(f.time), "status": .string(f.status ?? "open"), "answers": .int(f.answers),
            ]
        }
        return ["findings": .array(rows)]
    }
}
