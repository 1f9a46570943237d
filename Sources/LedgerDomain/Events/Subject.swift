/// The kinds of subject (contract section 2).
public enum SubjectKind: String, Sendable, CaseIterable, Comparable {
    case actor, plan, measure, report, coordination, finding

    public static func < (lhs: SubjectKind, rhs: SubjectKind) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The kind whose name is exactly `name`.
    init?<Name: Collection<UInt8>>(_ name: Name) {
        guard let kind = Self.named.first(where: { $0.name.elementsEqual(name) })?.kind else { return nil }
        self = kind
    }

    /// Every kind with its name's bytes, built once (`allCases` builds a new array per use).
    private static let named = allCases.map { (name: Array($0.rawValue.utf8), kind: $0) }
}

/// A subject `KIND/SLUG`.
public struct Subject: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let kind: SubjectKind
    public let slug: String

    public init(kind: SubjectKind, slug: String) {
        self.kind = kind
        self.slug = slug
    }

    /// Parses `KIND/SLUG`; nil when the kind is unknown or the slug malformed.
    public init?(_ text: String) {
        // On the UTF-8 bytes: `firstIndex(of:)` on the string itself walks grapheme clusters.
        var text = text
        guard let subject = text.withUTF8({ Subject(utf8: $0) }) else { return nil }
        self = subject
    }

    private init?(utf8: UnsafeBufferPointer<UInt8>) {
        guard let slash = utf8.firstIndex(of: UInt8(ascii: "/")), let kind = SubjectKind(utf8[..<slash]) else {
            return nil
        }
        let slug = UnsafeBufferPointer(rebasing: utf8[(slash + 1)...])
        guard Slug.isValid(utf8: slug) else { return nil }
        self.init(kind: kind, slug: String(decoding: slug, as: UTF8.self))
    }

    public var description: String { kind.rawValue + "/" + slug }

    /// `KIND/SLUG` as UTF-8, as the store keys subjects.
    public var bytes: [UInt8] { bytes(reserving: 0) }

    /// `bytes` with room for `extra` more bytes after them (a key that goes on).
    public func bytes(reserving extra: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(kind.rawValue.utf8.count + 1 + slug.utf8.count + extra)
        out.append(contentsOf: kind.rawValue.utf8)
        out.append(UInt8(ascii: "/"))
        out.append(contentsOf: slug.utf8)
        return out
    }

    /// Calls `body` with `bytes`, built on the stack: the writer looks up the source and every
    /// reference of each event by them.
    @inlinable
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var kindName = kind.rawValue
        var slug = slug
        return try kindName.withUTF8 { kindName in
            try slug.withUTF8 { slug in
                try withUnsafeTemporaryAllocation(byteCount: kindName.count + 1 + slug.count, alignment: 1) { key in
                    key.copyMemory(from: UnsafeRawBufferPointer(kindName))
                    key[kindName.count] = UInt8(ascii: "/")
                    UnsafeMutableRawBufferPointer(rebasing: key[(kindName.count + 1)...])
                        .copyMemory(from: UnsafeRawBufferPointer(slug))
                    return try body(UnsafeRawBufferPointer(key))
                }
            }
        }
    }

    public static func < (lhs: Subject, rhs: Subject) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}

/// Slugs: `[a-z0-9][a-z0-9-]{0,63}`.
public enum Slug {
    public static func isValid<S: StringProtocol>(_ text: S) -> Bool {
        isValid(utf8: text.utf8)
    }

    static func isValid<Bytes: Collection<UInt8>>(utf8 bytes: Bytes) -> Bool {
        guard (1...64).contains(bytes.count), let first = bytes.first, isLowerAlnum(first) else { return false }
        return bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    private static func isLowerAlnum(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
    }
}

/// Event ids: 1 to 128 characters from `!` to `~`.
public enum EventID {
    public static func isValid<S: StringProtocol>(_ text: S) -> Bool {
        let bytes = text.utf8
        return (1...128).contains(bytes.count) && bytes.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
    }

    /// A fresh lower-case UUID version 4 (two draws from the system generator).
    public static func random() -> String {
        var rng = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        withUnsafeBytes(of: (rng.next(), rng.next() as UInt64)) { bytes = Array($0) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, b) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
