import Testing

@testable import LedgerDomain

@Suite("Validation: every rule and problem code")
struct ValidationTests {
    @Test func acceptsTheCatalogueAndBuildsTheCanonicalLine() throws {
        let head = try seededHead()
        let outcome = try head.append(
            event("measure.amended", "measure/m", id: "x1", ["baseline": ["visits": 12.50], "indicators": ["visits"]])
                .with("evidence", ["https://example.org/doc"]).with("specversion", "1.0"))
        guard case .accepted(let e) = outcome else { Issue.record("expected acceptance"); return }
        let line = String(decoding: e.line, as: UTF8.self)
        #expect(
            line == "{\"data\":{\"baseline\":{\"visits\":12.5},\"indicators\":[\"visits\"]},\"datacontenttype\":\"application/json\","
                + "\"evidence\":[\"https://example.org/doc\"],\"id\":\"x1\",\"recorded\":\"2026-01-05T10:00:00.000Z\",\"recordedby\":\"tester\","
                + "\"seq\":5,\"source\":\"actor/a\",\"specversion\":\"1.0\",\"streamversion\":2,\"subject\":\"measure/m\","
                + "\"time\":\"2024-01-01T00:00:00Z\",\"type\":\"measure.amended\"}")
        #expect(e.leafHash == Validator.leafHash(e.line))
        #expect(e.streamVersion == 2)
    }

    @Test func assignsALowerCaseUUIDv4() throws {
        let head = MemoryHead()
        guard case .accepted(let e) = try head.append(event("actor.registered", "actor/a", ["name": "A", "kind": "regional"]))
        else { Issue.record("expected acceptance"); return }
        #expect(e.id.count == 36)
        #expect(e.id == e.id.lowercased())
        #expect(Array(e.id)[14] == "4")
    }

    @Test func envelopeErrors() throws {
        let head = try seededHead()
        let good = event("measure.ended", "measure/m", ["reason": "done"])
        #expect(head.code(.array([])) == .invalidField)
        #expect(head.code(good.with("id", "has space")) == .invalidField)
        #expect(head.code(good.with("id", .null)) == .invalidField)
        #expect(head.code(good.with("colour", "red")) == .unknownField)
        #expect(head.code(good.with("time", nil)) == .missingField)
        #expect(head.code(good.with("type", 3)) == .invalidField)
        #expect(head.code(good.with("type", "measure.exploded")) == .unknownType)
        #expect(head.code(good.with("subject", "measure/Bad")) == .invalidSubject)
        #expect(head.code(good.with("subject", "plan/p")) == .invalidSubject)
        #expect(head.code(good.with("subject", .null)) == .invalidField)
        #expect(head.code(good.with("source", "plan/p")) == .invalidField)
        #expect(head.code(good.with("time", "yesterday")) == .invalidTime)
        #expect(head.code(good.with("time", .null)) == .invalidField)
        #expect(head.code(good.with("time", "2026-01-06T10:00:01Z")) == .invalidTime)
        #expect(head.code(good.with("specversion", "0.3")) == .invalidField)
        #expect(head.code(good.with("datacontenttype", "text/plain")) == .invalidField)
        #expect(head.code(good.with("evidence", [])) == .invalidField)
        #expect(head.code(good.with("evidence", ["x", "x"])) == .invalidField)
        #expect(head.code(good.with("expectedversion", 1.5)) == .invalidField)
        #expect(head.code(good.with("expectedversion", 1e0)) == .invalidField)
        #expect(head.code(good.with("data", "x")) == .invalidField)
        #expect(head.code(good.with("source", "actor/nobody")) == .unknownReference)
        // The 24-hour bound is inclusive.
        #expect(head.code(good.with("time", "2026-01-06T10:00:00Z")) == nil)
    }

    @Test func theFirstFailingRuleWins() throws {
        let head = try seededHead()
        // unknown attribute beats missing attribute beats attribute values.
        #expect(head.code(event("nope", "x").with("extra", 1).with("data", nil)) == .unknownField)
        #expect(head.code(event("nope", "x").with("data", nil)) == .missingField)
        // type before subject before source before time.
        #expect(head.code(event("nope", "bad", source: "bad", time: "bad")) == .unknownType)
        #expect(head.code(event("measure.ended", "bad", source: "bad", time: "bad")) == .invalidSubject)
        #expect(head.code(event("measure.ended", "measure/m", source: "bad", time: "bad")) == .invalidField)
        // data: unknown field before missing field before values.
        #expect(head.code(event("actor.registered", "actor/c", ["nmae": "C", "kind": "nope"])) == .unknownField)
        #expect(head.code(event("actor.registered", "actor/c", ["kind": "nope"])) == .missingField)
        // version-conflict before already-exists; not-found before time before creation.
        #expect(head.code(event("actor.registered", "actor/a", ["name": "A", "kind": "regional"]).with("expectedversion", 0)) == .versionConflict)
        #expect(head.code(event("measure.ended", "measure/zz", time: "2000-01-01")) == .notFound)
        #expect(head.code(event("measure.ended", "measure/m", time: "2023-12-31")) == .invalidTime)
        // unknown-reference: source before fields; fields in catalogue order.
        #expect(head.code(event("measure.amended", "measure/m", source: "actor/zz", ["owner": "actor/yy"])) == .unknownReference)
        #expect(head.code(event("measure.amended", "measure/m", ["owner": "actor/yy", "plan": "plan/zz"])) == .unknownReference)
    }

    @Test func theTimeBoundKeepsItsPlaceAfterTheWriterTakesIt() throws {
        // `prepare` runs the shape rules before the recorded time is known; the writer checks
        // the 24-hour bound later, yet a too-late time must still win over every rule after it.
        let head = try seededHead()
        let late = event("measure.ended", "measure/m", time: "2026-01-07", ["reason": "done"])
        #expect(head.code(late.with("specversion", "0.3")) == .invalidTime)
        #expect(head.code(late.with("evidence", [])) == .invalidTime)
        #expect(head.code(late.with("data", "x")) == .invalidTime)
        #expect(head.code(late.with("data", ["reason": ""])) == .invalidTime)
        // ... and lose to the rules before it.
        #expect(head.code(late.with("subject", "measure/Bad")) == .invalidSubject)
        #expect(head.code(late.with("colour", "red")) == .unknownField)
        #expect(head.code(late.with("source", "plan/p")) == .invalidField)
    }

    @Test func theSplicedLineIsTheCanonicalFormOfTheWholeEvent() throws {
        // The writer splices id, recorded, recordedby, seq and streamversion into bytes rendered
        // earlier; the result must be exactly RFC 8785 over the complete stored object.
        let head = MemoryHead()
        let recordedBy = "uid:1000 \"quoted\" été"
        let events: [JSONValue] = [
            event("actor.registered", "actor/a", id: "a-\\-\"x\"", ["name": "Ä \u{1F600} <tab>\t", "kind": "regional"]),
            event("actor.registered", "actor/b", source: "actor/a", ["name": "B", "kind": "federal", "parent": "actor/a"])
                .with("evidence", ["https://example.org/é?q=\u{2028}", "z"]).with("datacontenttype", "application/json"),
            event("measure.launched", "measure/m", time: "2024-01-01T03:04:05.678+02:00", [
                "title": "M", "owner": "actor/b", "stance": "harm-reduction", "baseline": ["b": 9007199254740992, "a": -0.5, "é": 5e-7, "c": 1.5e-300],
                "indicators": [],
            ]).with("specversion", "1.0").with("expectedversion", 0),
        ]
        for (n, value) in events.enumerated() {
            let seq = UInt64(n + 1)
            let context = AppendContext(now: head.now, recorded: "2026-01-05T10:00:00.123Z", recordedBy: recordedBy, seq: seq)
            guard case .accepted(let e) = try head.validator.validate(value, context: context, head: head) else {
                Issue.record("expected acceptance of event \(n)")
                continue
            }
            head.states[e.subject] = e.subjectState
            guard case .object(let input) = value, case .string(let time)? = input["time"] else { continue }
            var whole = JSONObject()
            for key in ["data", "evidence", "source", "subject", "type"] { whole[key] = input[key] }
            whole["time"] = .string(TimeParser.parse(time)!.description)
            whole["specversion"] = "1.0"
            whole["datacontenttype"] = "application/json"
            whole["id"] = .string(e.id)
            whole["recorded"] = "2026-01-05T10:00:00.123Z"
            whole["recordedby"] = .string(recordedBy)
            whole["seq"] = .int(Int(seq))
            whole["streamversion"] = .int(1)
            #expect(e.line == CanonicalJSON.encode(.object(whole)), "event \(n)")
        }
    }

    @Test func sipHashMatchesTheReferenceVectors() {
        // The reference implementation's vectors: key 00..0f, messages 00, 00 01, ... of length 0 to 15.
        let k0: UInt64 = 0x0706_0504_0302_0100
        let k1: UInt64 = 0x0f0e_0d0c_0b0a_0908
        #expect(SipHash24.hash(k0: k0, k1: k1, message: []) == 0x726f_db47_dd0e_0e31)
        #expect(SipHash24.hash(k0: k0, k1: k1, message: Array(0..<8)) == 0x93f5_f579_9a93_2462)
        #expect(SipHash24.hash(k0: k0, k1: k1, message: Array(0..<15)) == 0xa129_ca61_49be_45e5)
        // The 9-byte form the ids use equals the general one.
        #expect(
            SipHash24.hash(k0: k0, k1: k1, word: 0x0706_0504_0302_0100, tail: 8)
                == SipHash24.hash(k0: k0, k1: k1, message: Array(0..<9)))
    }

    @Test func eventTypeCodesArePositionsInTheCatalogue() {
        for (position, type) in EventType.allCases.enumerated() {
            #expect(Int(type.code) == position && EventType(code: type.code) == type)
        }
        #expect(EventType(code: UInt8(EventType.allCases.count)) == nil)
    }

    @Test func assignedIDsAreUUIDv4sThatLeadBackToTheirSeq() throws {
        let ids = try #require(AssignedIDs(key: Array(repeating: 7, count: 32)))
        let other = try #require(AssignedIDs(key: Array(repeating: 8, count: 32)))
        #expect(AssignedIDs(key: [1, 2, 3]) == nil)
        var seen = Set<String>()
        var seqs = Array(UInt64(1)...2000)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 { seqs.append(UInt64.random(in: 1...(1 << 53), using: &rng)) }
        for seq in seqs {
            let id = ids.id(seq: seq)
            let characters = Array(id)
            #expect(id.count == 36 && id == id.lowercased() && EventID.isValid(id))
            #expect(characters[8] == "-" && characters[13] == "-" && characters[18] == "-" && characters[23] == "-")
            #expect(characters[14] == "4" && "89ab".contains(characters[19]), "\(id) is not a UUID v4")
            #expect(ids.seq(of: id) == seq)
            #expect(ids.seq(of: id.uppercased()) == nil)
            seen.insert(id)
        }
        #expect(seen.count == Set(seqs).count)
        // Another key, or any other UUID, leads nowhere (the store also checks the line's id).
        #expect(other.seq(of: ids.id(seq: 42)) == nil)
        #expect(ids.seq(of: "0b8a4d2e-51f6-4c3a-9e7d-2f1a6b5c4d3e") == nil)
        #expect(ids.seq(of: "not-an-id") == nil)
    }

    @Test func dataValues() throws {
        let head = try seededHead()
        func launch(_ data: JSONObject) -> ProblemCode? {
            var base: JSONObject = ["title": "T", "owner": "actor/a", "stance": "prevention"]
            for (k, v) in data.members { base[k] = v }
            return head.code(event("measure.launched", "measure/n\(head.seq)", .init(base.members)))
        }
        #expect(launch(["title": ""]) == .invalidField)
        #expect(launch(["title": .string(String(repeating: "x", count: 10_001))]) == .invalidField)
        #expect(launch(["title": "a\rb"]) == .invalidField)
        #expect(launch(["title": "a\u{7F}b"]) == .invalidField)
        #expect(launch(["title": .null]) == .invalidField)
        #expect(launch(["stance": "kindness"]) == .invalidField)
        #expect(launch(["owner": "plan/p"]) == .invalidField)
        #expect(launch(["owner": "actor/Nope"]) == .invalidField)
        #expect(launch(["priority": "Drugs"]) == .invalidField)
        #expect(launch(["indicators": ["a", "a"]]) == .invalidField)
        #expect(launch(["baseline": ["a": "1"]]) == .invalidField)
        #expect(launch(["baseline": try JSONParser.parse(Array("{\"a\":9007199254740993}".utf8))]) == .invalidField)
        #expect(launch(["baseline": try JSONParser.parse(Array("{\"a\":-9007199254740992.0}".utf8))]) == nil)
        #expect(launch(["baseline": ["a": .number(.infinity, plainInteger: false)]]) == .invalidField)
        #expect(launch(["indicators": [], "baseline": [:]]) == nil)
        #expect(head.code(event("measure.amended", "measure/m", [:])) == .missingField)
        let plan: JSONObject = ["title": "Q", "issuer": "actor/a", "level": "regional"]
        func publish(_ period: JSONValue) -> ProblemCode? {
            var data = plan
            data["period"] = period
            return head.code(event("plan.published", "plan/q\(head.seq)", data))
        }
        #expect(publish(["start": "2024-01-01"]) == .missingField)
        #expect(publish(["start": "2024-01-01", "end": "2024-12-31", "middle": "x"]) == .unknownField)
        #expect(publish(["start": "2024-02-30", "end": "2024-12-31"]) == .invalidField)
        #expect(publish(["start": "2025-01-01", "end": "2024-12-31"]) == .invalidField)
        #expect(publish(["start": "2024-01-01", "end": "2024-01-01"]) == nil)
        #expect(head.code(event("reporting.required", "measure/m", ["to": "actor/a", "every": "P01M"])) == .invalidField)
        #expect(head.code(event("coordination.established", "coordination/c", ["parties": ["actor/a"], "form": "informal"])) == .invalidField)
        #expect(head.code(event("coordination.established", "coordination/c", ["parties": ["actor/a", "actor/a"], "form": "informal"])) == .invalidField)
        #expect(head.code(event("report.filed", "report/r", ["title": "R", "filer": "actor/a", "kind": "audit", "covers": ["actor/a"]])) == .invalidField)
    }

    @Test func repeatsAndIdConflicts() throws {
        let head = try seededHead()
        let first = event("measure.amended", "measure/m", time: "2024-02-01", id: "r1", ["title": "T2"])
        try head.append(first)
        let seq = head.seq
        // Same content, time written differently, expectedversion ignored: a repeat.
        guard case .duplicate(let stored) = try head.append(
            first.with("time", "2024-02-01T01:00:00+01:00").with("expectedversion", 99))
        else { Issue.record("expected a repeat"); return }
        #expect(stored.seq == seq)
        #expect(head.seq == seq)
        #expect(head.code(first.with("data", ["title": "T3"])) == .idConflict)
        // A repeat is judged before any other rule, even on a now-ended measure.
        try head.append(event("measure.ended", "measure/m", time: "2024-03-01", [:]))
        if case .duplicate = try head.append(first) {} else { Issue.record("expected a repeat") }
    }

    @Test func expectedVersion() throws {
        let head = try seededHead()
        #expect(head.code(event("measure.amended", "measure/m", ["title": "x"]).with("expectedversion", 2)) == .versionConflict)
        #expect(head.code(event("measure.amended", "measure/m", ["title": "x"]).with("expectedversion", 1)) == nil)
        #expect(head.code(event("actor.registered", "actor/new", ["name": "N", "kind": "research"]).with("expectedversion", 0)) == nil)
    }

    @Test func priorities() throws {
        let head = try seededHead()
        #expect(head.code(event("priority.dropped", "plan/p", ["priority": "drugs"])) == .invalidState)
        #expect(head.code(event("priority.adopted", "plan/p", ["priority": "drugs"])) == nil)
        #expect(head.code(event("priority.adopted", "plan/p", ["priority": "drugs"])) == .invalidState)
        #expect(head.code(event("priority.waived", "plan/p", ["priority": "drugs", "justification": "j"])) == .invalidState)
        #expect(head.code(event("priority.dropped", "plan/p", ["priority": "drugs", "reason": "r"])) == nil)
        #expect(head.code(event("priority.waived", "plan/p", ["priority": "drugs", "justification": "j"])) == nil)
        #expect(head.code(event("priority.waived", "plan/p", ["priority": "drugs", "justification": "j"])) == .invalidState)
        #expect(head.code(event("priority.waived", "plan/p", ["priority": "other"])) == .missingField)
        // Position follows fold order (time, seq), not arrival: an adoption dated earlier than
        // the waiver leaves the plan waived, so adopting again is allowed.
        #expect(head.code(event("priority.adopted", "plan/p", time: "2024-01-01", ["priority": "drugs"])) == nil)
    }

    @Test func endedSubjects() throws {
        let head = try seededHead()
        try head.append(event("measure.ended", "measure/m", [:]))
        #expect(head.code(event("measure.amended", "measure/m", ["title": "x"])) == .invalidState)
        #expect(head.code(event("measure.ended", "measure/m", [:])) == .invalidState)
        #expect(head.code(event("reporting.required", "measure/m", ["to": "actor/a", "every": "P1M"])) == .invalidState)
        try head.append(event("coordination.established", "coordination/c", ["parties": ["actor/a", "actor/b"], "form": "protocol"]))
        try head.append(event("coordination.ended", "coordination/c", [:]))
        #expect(head.code(event("coordination.ended", "coordination/c", [:])) == .invalidState)
        try head.append(event("finding.recorded", "finding/f", ["auditor": "actor/b", "about": ["measure/m"], "severity": "major", "text": "t"]))
        #expect(head.code(event("finding.answered", "finding/f", ["by": "actor/a", "response": "r", "status": "accepted"])) == nil)
        #expect(head.code(event("finding.answered", "finding/f", ["by": "actor/a", "response": "r", "status": "maybe"])) == .invalidField)
    }

    @Test func retractions() throws {
        let head = try seededHead()
        try head.append(event("measure.amended", "measure/m", id: "am", ["title": "x"]))
        func retract(_ subject: String, _ target: String) -> ProblemCode? {
            head.code(event("event.retracted", subject, ["target": .string(target), "reason": "mistake"]))
        }
        #expect(retract("measure/m", "nope") == .unknownReference)
        #expect(retract("measure/m", "p") == .unknownReference)  // on another subject
        #expect(retract("measure/zz", "am") == .notFound)
        #expect(retract("measure/m", "m") == .invalidState)  // the amendment still stands
        #expect(retract("measure/m", "am") == nil)
        #expect(retract("measure/m", "am") == .invalidState)  // already retracted
        let retraction = head.states[Subject("measure/m")!]!.entries.last!.id
        #expect(retract("measure/m", retraction) == .invalidState)  // a retraction
        #expect(retract("plan/p", "p") == .invalidState)  // measure/m refers to plan/p
        #expect(retract("measure/m", "m") == nil)
        #expect(head.code(event("measure.amended", "measure/m", ["title": "y"])) == .notFound)
        // Now nothing refers to plan/p, and the measure may be created anew; its version keeps counting.
        #expect(retract("plan/p", "p") == nil)
        #expect(head.code(event("measure.launched", "measure/m", ["title": "M", "owner": "actor/a", "stance": "prevention"]).with("expectedversion", 4)) == nil)
        #expect(head.states[Subject("measure/m")!]!.streamVersion == 5)
    }

    @Test func timeBeforeCreationAndLineSize() throws {
        let head = try seededHead()
        #expect(head.code(event("measure.amended", "measure/m", time: "2023-12-31T23:59:59Z", ["title": "x"])) == .invalidTime)
        #expect(head.code(event("measure.amended", "measure/m", time: "2024-01-01T00:00:00Z", ["title": "x"])) == nil)
        let big = (0..<8).map { JSONValue.string(String(repeating: "\($0)", count: 9_000)) }
        #expect(head.code(event("measure.amended", "measure/m", ["indicators": .array(big)])) == .tooLarge)
    }
}
