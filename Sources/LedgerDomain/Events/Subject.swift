/// The kinds of subject (contract section 2).
public enum SubjectKind: String, Sendable, CaseIterable, Comparable {
    case actor, plan, measure, report, coordination, finding

    public static func < (lhs: SubjectKind, rhs: SubjectKind) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The kind whose name is exactly `name`.
    init?(_ name: Substring.UTF8View) {
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
        // On the UTF-8 view: `firstIndex(of:)` on the string itself walks grapheme clusters.
        let utf8 = text.utf8
        guard let slash = utf8.firstIndex(of: UInt8(ascii: "/")), let kind = SubjectKind(utf8[..<slash]) else {
            return nil
        }
        let slug = Substring(utf8[utf8.index(after: slash)...])
        guard Slug.isValid(slug) else { return nil }
        self.init(kind: kind, slug: String(slug))
    }

    public var description: String { "\(kind.rawValue)/\(slug)" }

    public static func < (lhs: Subject, rhs: Subject) -> Bool {
        Array(lhs.description.utf8).lexicographicallyPrecedes(Array(rhs.description.utf8))
    }
}

/// Slugs: `[a-z0-9][a-z0-9-]{0,63}`.
public enum Slug {
    public static func isValid<S: StringProtocol>(_ text: S) -> Bool {
        let bytes = text.utf8
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
