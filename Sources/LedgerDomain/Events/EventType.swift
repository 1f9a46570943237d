/// The event catalogue (contract section 4).
public enum EventType: String, Sendable, CaseIterable {
    case actorRegistered = "actor.registered"
    case planPublished = "plan.published"
    case priorityAdopted = "priority.adopted"
    case priorityDropped = "priority.dropped"
    case priorityWaived = "priority.waived"
    case measureLaunched = "measure.launched"
    case measureAmended = "measure.amended"
    case measureEnded = "measure.ended"
    case reportingRequired = "reporting.required"
    case reportFiled = "report.filed"
    case coordinationEstablished = "coordination.established"
    case coordinationEnded = "coordination.ended"
    case findingRecorded = "finding.recorded"
    case findingAnswered = "finding.answered"
    case eventRetracted = "event.retracted"

    /// The kind of subject the type is about; nil for retractions, which take the target's subject.
    public var kind: SubjectKind? {
        switch self {
        case .actorRegistered: .actor
        case .planPublished, .priorityAdopted, .priorityDropped, .priorityWaived: .plan
        case .measureLaunched, .measureAmended, .measureEnded, .reportingRequired: .measure
        case .reportFiled: .report
        case .coordinationEstablished, .coordinationEnded: .coordination
        case .findingRecorded, .findingAnswered: .finding
        case .eventRetracted: nil
        }
    }

    /// Whether the type creates its subject.
    public var isCreation: Bool {
        switch self {
        case .actorRegistered, .planPublished, .measureLaunched, .reportFiled, .coordinationEstablished,
            .findingRecorded:
            true
        default: false
        }
    }

    /// A one-byte code for compact storage; stable, never reused.
    /// The position in `allCases` (declaration order).
    public var code: UInt8 {
        switch self {
        case .actorRegistered: 0
        case .planPublished: 1
        case .priorityAdopted: 2
        case .priorityDropped: 3
        case .priorityWaived: 4
        case .measureLaunched: 5
        case .measureAmended: 6
        case .measureEnded: 7
        case .reportingRequired: 8
        case .reportFiled: 9
        case .coordinationEstablished: 10
        case .coordinationEnded: 11
        case .findingRecorded: 12
        case .findingAnswered: 13
        case .eventRetracted: 14
        }
    }

    private static let byCode = allCases
    private static let byName = NameTable(allCases.map { (name: $0.rawValue, value: $0) })

    /// The type named `name`, compared only with the names of its length, where
    /// `init(rawValue:)` compares it with each case's in turn.
    public init?(name: String) {
        guard let type = EventType.byName[name] else { return nil }
        self = type
    }

    public init?(code: UInt8) {
        guard Int(code) < EventType.byCode.count else { return nil }
        self = EventType.byCode[Int(code)]
    }
}

/// Enumerated values of the catalogue.
public enum Vocabulary {
    public static let actorKinds = [
        "federal", "regional", "community", "municipal", "police-zone", "non-profit", "auditor", "research",
        "parliament",
    ]
    public static let planLevels = ["federal", "regional", "community", "zonal", "municipal"]
    public static let stances = [
        "prevention", "harm-reduction", "treatment", "social-reintegration", "enforcement",
        "administrative-enforcement",
    ]
    public static let reportKinds = ["monitoring", "evaluation", "audit", "study", "activity"]
    public static let coordinationForms = ["agreement", "protocol", "steering-committee", "working-group", "informal"]
    public static let severities = ["info", "minor", "major", "critical"]
    public static let answerStatuses = ["accepted", "rejected", "implemented"]
}
