/// The rules that depend on the subject's head state (`invalid-state`), and the resolution of
/// a retraction's target (`unknown-reference` before `invalid-state`).
enum StateRules {
    /// Returns, for a retraction, the target's seq and its references; throws when a rule fails.
    /// `key` is the event's `SubjectState.Entry.key`: the priority of a priority event, the
    /// target of a retraction.
    static func check(
        _ envelope: Envelope, key: String, state: SubjectState, head: HeadState
    ) throws -> (seq: UInt64, references: [Subject])? {
        switch envelope.type {
        case .priorityAdopted:
            let priority = key
            if state.position(of: priority) == .adopted {
                throw LedgerError(.invalidState, "\(priority) is already adopted in \(envelope.subject)")
            }
        case .priorityDropped:
            let priority = key
            if state.position(of: priority) != .adopted {
                throw LedgerError(.invalidState, "\(priority) is not currently adopted in \(envelope.subject)")
            }
        case .priorityWaived:
            let priority = key
            switch state.position(of: priority) {
            case .adopted: throw LedgerError(.invalidState, "\(priority) is adopted in \(envelope.subject)")
            case .waived: throw LedgerError(.invalidState, "\(priority) is already waived in \(envelope.subject)")
            case .none: break
            }
        case .measureAmended, .measureEnded, .reportingRequired, .coordinationEnded:
            if state.ended { throw LedgerError(.invalidState, "\(envelope.subject) has ended") }
        case .eventRetracted:
            return try checkRetraction(envelope, target: key, state: state, head: head)
        default:
            break
        }
        return nil
    }

    private static func checkRetraction(
        _ envelope: Envelope, target: String, state: SubjectState, head: HeadState
    ) throws -> (seq: UInt64, references: [Subject]) {
        guard let entry = state.entries.first(where: { $0.id == target }) else {
            throw LedgerError(.unknownReference, "target \(target) is not an event on \(envelope.subject)")
        }
        if entry.type == .eventRetracted {
            throw LedgerError(.invalidState, "target \(target) is a retraction; retractions cannot be retracted")
        }
        if entry.retracted {
            throw LedgerError(.invalidState, "target \(target) is already retracted")
        }
        if entry.type.isCreation {
            let standing = state.entries.filter {
                $0.seq != entry.seq && $0.type != .eventRetracted && !$0.retracted
            }
            if let other = standing.first {
                throw LedgerError(
                    .invalidState,
                    "the creation of \(envelope.subject) can be retracted only after its other events; \(other.id) still stands")
            }
            if try head.hasReferrers(envelope.subject) {
                throw LedgerError(
                    .invalidState, "the creation of \(envelope.subject) cannot be retracted while other events refer to it")
            }
        }
        guard let stored = try head.storedEvent(id: target),
            case .object(let line)? = try? JSONParser.parse(stored.line),
            case .string(let typeName)? = line["type"], let type = EventType(rawValue: typeName),
            case .object(let targetData)? = line["data"]
        else {
            throw LedgerError(.internalError, "stored event \(target) could not be read")
        }
        return (stored.seq, type.references(in: targetData))
    }
}
