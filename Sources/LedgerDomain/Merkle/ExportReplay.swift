/// An export (the canonical lines of seqs 1...n, in order) checked line by line and hashed into
/// its RFC 6962 tree: what online `verify` and `verify-bundle` both recompute.
public struct ExportReplay {
    /// The events read off the lines up to the first bad one (empty unless kept).
    public private(set) var events: [ViewEvent] = []
    /// The first seq whose line is not the canonical event for that position; checking stops there.
    public private(set) var badSeq: UInt64?
    public private(set) var tree = MerkleTree.Frontier()

    public init(lines: [[UInt8]], keepingEvents: Bool) {
        if keepingEvents { events.reserveCapacity(lines.count) }
        for (index, line) in lines.enumerated() {
            let seq = UInt64(index + 1)
            guard let event = ViewEvent(line: line), event.seq == seq,
                (try? CanonicalJSON.encode(JSONParser.parse(line))) == line
            else {
                badSeq = seq
                return
            }
            tree.append(Validator.leafHash(line))
            if keepingEvents { events.append(event) }
        }
    }
}
