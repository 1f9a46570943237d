/// The fold of the visible events at a cut (contract section 5): what every view reads.
public struct LedgerState: Sendable {
    public struct Actor: Sendable {
        public var kind: String
    }

    public struct Plan: Sendable {
        public var parent: String?
        public var positions: [String: SubjectState.Position] = [:]
    }

    public struct Obligation: Sendable {
        public var to: String
        public var every: String
        public var since: Timestamp
    }

    public struct Measure: Sendable {
        public var fields: ViewData
        public var launched: Timestamp
        public var ended: Timestamp?
        public var obligation: Obligation?

        public func text(_ key: String) -> String? { fields.text(key) }
        public func count(_ key: String) -> Int { fields.count(key) }
    }

    public struct Report: Sendable {
        public var id: String
        public var time: Timestamp
        public var kind: String
        public var covers: [String]
    }

    public struct Coordination: Sendable {
        public var parties: [String]
        public var form: String
        public var ended: Bool
    }

    public struct Finding: Sendable {
        public var auditor: String
        public var severity: String
        public var about: [String]
        public var time: Timestamp
        public var status: String?
        public var answers: Int
    }

    public var actors: [String: Actor] = [:]
    public var plans: [String: Plan] = [:]
    public var measures: [String: Measure] = [:]
    public var reports: [String: Report] = [:]
    public var coordinations: [String: Coordination] = [:]
    public var findings: [String: Finding] = [:]

    /// An empty state, to which visible events are applied in fold order.
    public init() {}

    /// Folds `events` (all stored events, in seq order) at `cut`.
    public init<S: Sequence>(events: S, cut: ViewCut) where S.Element == ViewEvent {
        var retracted = Set<String>()
        var candidates: [ViewEvent] = []
        for event in events {
            if event.seq > cut.seq { break }
            if event.type == .eventRetracted {
                if let target = event.data.text("target") { retracted.insert(target) }
            } else if event.time <= cut.at {
                candidates.append(event)
            }
        }
        var visible = candidates.filter { !retracted.contains($0.id) }
        visible.sort { ($0.time, $0.seq) < ($1.time, $1.seq) }
        for event in visible { apply(event) }
    }

    /// The actors this state refers to: measure owners, coordination parties, finding auditors.
    /// These are the only actors a view looks up.
    public func referencedActors() -> Set<String> {
        var actors = Set<String>()
        for measure in measures.values { if let owner = measure.text("owner") { actors.insert(owner) } }
        for coordination in coordinations.values { actors.formUnion(coordination.parties) }
        for finding in findings.values { actors.insert(finding.auditor) }
        return actors
    }

    /// Sizes the tables for the number of subjects each creation type will add.
    public mutating func reserveCapacity(_ created: [EventType: Int]) {
        for (type, n) in created {
            switch type {
            case .actorRegistered: actors.reserveCapacity(n)
            case .planPublished: plans.reserveCapacity(n)
            case .measureLaunched: measures.reserveCapacity(n)
            case .reportFiled: reports.reserveCapacity(n)
            case .coordinationEstablished: coordinations.reserveCapacity(n)
            case .findingRecorded: findings.reserveCapacity(n)
            default: break
            }
        }
    }

    /// Applies one visible event; callers apply them in (time, seq) order.
    public mutating func apply(_ e: ViewEvent) {
        let d = e.data
        switch e.type {
        case .actorRegistered:
            actors[e.subject] = Actor(kind: d.text("kind") ?? "")
        case .planPublished:
            plans[e.subject] = Plan(parent: d.text("parent"))
        case .priorityAdopted, .priorityDropped, .priorityWaived:
            guard let priority = d.text("priority") else { return }
            let position: SubjectState.Position =
                e.type == .priorityAdopted ? .adopted : e.type == .priorityWaived ? .waived : .none
            plans[e.subject]?.positions[priority] = position
        case .measureLaunched:
            measures[e.subject] = Measure(fields: d, launched: e.time)
        case .measureAmended:
            for (key, value) in d.members { measures[e.subject]?.fields[key] = value }
        case .measureEnded:
            measures[e.subject]?.ended = e.time
        case .reportingRequired:
            measures[e.subject]?.obligation = Obligation(
                to: d.text("to") ?? "", every: d.text("every") ?? "", since: e.time)
        case .reportFiled:
            reports[e.subject] = Report(
                id: e.subject, time: e.time, kind: d.text("kind") ?? "", covers: d.strings("covers"))
        case .coordinationEstablished:
            coordinations[e.subject] = Coordination(
                parties: d.strings("parties"), form: d.text("form") ?? "", ended: false)
        case .coordinationEnded:
            coordinations[e.subject]?.ended = true
        case .findingRecorded:
            findings[e.subject] = Finding(
                auditor: d.text("auditor") ?? "", severity: d.text("severity") ?? "", about: d.strings("about"),
                time: e.time, status: nil, answers: 0)
        case .findingAnswered:
            findings[e.subject]?.answers += 1
            findings[e.subject]?.status = d.text("status")
        case .eventRetracted:
            break
        }
    }

    /// Reports covering each measure or plan: count and latest time.
    public func reportsBySubject() -> [String: (count: Int, last: Timestamp)] {
        var result: [String: (count: Int, last: Timestamp)] = [:]
        for report in reports.values {
            for covered in Set(report.covers) {
                let current = result[covered]
                result[covered] = ((current?.count ?? 0) + 1, max(current?.last ?? report.time, report.time))
            }
        }
        return result
    }
}

/// Byte-order sorting, as the contract sorts subject ids.
public func byteSorted(_ items: [String]) -> [String] {
    items.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
}

func byteLess(_ a: String, _ b: String) -> Bool {
    Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
}
