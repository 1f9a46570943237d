import Foundation
import LedgerDomain
import LedgerEngine

extension Router {
    /// `GET /v1/views/NAME?at=&seq=&recorded=&parties=`.
    func getView(_ name: String, _ request: Request) async throws -> Response {
        guard let view = ViewName(rawValue: name) else {
            throw LedgerError(.notFound, "no view \(name); views: \(ViewName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let head = ledger.head
        var seq = min(try Query.unsigned(request.query, "seq") ?? head, head)
        let at: Timestamp
        if let text = request.query["at"] {
            guard let t = TimeParser.parse(text, dateOnly: .endOfDay) else {
                throw LedgerError(.invalidQuery, "at must be YYYY-MM-DD or an RFC 3339 date-time")
            }
            at = t
        } else {
            at = Timestamp(seconds: Int64(Date().timeIntervalSince1970.rounded(.down)))
        }
        if let text = request.query["recorded"] {
            guard let recorded = TimeParser.parse(text, dateOnly: .endOfDay) else {
                throw LedgerError(.invalidQuery, "recorded must be YYYY-MM-DD or an RFC 3339 date-time")
            }
            seq = min(seq, try ledger.seq(recordedAtOrBefore: recorded))
        }
        var parameters = Views.Parameters()
        if let text = request.query["parties"] {
            let items = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard !text.isEmpty, items.allSatisfy({ Subject($0)?.kind == .actor }) else {
                throw LedgerError(.invalidQuery, "parties must be comma-separated actor/ subjects without spaces")
            }
            parameters.parties = items
        }
        let cut = ViewCut(at: at, seq: seq)
        let ledger = self.ledger
        let views = Views(tensions: configuration.tensions)
        let started = ContinuousClock.now
        let (state, root) = try await Task.detached {
            (try ledger.state(at: cut, reading: view.reads), try ledger.root(size: cut.seq))
        }.value
        let body = views.render(view, state: state, cut: cut, root: Base64.encode(root), parameters: parameters)
        metrics.observeView(view, duration: ContinuousClock.now - started)
        return .json(body)
    }

    /// `GET /v1/views` (an extension of the contract's API): the view names and the settings the
    /// views depend on (the coherence tensions), so that a client can recompute a view offline,
    /// as `ledgerctl verify-bundle` does.
    func getViewCatalogue() -> Response {
        .json([
            "views": .array(ViewName.allCases.map { .string($0.rawValue) }),
            "tensions": .array(configuration.tensions.map { .array($0.map { .string($0) }) }),
        ])
    }

    /// `GET /v1/checkpoint`: the last signed checkpoint, a C2SP signed note.
    func getCheckpoint() throws -> Response {
        let note = try ledger.checkpoint() ?? {
            // An empty log has no stored checkpoint yet: none was ever signed for size 0.
            throw LedgerError(.notFound, "no checkpoint yet: the log is empty")
        }()
        return Response(status: .ok, contentType: "text/plain; charset=utf-8", body: .bytes(Array(note.utf8)))
    }

    /// `GET /v1/checkpoint/verifier`: the verifier key in signed-note format.
    func getVerifier() throws -> Response {
        guard let key = try ledger.verifierKey() else { throw LedgerError(.notFound, "no verifier key") }
        return Response(status: .ok, contentType: "text/plain; charset=utf-8", body: .bytes(Array((key + "\n").utf8)))
    }

    /// `GET /v1/proofs/inclusion?seq=&size=`.
    func getInclusionProof(_ request: Request) throws -> Response {
        let head = ledger.head
        guard let seq = try Query.unsigned(request.query, "seq") else { throw LedgerError(.invalidQuery, "seq is required") }
        let size = try Query.unsigned(request.query, "size") ?? head
        guard size <= head, seq >= 1, seq <= size else {
            throw LedgerError(.invalidQuery, "need 1 <= seq <= size <= \(head)")
        }
        let proof = try ledger.inclusionProof(seq: seq, size: size)
        return .json([
            "index": .number(Double(seq - 1), plainInteger: true), "size": .number(Double(size), plainInteger: true),
            "proof": .array(proof.map { .string(Base64.encode($0)) }),
        ])
    }

    /// `GET /v1/proofs/consistency?from=&to=`.
    func getConsistencyProof(_ request: Request) throws -> Response {
        let head = ledger.head
        guard let from = try Query.unsigned(request.query, "from") else { throw LedgerError(.invalidQuery, "from is required") }
        let to = try Query.unsigned(request.query, "to") ?? head
        guard from <= to, to <= head else { throw LedgerError(.invalidQuery, "need from <= to <= \(head)") }
        let proof = try ledger.consistencyProof(from: from, to: to)
        return .json([
            "from": .number(Double(from), plainInteger: true), "to": .number(Double(to), plainInteger: true),
            "proof": .array(proof.map { .string(Base64.encode($0)) }),
        ])
    }
}

extension Router {
    /// `POST /v1/admin/backup` with `{"path": DIR}`: a consistent compacted hot copy (admins only).
    func postBackup(_ request: Request) throws -> Response {
        let body = try? request.body.withUnsafeReadableBytes { try JSONParser.parse($0) }
        guard let path = body?["path"]?.stringValue, path.hasPrefix("/") else {
            throw LedgerError(.invalidField, "send {\"path\": \"/absolute/directory\"}")
        }
        let seq = try ledger.backup(to: path)
        logger.notice("backup written", metadata: ["path": "\(path)", "seq": "\(seq)", "user": "\(request.peer.userName)"])
        return .json(["path": .string(path), "seq": .number(Double(seq), plainInteger: true)], status: .created)
    }
}
