/// The contract's stable problem codes (section 6); the transport maps each to its HTTP status.
public enum ProblemCode: String, Sendable, CaseIterable {
    case malformedJSON = "malformed-json"
    case invalidQuery = "invalid-query"
    case methodNotAllowed = "method-not-allowed"
    case storageFull = "storage-full"
    case unknownType = "unknown-type"
    case missingField = "missing-field"
    case invalidField = "invalid-field"
    case unknownField = "unknown-field"
    case invalidSubject = "invalid-subject"
    case invalidTime = "invalid-time"
    case unknownReference = "unknown-reference"
    case alreadyExists = "already-exists"
    case notFound = "not-found"
    case invalidState = "invalid-state"
    case versionConflict = "version-conflict"
    case idConflict = "id-conflict"
    case tooLarge = "too-large"
    case unsupportedMediaType = "unsupported-media-type"
    case forbidden = "forbidden"
    case internalError = "internal-error"

    /// The HTTP status of the problem (contract section 6).
    public var status: Int {
        switch self {
        case .malformedJSON, .invalidQuery: 400
        case .forbidden: 403
        case .notFound: 404
        case .methodNotAllowed: 405
        case .alreadyExists, .invalidState, .versionConflict, .idConflict: 409
        case .tooLarge: 413
        case .unsupportedMediaType: 415
        case .unknownType, .missingField, .invalidField, .unknownField, .invalidSubject, .invalidTime,
            .unknownReference:
            422
        case .internalError: 500
        case .storageFull: 507
        }
    }

    /// The status line's reason phrase, used as the problem's `title`.
    public var title: String {
        switch status {
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 507: "Insufficient Storage"
        default: "Internal Server Error"
        }
    }
}

/// A refusal with its problem code, a detail a person can act on, and for batches the
/// 0-based index of the first bad event.
public struct LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: ProblemCode
    public var detail: String
    public var index: Int?

    public init(_ code: ProblemCode, _ detail: String, index: Int? = nil) {
        self.code = code
        self.detail = detail
        self.index = index
    }

    public var description: String { "\(code.rawValue): \(detail)" + (index.map { " (index \($0))" } ?? "") }

    /// The same error, naming the batch position it came from.
    public func at(_ index: Int?) -> LedgerError {
        var copy = self
        copy.index = index
        return copy
    }
}
