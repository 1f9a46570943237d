import LedgerDomain

/// The answer to an append: one entry per event, and the tree size after the request.
public struct AppendResult: Sendable {
    public struct Entry: Sendable {
        public var id: String
        public var seq: UInt64
        public var streamVersion: Int
        public var leafHash: [UInt8]
        public var duplicate: Bool
    }

    public var entries: [Entry]
    public var size: UInt64

    /// True when every event was a repeat (the API answers 200 rather than 201).
    public var onlyDuplicates: Bool { entries.allSatisfy(\.duplicate) }
}
