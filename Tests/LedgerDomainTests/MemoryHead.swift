@testable import LedgerDomain

/// An in-memory head state for pure validation tests: applies accepted events as the store does.
final class MemoryHead: HeadState {
    var states: [Subject: SubjectState] = [:]
    var stored: [String: StoredEvent] = [:]
    var refs: [Subject: Set<UInt64>] = [:]
    var seq: UInt64 = 0
    let validator = Validator()
    var now = TimeParser.parse("2026-01-05T10:00:00Z")!

    func subjectState(_ subject: Subject) throws -> SubjectState? { states[subject] }
    func storedEvent(id: String) throws -> StoredEvent? { stored[id] }
    func hasReferrers(_ subject: Subject) throws -> Bool { !(refs[subject] ?? []).isEmpty }

    /// Validates and, when accepted, applies; returns the outcome or throws the refusal.
    @discardableResult
    func append(_ event: JSONValue) throws -> AppendOutcome {
        let context = AppendContext(now: now, recorded: "2026-01-05T10:00:00.000Z", recordedBy: "tester", seq: seq + 1)
        let outcome = try validator.validate(event, context: context, head: self)
        if case .accepted(let e) = outcome {
            seq = e.seq
            states[e.subject] = e.subjectState
            stored[e.id] = StoredEvent(seq: e.seq, streamVersion: e.streamVersion, leafHash: e.leafHash, line: e.line)
            for r in e.references { refs[r, default: []].insert(e.seq) }
            if let retracted = e.retracted {
                for r in retracted.references { refs[r]?.remove(retracted.seq) }
            }
        }
        return outcome
    }

    /// The problem code `event` is refused with, or nil when it is accepted (and applied).
    func code(_ event: JSONValue) -> ProblemCode? {
        do {
            try append(event)
            return nil
        } catch let error as LedgerError {
            return error.code
        } catch {
            return .internalError
        }
    }
}

/// Builds events for tests.
func event(
    _ type: String, _ subject: String, source: String = "actor/a", time: String = "2024-01-01", id: String? = nil,
    _ data: JSONObject = [:]
) -> JSONValue {
    var object: JSONObject = [
        "source": .string(source), "type": .string(type), "subject": .string(subject), "time": .string(time),
        "data": .object(data),
    ]
    if let id { object["id"] = .string(id) }
    return .object(object)
}

extension JSONValue {
    /// A copy with `key` set (or removed with nil).
    func with(_ key: String, _ value: JSONValue?) -> JSONValue {
        guard case .object(var object) = self else { return self }
        object[key] = value
        return .object(object)
    }
}

/// A head with actor/a (regional) and actor/b (federal), plan/p and measure/m (under plan/p).
func seededHead() throws -> MemoryHead {
    let head = MemoryHead()
    try head.append(event("actor.registered", "actor/a", id: "a", ["name": "A", "kind": "regional"]))
    try head.append(event("actor.registered", "actor/b", source: "actor/b", id: "b", ["name": "B", "kind": "federal"]))
    try head.append(
        event(
            "plan.published", "plan/p", id: "p",
            ["title": "P", "issuer": "actor/a", "level": "regional", "period": ["start": "2024-01-01", "end": "2024-12-31"]]))
    try head.append(
        event("measure.launched", "measure/m", id: "m", ["title": "M", "owner": "actor/a", "stance": "prevention", "plan": "plan/p"]))
    return head
}
