/// An export (the canonical lines of seqs 1...n, in order) checked line by line and hashed into
/// its RFC 6962 tree: what online `verify` and `verify-bundle` both recompute. Lines may be added
/// a page at a time, so that a large export need not be held whole.
public struct ExportReplay {
    /// The events read off the lines up to the first bad one (empty unless kept).
    public private(set) var events: [ViewEvent] = []
    /// The first seq whose line is not the canonical event for that position; checking stops there.
    public private(set) var badSeq: UInt64?
    public private(set) var tree = MerkleTree.Frontier()
    private let keepingEvents: Bool
    private let keepingLeaves: Bool
    /// The leaf hashes so far, end to end, 32 bytes each, when kept.
    public private(set) var leafBytes: [UInt8] = []

    /// An empty replay; `keepingLeaves` keeps every leaf hash in `leafBytes`.
    public init(keepingEvents: Bool, keepingLeaves: Bool = false) {
        self.keepingEvents = keepingEvents
        self.keepingLeaves = keepingLeaves
    }

    public init(lines: [[UInt8]], keepingEvents: Bool) {
        self.init(keepingEvents: keepingEvents)
        if keepingEvents { events.reserveCapacity(lines.count) }
        for line in lines where badSeq == nil { add(line) }
    }

    /// Checks and hashes the line of the next seq; nothing more is checked after a bad one.
    public mutating func add(_ line: [UInt8]) {
        guard badSeq == nil else { return }
        let seq = tree.size + 1
        guard let event = ViewEvent(line: line), event.seq == seq,
            (try? CanonicalJSON.encode(JSONParser.parse(line))) == line
        else {
            badSeq = seq
            return
        }
        let leaf = Validator.leafHash(line)
        tree.append(leaf)
        if keepingLeaves { leafBytes += leaf }
        if keepingEvents { events.append(event) }
    }
}
