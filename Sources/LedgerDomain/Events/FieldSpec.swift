/// What a `data` field must hold.
public enum FieldRule: Sendable {
    /// A string under the contract's value rules.
    case text
    /// One of the listed strings.
    case choice([String])
    /// A slug.
    case slug
    /// A reference to an existing subject of one of the kinds.
    case ref([SubjectKind])
    /// A list of at least `min` distinct references.
    case refList([SubjectKind], min: Int)
    /// `{start*, end*}`, dates with start <= end.
    case period
    /// A list of distinct strings (may be empty).
    case stringList
    /// An object of name to finite number (may be empty).
    case numberMap
    /// An ISO 8601 duration of one part.
    case duration
    /// An event id.
    case eventID

    /// Whether the field refers to subjects (and so counts for "refers to the subject").
    public var isReference: Bool {
        switch self {
        case .ref, .refList: true
        default: false
        }
    }
}

/// One field of a type's `data`.
public struct FieldSpec: Sendable {
    public let name: String
    public let required: Bool
    public let rule: FieldRule

    init(_ name: String, _ rule: FieldRule, required: Bool = false) {
        self.name = name
        self.required = required
        self.rule = rule
    }
}

extension EventType {
    /// The fields of the type's `data`, in catalogue order.
    public var fields: [FieldSpec] { EventType.fieldTable[Int(code)] }

    /// `fields` of every type by code, built once (validation asks for them several times per event).
    private static let fieldTable: [[FieldSpec]] = {
        var table = [[FieldSpec]](repeating: [], count: allCases.count)
        for type in allCases { table[Int(type.code)] = type.catalogueFields }
        return table
    }()

    private var catalogueFields: [FieldSpec] {
        switch self {
        case .actorRegistered:
            [
                FieldSpec("name", .text, required: true),
                FieldSpec("kind", .choice(Vocabulary.actorKinds), required: true),
                FieldSpec("parent", .ref([.actor])),
            ]
        case .planPublished:
            [
                FieldSpec("title", .text, required: true),
                FieldSpec("issuer", .ref([.actor]), required: true),
                FieldSpec("level", .choice(Vocabulary.planLevels), required: true),
                FieldSpec("period", .period, required: true),
                FieldSpec("parent", .ref([.plan])),
                FieldSpec("supersedes", .ref([.plan])),
            ]
        case .priorityAdopted:
            [FieldSpec("priority", .slug, required: true), FieldSpec("title", .text)]
        case .priorityDropped:
            [FieldSpec("priority", .slug, required: true), FieldSpec("reason", .text)]
        case .priorityWaived:
            [FieldSpec("priority", .slug, required: true), FieldSpec("justification", .text, required: true)]
        case .measureLaunched:
            [
                FieldSpec("title", .text, required: true),
                FieldSpec("owner", .ref([.actor]), required: true),
                FieldSpec("stance", .choice(Vocabulary.stances), required: true),
            ] + EventType.measureOptionalFields
        case .measureAmended:
            [
                FieldSpec("title", .text),
                FieldSpec("owner", .ref([.actor])),
                FieldSpec("stance", .choice(Vocabulary.stances)),
            ] + EventType.measureOptionalFields
        case .measureEnded, .coordinationEnded:
            [FieldSpec("reason", .text)]
        case .reportingRequired:
            [FieldSpec("to", .ref([.actor]), required: true), FieldSpec("every", .duration, required: true)]
        case .reportFiled:
            [
                FieldSpec("title", .text, required: true),
                FieldSpec("filer", .ref([.actor]), required: true),
                FieldSpec("kind", .choice(Vocabulary.reportKinds), required: true),
                FieldSpec("covers", .refList([.measure, .plan], min: 1), required: true),
                FieldSpec("period", .period),
                FieldSpec("indicators", .numberMap),
            ]
        case .coordinationEstablished:
            [
                FieldSpec("parties", .refList([.actor], min: 2), required: true),
                FieldSpec("form", .choice(Vocabulary.coordinationForms), required: true),
                FieldSpec("mandate", .text),
            ]
        case .findingRecorded:
            [
                FieldSpec("auditor", .ref([.actor]), required: true),
                FieldSpec("about", .refList(SubjectKind.allCases, min: 1), required: true),
                FieldSpec("severity", .choice(Vocabulary.severities), required: true),
                FieldSpec("text", .text, required: true),
                FieldSpec("recommendation", .text),
            ]
        case .findingAnswered:
            [
                FieldSpec("by", .ref([.actor]), required: true),
                FieldSpec("response", .text, required: true),
                FieldSpec("status", .choice(Vocabulary.answerStatuses), required: true),
            ]
        case .eventRetracted:
            [FieldSpec("target", .eventID, required: true), FieldSpec("reason", .text, required: true)]
        }
    }

    private static let measureOptionalFields: [FieldSpec] = [
        FieldSpec("plan", .ref([.plan])),
        FieldSpec("priority", .slug),
        FieldSpec("objective", .text),
        FieldSpec("indicators", .stringList),
        FieldSpec("baseline", .numberMap),
        FieldSpec("phenomenon", .slug),
    ]

    /// The subjects that `data` refers to through its reference fields (already validated), each
    /// with its field, in catalogue order.
    public func referenceFields(in data: JSONObject) -> [(field: String, subject: Subject)] {
        var result: [(field: String, subject: Subject)] = []
        for field in fields where field.rule.isReference {
            switch data[field.name] {
            case .string(let s)?: if let subject = Subject(s) { result.append((field.name, subject)) }
            case .array(let items)?:
                for case .string(let s) in items { if let subject = Subject(s) { result.append((field.name, subject)) } }
            default: break
            }
        }
        return result
    }

    /// The subjects that `data` refers to, each once, in order (what the references table records).
    public func references(in data: JSONObject) -> [Subject] {
        Self.distinct(referenceFields(in: data))
    }

    /// The subjects of `references`, each once, in order.
    static func distinct(_ references: [(field: String, subject: Subject)]) -> [Subject] {
        var result: [Subject] = []
        for (_, subject) in references where !result.contains(subject) { result.append(subject) }
        return result
    }
}
