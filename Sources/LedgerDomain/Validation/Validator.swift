import Foundation
import Crypto

/// Checks one event against the contract's rules, in the contract's order of precedence
/// (section 10, "Which error wins"), and builds its canonical line.
public struct Validator: Sendable {
    /// The largest canonical line, in bytes.
    public static let maxLineBytes = 64 * 1024
    static let allowedAttributes: Set<String> = [
        "id", "source", "type", "subject", "time", "data", "specversion", "datacontenttype", "evidence",
        "expectedversion",
    ]
    static let requiredAttributes = ["source", "type", "subject", "time", "data"]

    public init() {}

    /// Validates `value` against `head`; throws `LedgerError` for the first failing rule.
    public func validate(_ value: JSONValue, context: AppendContext, head: HeadState) throws -> AppendOutcome {
        guard case .object(let event) = value else {
            throw LedgerError(.invalidField, "an event must be a JSON object")
        }
        // id shape, then repeats.
        var id: String?
        if let raw = event["id"] {
            guard case .string(let s) = raw, EventID.isValid(s) else {
                throw LedgerError(.invalidField, "id must be 1 to 128 characters from '!' to '~'")
            }
            id = s
            if let stored = try head.storedEvent(id: s) {
                if try Repeats.sameContent(event, storedLine: stored.line) { return .duplicate(stored) }
                throw LedgerError(.idConflict, "id \(s) is already stored with other content (seq \(stored.seq))")
            }
        }
        for key in event.keys where !Self.allowedAttributes.contains(key) {
            throw LedgerError(.unknownField, "unknown attribute \"\(key)\"")
        }
        for key in Self.requiredAttributes where event[key] == nil {
            throw LedgerError(.missingField, "missing attribute \"\(key)\"")
        }
        let envelope = try Envelope.check(event, now: context.now)
        guard case .object(let data) = event["data"]! else {
            throw LedgerError(.invalidField, "data must be a JSON object")
        }
        try DataRules.check(data, of: envelope.type)

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
        try checkReferences(envelope, data: data, head: head)
        var newState = state ?? SubjectState()
        let retracted = try StateRules.check(envelope, data: data, state: newState, head: head)

        let eventID = id ?? EventID.random()
        let streamVersion = version + 1
        let line = CanonicalLine.build(
            event: event, id: eventID, time: envelope.time, context: context, streamVersion: streamVersion)
        if line.count > Self.maxLineBytes {
            throw LedgerError(.tooLarge, "the stored line would be \(line.count) bytes; the limit is 65536")
        }
        var key = ""
        switch envelope.type {
        case .priorityAdopted, .priorityDropped, .priorityWaived: key = data["priority"]?.stringValue ?? ""
        case .eventRetracted: key = data["target"]?.stringValue ?? ""
        default: break
        }
        if let retracted, let index = newState.entries.firstIndex(where: { $0.seq == retracted.seq }) {
            newState.entries[index].retracted = true
        }
        newState.entries.append(
            SubjectState.Entry(seq: context.seq, id: eventID, type: envelope.type, time: envelope.time, key: key))
        return .accepted(
            AcceptedEvent(
                id: eventID, subject: envelope.subject, seq: context.seq, streamVersion: streamVersion, line: line,
                leafHash: Self.leafHash(line), subjectState: newState,
                references: envelope.type == .eventRetracted ? [] : envelope.type.references(in: data),
                retracted: retracted,
                projection: envelope.type == .eventRetracted
                    ? nil
                    : (
                        ViewRecord.key(time: envelope.time, seq: context.seq),
                        ViewRecord.encode(type: envelope.type, subject: envelope.subject.description, data: ViewData(data))
                    )))
    }

    /// `SHA-256(0x00 || line)`, the RFC 6962 leaf hash.
    public static func leafHash<B: ContiguousBytes>(_ line: B) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0])
        line.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return Array(hasher.finalize())
    }

    /// `unknown-reference`: the source first, then the data's references in catalogue order.
    private func checkReferences(_ envelope: Envelope, data: JSONObject, head: HeadState) throws {
        let sourceIsSelf = envelope.type == .actorRegistered && envelope.source == envelope.subject
        if !sourceIsSelf, try head.subjectState(envelope.source)?.exists != true {
            throw LedgerError(.unknownReference, "source \(envelope.source) is not a registered actor")
        }
        for field in envelope.type.fields where field.rule.isReference {
            let values: [String]
            switch data[field.name] {
            case .string(let s)?: values = [s]
            case .array(let items)?: values = items.compactMap(\.stringValue)
            default: continue
            }
            for value in values {
                guard let subject = Subject(value) else { continue }
                if try head.subjectState(subject)?.exists != true {
                    throw LedgerError(.unknownReference, "\(field.name): \(subject) does not exist")
                }
            }
        }
    }
}
