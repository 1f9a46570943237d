import LedgerDomain
import LedgerStore

extension Ledger {
    /// Canonical lines with seq > `after`, in seq order, at most `limit`, filtered by exact
    /// `subject` and `type` when given.
    public func lines(after: UInt64, limit: Int, subject: String? = nil, type: String? = nil) throws -> [[UInt8]] {
        let tables = self.tables
        return try env.read { txn in
            var result: [[UInt8]] = []
            if let subject {
                guard let state = try txn.withValue(tables.subjects, Array(subject.utf8), { try SubjectState(decoding: $0) })
                else { return [] }
                for entry in state.entries where entry.seq > after {
                    if let type, entry.type.rawValue != type { continue }
                    if let line = try txn.get(tables.events, Keys.uint64(entry.seq)) { result.append(line) }
                    if result.count == limit { break }
                }
                return result
            }
            guard after < UInt64.max else { return [] }
            try txn.scan(tables.events, from: Keys.uint64(after + 1)) { _, value in
                if let type, !CanonicalFields.hasType(value, type) { return true }
                result.append(Array(value))
                return result.count < limit
            }
            return result
        }
    }

    /// Every stored event on `subject` in seq order with the id of the retraction that
    /// retracted it (nil for retractions and live events); nil when nothing was ever recorded on it.
    public func history(of subject: Subject) throws -> [(line: [UInt8], retractedBy: String?)]? {
        let tables = self.tables
        return try env.read { txn in
            guard
                let state = try txn.withValue(
                    tables.subjects, subject.bytes, { try SubjectState(decoding: $0) })
            else { return nil }
            var retractedBy: [String: String] = [:]
            for entry in state.entries where entry.type == .eventRetracted {
                retractedBy[entry.key] = entry.id
            }
            return try state.entries.map { entry in
                let line = try txn.get(tables.events, Keys.uint64(entry.seq)) ?? []
                let by = entry.type == .eventRetracted ? nil : retractedBy[entry.id]
                return (line, by)
            }
        }
    }

    /// The stored line and leaf hash at `seq`.
    public func event(seq: UInt64) throws -> (line: [UInt8], leafHash: [UInt8])? {
        let tables = self.tables
        return try env.read { txn in
            let key = Keys.uint64(seq)
            guard let line = try txn.get(tables.events, key) else { return nil }
            return (line, try tables.leafHash(seq: seq, in: txn) ?? [])
        }
    }
}
