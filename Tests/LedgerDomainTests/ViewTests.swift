import Testing

@testable import LedgerDomain

/// A small ledger built through validation, then projected.
final class ViewLedger {
    let head = MemoryHead()
    var events: [ViewEvent] = []

    @discardableResult
    func add(_ e: JSONValue) throws -> String {
        guard case .accepted(let accepted) = try head.append(e) else { throw LedgerError(.internalError, "not accepted") }
        let event = ViewEvent(line: accepted.line)!
        events.append(event)
        // The binary projection record the store keeps decodes to what the line says.
        if let projection = accepted.projection {
            let decoded = projection.key.withUnsafeBytes { k in projection.value.withUnsafeBytes { ViewRecord.decode(key: k, value: $0) } }
            #expect(decoded?.seq == event.seq && decoded?.time == event.time && decoded?.type == event.type)
            #expect(decoded?.subject == event.subject && decoded?.data == event.data)
        } else {
            #expect(event.type == .eventRetracted)
        }
        return accepted.id
    }

    func view(_ name: ViewName, at: String, seq: UInt64? = nil, parties: [String]? = nil, tensions: [[String]]? = nil) -> JSONValue {
        let cut = ViewCut(at: TimeParser.parse(at, dateOnly: .endOfDay)!, seq: seq ?? UInt64(events.count))
        let state = LedgerState(events: events, cut: cut)
        return Views(tensions: tensions ?? [["harm-reduction", "enforcement"]]).render(
            name, state: state, cut: cut, root: "r", parameters: .init(parties: parties))
    }

    func rows(_ name: ViewName, at: String, seq: UInt64? = nil, parties: [String]? = nil) -> [JSONValue] {
        let key = ["inventory": "measures", "reporting": "measures", "alignment": "plans", "coordination": "pairs",
                   "evaluability": "plans", "coherence": "conflicts", "findings": "findings"][name.rawValue]!
        return view(name, at: at, seq: seq, parties: parties)[key]?.arrayValue ?? []
    }
}

func actorData(_ kind: String) -> JSONObject { ["name": "N", "kind": .string(kind)] }

@Suite("The seven views")
struct ViewTests {
    func base() throws -> ViewLedger {
        let l = ViewLedger()
        try l.add(event("actor.registered", "actor/a", time: "2020-01-01", actorData("regional")))
        try l.add(event("actor.registered", "actor/b", source: "actor/b", time: "2020-01-01", actorData("federal")))
        try l.add(event("actor.registered", "actor/c", source: "actor/c", time: "2020-01-01", actorData("non-profit")))
        try l.add(event("plan.published", "plan/p", time: "2020-01-01", ["title": "P", "issuer": "actor/a", "level": "regional", "period": ["start": "2020-01-01", "end": "2024-12-31"]]))
        return l
    }

    @Test func inventoryAndTheEffectiveTimeBoundary() throws {
        let l = try base()
        try l.add(event("measure.launched", "measure/m", time: "2024-01-10T12:00:00Z", ["title": "M", "owner": "actor/a", "stance": "prevention", "plan": "plan/p"]))
        try l.add(event("report.filed", "report/r", time: "2024-01-05", ["title": "R", "filer": "actor/a", "kind": "monitoring", "covers": ["measure/m", "plan/p"]]))
        try l.add(event("measure.ended", "measure/m", time: "2024-02-01", [:]))
        #expect(l.rows(.inventory, at: "2024-01-10T11:59:59Z").isEmpty)
        let row = try #require(l.rows(.inventory, at: "2024-01-10T12:00:00Z").first)
        #expect(row == [
            "id": "measure/m", "title": "M", "owner": "actor/a", "plan": "plan/p", "priority": .null, "stance": "prevention",
            "status": "active", "launched": "2024-01-10T12:00:00Z", "ended": .null, "reports": 1, "lastReport": "2024-01-05T00:00:00Z",
        ])
        #expect(l.rows(.inventory, at: "2024-02-01").first?["status"] == "ended")
        #expect(l.rows(.inventory, at: "2024-02-01").first?["ended"] == "2024-02-01T00:00:00Z")
        // The log cut hides the end recorded later, whatever its effective time.
        #expect(l.rows(.inventory, at: "2024-03-01", seq: 6).first?["status"] == "active")
        let v = l.view(.inventory, at: "2024-02-01", seq: 99)
        #expect(v["at"] == "2024-02-01T23:59:59Z")
    }

    @Test func reportingDuesAndStatuses() throws {
        let l = try base()
        try l.add(event("measure.launched", "measure/m", time: "2024-01-31T08:00:00Z", ["title": "M", "owner": "actor/a", "stance": "prevention"]))
        try l.add(event("reporting.required", "measure/m", time: "2024-01-31T08:00:00Z", ["to": "actor/b", "every": "P1M"]))
        try l.add(event("measure.launched", "measure/n", time: "2024-01-01", ["title": "N", "owner": "actor/b", "stance": "enforcement"]))
        // Month-end clamping: 2024-01-31 + P1M = 2024-02-29, time of day kept.
        var row = l.rows(.reporting, at: "2024-02-29T08:00:00Z").first { $0["id"] == "measure/m" }!
        #expect(row["due"] == "2024-02-29T08:00:00Z")
        #expect(row["status"] == "ok")  // due exactly at `at` is still ok
        #expect(row["obligation"] == ["to": "actor/b", "every": "P1M", "since": "2024-01-31T08:00:00Z"])
        row = l.rows(.reporting, at: "2024-02-29T08:00:01Z").first { $0["id"] == "measure/m" }!
        #expect(row["status"] == "never-reported")
        try l.add(event("report.filed", "report/r1", time: "2024-03-15", ["title": "R", "filer": "actor/a", "kind": "monitoring", "covers": ["measure/m"]]))
        row = l.rows(.reporting, at: "2024-04-16").first { $0["id"] == "measure/m" }!
        #expect(row["due"] == "2024-04-15T00:00:00Z")
        #expect(row["status"] == "overdue")
        #expect(row["lastReport"] == "2024-03-15T00:00:00Z")
        let other = l.rows(.reporting, at: "2024-04-16").first { $0["id"] == "measure/n" }!
        #expect(other["status"] == "unreported" && other["due"] == .null && other["obligation"] == .null)
        #expect(l.view(.reporting, at: "2024-04-16")["summary"] == ["ok": 0, "overdue": 1, "never-reported": 0, "reported": 0, "unreported": 1])
    }

    @Test func retractionsCountByLogPosition() throws {
        let l = try base()
        try l.add(event("measure.launched", "measure/m", time: "2024-01-01", ["title": "M", "owner": "actor/a", "stance": "prevention"]))
        let amendment = try l.add(event("measure.amended", "measure/m", time: "2024-01-02", ["title": "Wrong"]))
        try l.add(event("event.retracted", "measure/m", time: "2024-01-03", ["target": .string(amendment), "reason": "typo"]))
        #expect(l.rows(.inventory, at: "2024-12-31", seq: 6).first?["title"] == "Wrong")  // before the retraction's seq
        #expect(l.rows(.inventory, at: "2024-12-31", seq: 7).first?["title"] == "M")  // after it
        // The retraction's own effective time plays no part.
        #expect(l.rows(.inventory, at: "2024-01-02", seq: 7).first?["title"] == "M")
    }

    @Test func alignmentWithWaivedAndMissingChildren() throws {
        let l = try base()
        try l.add(event("priority.adopted", "plan/p", time: "2020-01-01", ["priority": "drugs"]))
        for z in ["z1", "z2", "z3"] {
            try l.add(event("plan.published", "plan/\(z)", time: "2020-02-01", ["title": "Z", "issuer": "actor/a", "level": "zonal", "period": ["start": "2020-01-01", "end": "2025-12-31"], "parent": "plan/p"]))
        }
        try l.add(event("priority.adopted", "plan/z2", time: "2020-03-01", ["priority": "drugs"]))
        try l.add(event("priority.waived", "plan/z3", time: "2020-03-01", ["priority": "drugs", "justification": "not significant"]))
        let row = try #require(l.rows(.alignment, at: "2024-01-01").first)
        #expect(row == ["plan": "plan/p", "priority": "drugs", "children": 3, "adopted": ["plan/z2"], "waived": ["plan/z3"], "missing": ["plan/z1"]])
        #expect(l.rows(.alignment, at: "2020-02-15").first?["missing"] == ["plan/z1", "plan/z2", "plan/z3"])
        #expect(l.rows(.alignment, at: "2020-01-15").isEmpty)  // no visible child yet
    }

    @Test func coordinationGapsAndAnEndAfterTheCut() throws {
        let l = try base()
        try l.add(event("coordination.established", "coordination/f", time: "2021-01-01", ["parties": ["actor/a", "actor/b"], "form": "protocol"]))
        try l.add(event("coordination.established", "coordination/i", time: "2021-01-01", ["parties": ["actor/a", "actor/c"], "form": "informal"]))
        try l.add(event("coordination.ended", "coordination/f", time: "2023-06-01", [:]))
        let parties = ["actor/c", "actor/b", "actor/a", "actor/b"]
        let before = l.view(.coordination, at: "2023-05-31", parties: parties)
        #expect(before["pairs"]?.arrayValue?.first == ["a": "actor/a", "b": "actor/b", "formal": true, "arrangements": ["coordination/f"]])
        #expect(before["gaps"] == [["actor/a", "actor/c"], ["actor/b", "actor/c"]])
        let after = l.view(.coordination, at: "2023-06-01", parties: parties)
        #expect(after["gaps"] == [["actor/a", "actor/b"], ["actor/a", "actor/c"], ["actor/b", "actor/c"]])
        #expect(after["pairs"]?.arrayValue?[1]["arrangements"] == ["coordination/i"])
        #expect(l.view(.coordination, at: "2023-06-01", parties: ["actor/a"])["pairs"] == [])
    }

    @Test func evaluabilityCoherenceAndFindings() throws {
        let l = try base()
        try l.add(event("measure.launched", "measure/h", time: "2022-01-01", ["title": "H", "owner": "actor/c", "stance": "harm-reduction", "plan": "plan/p", "phenomenon": "public-use", "objective": "o", "indicators": ["i"], "baseline": ["i": 1]]))
        try l.add(event("measure.launched", "measure/e", time: "2022-01-01", ["title": "E", "owner": "actor/b", "stance": "enforcement", "plan": "plan/p", "phenomenon": "public-use"]))
        try l.add(event("measure.launched", "measure/f", time: "2022-01-01", ["title": "F", "owner": "actor/b", "stance": "harm-reduction", "phenomenon": "public-use"]))
        try l.add(event("report.filed", "report/ev", time: "2023-01-01", ["title": "Ev", "filer": "actor/a", "kind": "evaluation", "covers": ["plan/p", "measure/h"]]))
        let plan = try #require(l.rows(.evaluability, at: "2024-01-01").first)
        #expect(plan["measures"] == 2 && plan["withObjective"] == 1 && plan["withIndicators"] == 1 && plan["withBaseline"] == 1)
        #expect(plan["reported"] == 1 && plan["evaluations"] == 1 && plan["evaluable"] == false)
        #expect(plan["reasons"]?.arrayValue?.count == 3)
        let conflicts = l.rows(.coherence, at: "2024-01-01")
        // e (enforcement, federal) vs f (harm-reduction, federal): same kind, no conflict.
        #expect(conflicts == [["phenomenon": "public-use", "measures": ["measure/e", "measure/h"], "stances": ["enforcement", "harm-reduction"], "kinds": ["federal", "non-profit"]]])
        #expect(l.view(.coherence, at: "2024-01-01", tensions: [["prevention", "treatment"]])["conflicts"] == [])
        try l.add(event("finding.recorded", "finding/x", time: "2023-05-01", ["auditor": "actor/a", "about": ["plan/p", "actor/c", "measure/e"], "severity": "major", "text": "t"]))
        #expect(l.rows(.findings, at: "2024-01-01").first?["status"] == "open")
        #expect(l.rows(.findings, at: "2024-01-01").first?["about"] == ["actor/c", "measure/e", "plan/p"])
        try l.add(event("finding.answered", "finding/x", time: "2023-06-01", ["by": "actor/c", "response": "r", "status": "accepted"]))
        try l.add(event("finding.answered", "finding/x", time: "2023-07-01", ["by": "actor/c", "response": "r", "status": "implemented"]))
        #expect(l.rows(.findings, at: "2023-06-15").first?["status"] == "accepted")
        let f = l.rows(.findings, at: "2024-01-01").first!
        #expect(f["status"] == "implemented" && f["answers"] == 2 && f["time"] == "2023-05-01T00:00:00Z")
    }

    /// Property: the view at (at, seq) equals the same view over a fresh ledger holding only
    /// the events up to seq.
    @Test func aLogCutEqualsAFreshLedgerOfThePrefix() throws {
        var rng = SplitMixDomain(seed: 7)
        for round in 0..<20 {
            let l = try base()
            var subjects: [String] = []
            for i in 0..<40 {
                let time = "2023-\(String(format: "%02d", Int(rng.next() % 12) + 1))-\(String(format: "%02d", Int(rng.next() % 28) + 1))"
                let pick = rng.next() % 5
                if pick == 0 || subjects.isEmpty {
                    let stance = Vocabulary.stances[Int(rng.next() % UInt64(Vocabulary.stances.count))]
                    let owner = ["actor/a", "actor/b", "actor/c"][Int(rng.next() % 3)]
                    if (try? l.add(event("measure.launched", "measure/m\(i)", time: time, ["title": "M", "owner": .string(owner), "stance": .string(stance), "plan": "plan/p", "phenomenon": "x"]))) != nil {
                        subjects.append("measure/m\(i)")
                    }
                } else {
                    let s = subjects[Int(rng.next() % UInt64(subjects.count))]
                    switch pick {
                    case 1: _ = try? l.add(event("report.filed", "report/r\(i)", time: time, ["title": "R", "filer": "actor/a", "kind": "evaluation", "covers": [.string(s)]]))
                    case 2: _ = try? l.add(event("measure.amended", s, time: time, ["objective": .string("o\(i)")]))
                    case 3: _ = try? l.add(event("reporting.required", s, time: time, ["to": "actor/a", "every": "P3M"]))
                    default: _ = try? l.add(event("measure.ended", s, time: time, [:]))
                    }
                }
            }
            let cutSeq = UInt64(rng.next() % UInt64(l.events.count)) + 1
            let prefix = ViewLedger()
            prefix.events = Array(l.events.prefix(Int(cutSeq)))
            for name in ViewName.allCases {
                #expect(l.view(name, at: "2023-09-30", seq: cutSeq) == prefix.view(name, at: "2023-09-30"), "round \(round) \(name)")
            }
        }
    }
}

struct SplitMixDomain {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Projection records")
struct ViewRecordTests {
    /// Keys sort in fold order: by time (before 1970 too), then seq.
    @Test func keysSortByTimeThenSeq() {
        let cases: [(Int64, UInt64)] = [(-4_354_000_000, 9), (-1, 1), (0, 7), (0, 8), (1_706_140_799, 2), (1_706_140_800, 1)]
        let keys = cases.map { ViewRecord.key(time: Timestamp(seconds: $0.0), seq: $0.1) }
        for (a, b) in zip(keys, keys.dropFirst()) { #expect(a.lexicographicallyPrecedes(b)) }
        for (key, expected) in zip(keys, cases) {
            let decoded = key.withUnsafeBytes { ViewRecord.decodeKey($0) }
            #expect(decoded.time.seconds == expected.0 && decoded.seq == expected.1)
        }
    }

    /// Every member kind survives the round trip; truncated records are refused, not misread.
    @Test func recordsRoundTripAndTruncationIsRefused() throws {
        let object = try JSONParser.parse(Array(#"{"title":"Été","indicators":[{"a":1},2],"covers":["measure/a","plan/b"],"baseline":{"x":1,"y":2},"objective":null,"ignored":"x","kind":"ngo"}"#.utf8)).objectValue!
        let data = ViewData(object)
        #expect(data.members.map(\.key) == ["kind", "title", "objective", "indicators", "baseline", "covers"])
        let key = ViewRecord.key(time: Timestamp(seconds: 86_400), seq: 42)
        let value = ViewRecord.encode(type: .measureLaunched, subject: "measure/été", data: data)
        // What appends store, encoded straight from the event's data, is the same record.
        #expect(ViewRecord.encode(type: .measureLaunched, subject: "measure/été", object: object) == value)
        let event = try #require(key.withUnsafeBytes { k in value.withUnsafeBytes { ViewRecord.decode(key: k, value: $0) } })
        #expect(event.seq == 42 && event.time.seconds == 86_400 && event.type == .measureLaunched && event.subject == "measure/été")
        #expect(event.data == data)
        #expect(event.data.count("indicators") == 2 && event.data.count("baseline") == 2 && event.data.strings("covers") == ["measure/a", "plan/b"])
        #expect(event.data.text("objective") == nil && event.data.text("title") == "Été")
        for cut in 0..<value.count {
            let truncated = Array(value.prefix(cut))
            #expect(key.withUnsafeBytes { k in truncated.withUnsafeBytes { ViewRecord.decode(key: k, value: $0) } } == nil)
        }
    }
}
