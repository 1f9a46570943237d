import Foundation
import Crypto

/// Checks one event against the contract's rules, in the contract's order of precedence
/// (section 10, "Which error wins"), and builds its canonical line.
///
/// Validation runs in two steps. `prepare` needs no head state: it checks the event's shape,
/// envelope and data and renders everything about it that does not depend on the log, so it
/// can run on any thread, before the event reaches the writer. `validate(_:context:head:)`
/// then runs on the writer, against the head: repeats, the 24-hour bound on `time` (measured
/// from the commit's recorded time), the state rules, and the commit's own members. A shape
/// error found by `prepare` is raised there, in its place in the order of precedence.
public struct Validator: Sendable {
    /// The largest canonical line, in bytes.
    public static let maxLineBytes = 64 * 1024

    public init() {}

    /// Validates `value` against `head`; throws `LedgerError` for the first failing rule.
    public func validate(_ value: JSONValue, context: AppendContext, head: HeadState) throws -> AppendOutcome {
        try validate(prepare(value), context: context, head: head)
    }

    /// The rules that need no head state, and the event's rendered parts.
    public func prepare(_ value: JSONValue) -> PreparedEvent {
        guard case .object(let event) = value else {
            return PreparedEvent(failure: LedgerError(.invalidField, "an event must be a JSON object"))
        }
        let attributes = Attributes(event)
        var id: String?
        if let raw = attributes.id {
            guard case .string(let s) = raw, EventID.isValid(s) else {
                return PreparedEvent(failure: LedgerError(.invalidField, "id must be 1 to 128 characters from '!' to '~'"))
            }
            id = s
        }
        // The event itself is kept only for the repeat check, which needs an id: without one,
        // its JSON tree is freed here, on the thread that built it, and not by whoever drops
        // the prepared event later (freeing across threads cost glibc's allocator more).
        var prepared = PreparedEvent(event: id == nil ? JSONObject() : event, id: id)
        do {
            if let key = attributes.firstUnknown {
                throw LedgerError(.unknownField, "unknown attribute \"\(key)\"")
            }
            if let key = attributes.firstMissing {
                throw LedgerError(.missingField, "missing attribute \"\(key)\"")
            }
            let envelope = try Envelope.check(attributes, timeParsed: { prepared.time = $0 })
            guard case .object(let data) = attributes.data! else {
                throw LedgerError(.invalidField, "data must be a JSON object")
            }
            try DataRules.check(data, of: envelope.type)
            prepared.checked = Self.render(attributes, envelope: envelope, data: data)
        } catch let error as LedgerError {
            prepared.failure = error
            prepared.failureFollowsTime = prepared.time != nil
        } catch {
            prepared.failure = LedgerError(.internalError, "validation failed: \(error)")
        }
        return prepared
    }

    /// Everything about a well-formed event that does not depend on the log.
    private static func render(_ event: Attributes, envelope: Envelope, data: JSONObject) -> PreparedEvent.Checked {
        let references = envelope.type == .eventRetracted ? [] : envelope.type.referenceFields(in: data)
        var key = ""
        switch envelope.type {
        case .priorityAdopted, .priorityDropped, .priorityWaived: key = data["priority"]?.stringValue ?? ""
        case .eventRetracted: key = data["target"]?.stringValue ?? ""
        default: break
        }
        let subject = envelope.subject.description
        return PreparedEvent.Checked(
            envelope: envelope, subjectKey: Array(subject.utf8), references: references, referenced: EventType.distinct(references),
            entryKey: key, line: CanonicalLine.parts(event: event, time: envelope.time),
            viewRecord: envelope.type == .eventRetracted
                ? nil : ViewRecord.encode(type: envelope.type, subject: subject, object: data))
    }

    /// Validates a prepared event against `head`; throws `LedgerError` for the first failing rule.
    public func validate(_ prepared: PreparedEvent, context: AppendContext, head: HeadState) throws -> AppendOutcome {
        // id shape, then repeats.
        if let id = prepared.id, let stored = try head.storedEvent(id: id) {
            if try Repeats.sameContent(prepared.event, storedLine: stored.line) { return .duplicate(stored) }
            throw LedgerError(.idConflict, "id \(id) is already stored with other content (seq \(stored.seq))")
        }
        if let failure = prepared.failure, !prepared.failureFollowsTime { throw failure }
        if let time = prepared.time, time.seconds > context.now.seconds + 86_400 {
            throw LedgerError(.invalidTime, "time \(time) is more than 24 hours after the recorded time")
        }
        if let failure = prepared.failure { throw failure }
        let checked = prepared.checked!
        let envelope = checked.envelope

        let state = try head.subjectState(envelope.subject)
        let version = state?.streamVersion ?? 0
        if let expected = envelope.expectedVersion, expected != version {
            throw LedgerError(
                .versionConflict, "\(envelope.subject) is at stream version \(version), expected \(expected)")
        }
        let exists = state?.exists ?? false
        if envelope.type.isCreation {
            if exists { throw LedgerError(.alreadyExists, "\(envelope.subject) already exists") }
        } else if !exists {
            throw LedgerError(.notFound, "\(envelope.subject) does not exist")
        }
        if let creation = state?.creation, !envelope.type.isCreation, envelope.type != .eventRetracted,
            envelope.time < creation.time
        {
            throw LedgerError(
                .invalidTime, "time \(envelope.time) is before \(envelope.subject) was created (\(creation.time))")
        }
        try checkReferences(checked, head: head)
        var newState = state ?? SubjectState()
        let retracted = try StateRules.check(envelope, key: checked.entryKey, state: newState, head: head)

        let streamVersion = version + 1
        let (eventID, idIsKeyed) = try prepared.id.map { ($0, false) } ?? head.assignID(seq: context.seq)
        let line = CanonicalLine.assemble(
            checked.line, id: eventID, commitMembers: context.commitMembers, seq: context.seq,
            streamVersion: streamVersion)
        if line.count > Self.maxLineBytes {
            throw LedgerError(.tooLarge, "the stored line would be \(line.count) bytes; the limit is 65536")
        }
        if let retracted, let index = newState.entries.firstIndex(where: { $0.seq == retracted.seq }) {
            newState.entries[index].retracted = true
        }
        newState.entries.append(
            SubjectState.Entry(seq: context.seq, id: eventID, type: envelope.type, time: envelope.time, key: checked.entryKey))
        return .accepted(
            AcceptedEvent(
                id: eventID, subject: envelope.subject, subjectKey: checked.subjectKey, seq: context.seq,
                streamVersion: streamVersion, line: line, leafHash: CanonicalLine.leafHash(line, parts: checked.line),
                subjectState: newState,
                references: checked.referenced, retracted: retracted,
                projection: checked.viewRecord.map { (ViewRecord.key(time: envelope.time, seq: context.seq), $0) },
                idIsKeyed: idIsKeyed))
    }

    /// `SHA-256(0x00 || line)`, the RFC 6962 leaf hash.
    public static func leafHash<B: ContiguousBytes>(_ line: B) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0])
        line.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize().withUnsafeBytes { Array($0) }
    }

    /// `unknown-reference`: the source first, then the data's references in catalogue order.
    private func checkReferences(_ checked: PreparedEvent.Checked, head: HeadState) throws {
        let envelope = checked.envelope
        let sourceIsSelf = envelope.type == .actorRegistered && envelope.source == envelope.subject
        if !sourceIsSelf, try head.subjectState(envelope.source)?.exists != true {
            throw LedgerError(.unknownReference, "source \(envelope.source) is not a registered actor")
        }
        for (field, subject) in checked.references where try head.subjectState(subject)?.exists != true {
            throw LedgerError(.unknownReference, "\(field): \(subject) does not exist")
        }
    }
}

/// An event after the checks that need no head state (`Validator.prepare`).
public struct PreparedEvent: Sendable {
    /// What a well-formed event brings to the writer. A class: the writer passes events on by
    /// value, and a copy of this, with its dozen buffers, cost a retain and a release of each.
    final class Checked: Sendable {
        let envelope: Envelope
        let subjectKey: [UInt8]
        /// The subjects the data refers to, in catalogue order, with their field (none for a retraction).
        let references: [(field: String, subject: Subject)]
        /// The subjects of `references`, each once, in order (what the references table records).
        let referenced: [Subject]
        /// `SubjectState.Entry.key`: the priority of a priority event, a retraction's target
        /// (all that the state rules read of the data).
        let entryKey: String
        let line: CanonicalLine.Parts
        /// The `ViewRecord` value (nil for a retraction).
        let viewRecord: [UInt8]?

        init(
            envelope: Envelope, subjectKey: [UInt8], references: [(field: String, subject: Subject)],
            referenced: [Subject], entryKey: String, line: CanonicalLine.Parts, viewRecord: [UInt8]?
        ) {
            self.envelope = envelope
            self.subjectKey = subjectKey
            self.references = references
            self.referenced = referenced
            self.entryKey = entryKey
            self.line = line
            self.viewRecord = viewRecord
        }
    }

    var event = JSONObject()
    /// The given id, when it is well-formed.
    public internal(set) var id: String?
    /// The event's time, once it parsed.
    var time: Timestamp?
    /// The first failing rule, if any.
    public internal(set) var failure: LedgerError?
    /// Whether `failure` comes after the 24-hour bound on `time` in the order of precedence.
    var failureFollowsTime = false
    var checked: Checked?

    init(event: JSONObject, id: String?) {
        self.event = event
        self.id = id
    }

    init(failure: LedgerError) {
        self.failure = failure
    }

    /// An event that is not JSON at all (a bad NDJSON line), refused with `malformed`.
    public init(malformed: LedgerError) {
        self.failure = malformed
        self.isMalformed = true
    }

    /// Whether the event is not JSON: that refusal comes before every check of any event.
    public internal(set) var isMalformed = false
}
