/// Checks an event's `data` against its type's fields: unknown fields, then missing ones
/// (including an empty amendment), then values, each phase in catalogue order.
enum DataRules {
    static func check(_ data: JSONObject, of type: EventType) throws {
        let fields = type.fields
        // Each field's member, found once: fields[i] holds data.members[slots[i]].value, or
        // nothing when slots[i] is -1. Inline: an array here cost an allocation and a run-time
        // type lookup for every event.
        var slots = InlineArray<16, Int>(repeating: -1)
        precondition(fields.count <= slots.count, "\(type.rawValue) has more fields than DataRules has room for")
        for (position, member) in data.members.enumerated() {
            let key = member.key
            guard let index = fields.firstIndex(where: { $0.name.utf8.count == key.utf8.count && $0.name == key }) else {
                throw LedgerError(.unknownField, "\(type.rawValue) has no field \"\(key)\"")
            }
            slots[index] = position
        }
        func value(_ index: Int) -> JSONValue? { slots[index] < 0 ? nil : data.members[slots[index]].value }

        for (index, field) in fields.enumerated() {
            if case .period = field.rule, case .object(let period)? = value(index) {
                for key in period.keys where key != "start" && key != "end" {
                    throw LedgerError(.unknownField, "\(field.name) has no field \"\(key)\"")
                }
            }
        }
        for (index, field) in fields.enumerated() where field.required && value(index) == nil {
            throw LedgerError(.missingField, "\(type.rawValue) needs \"\(field.name)\"")
        }
        if type == .measureAmended && data.isEmpty {
            throw LedgerError(.missingField, "measure.amended needs at least one field to change")
        }
        for (index, field) in fields.enumerated() {
            if case .period = field.rule, case .object(let period)? = value(index) {
                for key in ["start", "end"] where period[key] == nil {
                    throw LedgerError(.missingField, "\(field.name) needs \"\(key)\"")
                }
            }
        }
        for (index, field) in fields.enumerated() {
            guard let value = value(index) else { continue }
            try checkValue(value, field: field)
        }
    }

    private static func invalid(_ field: FieldSpec, _ what: String) -> LedgerError {
        LedgerError(.invalidField, "\(field.name) \(what)")
    }

    private static func checkValue(_ value: JSONValue, field: FieldSpec) throws {
        switch field.rule {
        case .text:
            guard case .string(let s) = value, ValueRules.isText(s) else {
                throw invalid(field, "must be a non-empty string of at most 10,000 characters without control characters")
            }
        case .choice(let options):
            guard case .string(let s) = value, options.contains(s) else {
                throw invalid(field, "must be one of: \(options.joined(separator: ", "))")
            }
        case .slug:
            guard case .string(let s) = value, Slug.isValid(s) else {
                throw invalid(field, "must be a slug ([a-z0-9][a-z0-9-]{0,63})")
            }
        case .ref(let kinds):
            try checkReference(value, kinds: kinds, field: field)
        case .refList(let kinds, let min):
            guard case .array(let items) = value, items.count >= min else {
                throw invalid(field, "must be a list of at least \(min) reference\(min == 1 ? "" : "s")")
            }
            var seen = SeenStrings()
            for item in items {
                try checkReference(item, kinds: kinds, field: field)
                guard seen.insert(item.stringValue ?? "") else {
                    throw invalid(field, "lists \(item.stringValue ?? "") twice")
                }
            }
        case .period:
            guard case .object(let period) = value else { throw invalid(field, "must be an object {start, end}") }
            guard case .string(let startText) = period["start"]!, let start = TimeParser.parseDateOnly(startText) else {
                throw invalid(field, "start must be a date YYYY-MM-DD")
            }
            guard case .string(let endText) = period["end"]!, let end = TimeParser.parseDateOnly(endText) else {
                throw invalid(field, "end must be a date YYYY-MM-DD")
            }
            guard start.daysSinceEpoch <= end.daysSinceEpoch else { throw invalid(field, "start is after its end") }
        case .stringList:
            guard case .array(let items) = value else { throw invalid(field, "must be a list of strings") }
            var seen = SeenStrings()
            for item in items {
                guard case .string(let s) = item, ValueRules.isText(s) else {
                    throw invalid(field, "items must be non-empty strings without control characters")
                }
                guard seen.insert(s) else { throw invalid(field, "lists \"\(s)\" twice") }
            }
        case .numberMap:
            guard case .object(let map) = value else { throw invalid(field, "must be an object of name to number") }
            for (key, item) in map.members {
                guard ValueRules.isText(key) else { throw invalid(field, "has an empty or malformed name") }
                guard case .number(let d, _) = item, ValueRules.isNumber(d) else {
                    throw invalid(field, "\(key) must be a finite number of magnitude at most 2^53")
                }
            }
        case .duration:
            guard case .string(let s) = value, ReportingPeriod(s) != nil else {
                throw invalid(field, "must be a duration P<n>D, P<n>W, P<n>M or P<n>Y with n from 1 to 999")
            }
        case .eventID:
            guard case .string(let s) = value, EventID.isValid(s) else {
                throw invalid(field, "must be an event id (1 to 128 characters from '!' to '~')")
            }
        }
    }

    private static func checkReference(_ value: JSONValue, kinds: [SubjectKind], field: FieldSpec) throws {
        guard case .string(let s) = value, let subject = Subject(s), kinds.contains(subject.kind) else {
            let names = kinds.map { $0.rawValue + "/" }.joined(separator: " or ")
            throw invalid(field, "must reference a \(names) subject")
        }
    }
}

