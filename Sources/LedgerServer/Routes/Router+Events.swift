#if canImport(Glibc)
import Glibc
#endif
import LedgerDomain
import LedgerEngine
import NIOCore
import NIOHTTP1
import ServiceLifecycle

extension Router {
    static let eventMediaTypes = [
        "application/json", "application/cloudevents+json", "application/cloudevents-batch+json", "application/x-ndjson",
    ]

    /// `POST /v1/events`: refusals in the contract's order (media type, body size, JSON, batch
    /// size, access), then the atomic append; 201 with new events, 200 for repeats only.
    func postEvents(_ request: Request, grant: Grant) async throws -> Response {
        guard let media = request.mediaType, Self.eventMediaTypes.contains(media) else {
            throw LedgerError(
                .unsupportedMediaType,
                "send events as \(Self.eventMediaTypes.joined(separator: ", "))" + (request.mediaType.map { ", not \($0)" } ?? ""))
        }
        if request.bodyTooLarge {
            throw LedgerError(.tooLarge, "the body is larger than \(configuration.maxBodyBytes) bytes")
        }
        if media == "application/x-ndjson", grant.sources == nil {
            // Lines within the limit from a recorder that may append for any source: they are
            // parsed together with the checks, chunk by chunk, while the writer stores the
            // chunks before them. A line that is not JSON still wins over every other refusal.
            let lines = EventBody.lines(of: request.body)
            if !lines.isEmpty, lines.count <= configuration.maxBatchEvents {
                let body = request.body
                let result = try await ledger.append(count: lines.count, batch: true, recordedBy: request.peer.userName) {
                    EventBody.parse(line: lines[$0], index: $0, of: body)
                }
                return appended(result)
            }
        }
        let (events, batch) = try await EventBody.parse(request.body, mediaType: media)
        if events.isEmpty { throw LedgerError(.invalidField, "the batch is empty") }
        if events.count > configuration.maxBatchEvents {
            throw LedgerError(.tooLarge, "the batch holds \(events.count) events; the limit is \(configuration.maxBatchEvents)")
        }
        if let allowed = grant.sources {
            for (index, event) in events.enumerated() {
                let source = event["source"]?.stringValue
                if source == nil || !allowed.contains(source!) {
                    throw deny(
                        request, reason: "source \(source ?? "(none)") is not one this recorder may append for",
                        index: batch ? index : nil)
                }
            }
        }
        return appended(
            try await ledger.append(events, batch: batch, recordedBy: request.peer.userName, soleClient: request.soleConnection))
    }

    /// 201 with new events, 200 for repeats only.
    private func appended(_ result: AppendResult) -> Response {
        metrics.observeAppend(events: result.entries.count, stored: result.entries.count { !$0.duplicate })
        return Response(
            status: result.onlyDuplicates ? .ok : .created, contentType: "application/json",
            body: .bytes(Self.appendAnswer(result)))
    }

    /// `{"events":[{"id","seq","streamversion","leafhash"[,"duplicate":true]},…],"size":N}`,
    /// written straight into a buffer sized for the longest answer the entries could make: a
    /// 10,000-event answer built as a JSON tree cost more than the events' own commit, and
    /// appended to an array piece by piece still took 6 to 10 ms.
    static func appendAnswer(_ result: AppendResult) -> [UInt8] {
        var capacity = AnswerWriter.fixedBytes
        for entry in result.entries {
            capacity += AnswerWriter.entryBytes(idBytes: entry.id.utf8.count, hashBytes: entry.leafHash.count)
        }
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            var out = AnswerWriter(buffer.baseAddress!)
            out.append(#"{"events":["#)
            for (i, entry) in result.entries.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(#"{"id":"#)
                out.appendString(entry.id)
                out.append(#","seq":"#)
                out.appendDecimal(entry.seq)
                out.append(#","streamversion":"#)
                out.appendDecimal(UInt64(entry.streamVersion))
                out.append(#","leafhash":""#)
                out.count += Base64.write(entry.leafHash, to: out.base + out.count)
                out.append(UInt8(ascii: "\""))
                if entry.duplicate { out.append(#","duplicate":true"#) }
                out.append(UInt8(ascii: "}"))
            }
            out.append(#"],"size":"#)
            out.appendDecimal(result.size)
            out.append(UInt8(ascii: "}"))
            precondition(out.count <= capacity)
            count = out.count
        }
    }

    /// `GET /v1/events`: canonical lines as NDJSON; with `follow=true` the stream stays open.
    func getEvents(_ request: Request) throws -> Response {
        let after = try Query.unsigned(request.query, "after") ?? 0
        let limit = try Query.unsigned(request.query, "limit").map(Int.init) ?? 1000
        guard (1...10_000).contains(limit) else { throw LedgerError(.invalidQuery, "limit must be from 1 to 10000") }
        let follow = try Query.bool(request.query, "follow") ?? false
        let subject = request.query["subject"]
        let type = request.query["type"]
        if !follow {
            var body: [UInt8] = []
            for line in try ledger.lines(after: after, limit: limit, subject: subject, type: type) {
                body += line
                body.append(UInt8(ascii: "\n"))
            }
            return Response(status: .ok, contentType: "application/x-ndjson", body: .bytes(body))
        }
        let ledger = self.ledger
        return Response(status: .ok, contentType: "application/x-ndjson", body: .stream { write in
            // A follower ends when the daemon shuts down, so that shutdown never waits on it.
            try await cancelWhenGracefulShutdown {
                try await Self.follow(ledger: ledger, after: after, limit: limit, subject: subject, type: type, write: write)
            }
        })
    }

    static func follow(
        ledger: Ledger, after: UInt64, limit: Int, subject: String?, type: String?, write: BodyWriter
    ) async throws {
            let updates = ledger.headUpdates()
            var position = after
            while !Task.isCancelled {
                let head = ledger.head
                let lines = try ledger.lines(after: position, limit: limit, subject: subject, type: type)
                if !lines.isEmpty {
                    var chunk: [UInt8] = []
                    for line in lines {
                        chunk += line
                        chunk.append(UInt8(ascii: "\n"))
                    }
                    try await write(chunk)
                    position = max(position, CanonicalSeq.read(lines.last!) ?? position)
                    if lines.count == limit { continue }
                }
                // The snapshot held everything up to `head`: nothing before it is left to send.
                position = max(position, head)
                var moved = false
                for await next in updates where next > position {
                    moved = true
                    break
                }
                if !moved { return }
            }
    }

    /// `GET /v1/subjects/KIND/SLUG`: the stored events with `retractedby`.
    func getSubject(_ name: String) throws -> Response {
        guard let subject = Subject(name), let history = try ledger.history(of: subject) else {
            throw LedgerError(.notFound, "nothing was ever recorded on \(name)")
        }
        let events: [JSONValue] = history.map { item in
            guard case .object(var object)? = try? JSONParser.parse(item.line) else { return .null }
            object["retractedby"] = item.retractedBy.map { .string($0) } ?? .null
            return .object(object)
        }
        return .json(["subject": .string(subject.description), "events": .array(events)])
    }
}

/// Reads `seq` out of a canonical line.
enum CanonicalSeq {
    static func read(_ line: [UInt8]) -> UInt64? {
        guard case .object(let object)? = try? JSONParser.parse(line), case .number(let seq, _)? = object["seq"] else {
            return nil
        }
        return UInt64(seq)
    }
}

/// Splits a request body into events: one object, an array, or NDJSON lines.
enum EventBody {
    static func parse(_ body: ByteBuffer, mediaType: String) async throws -> (events: [JSONValue], batch: Bool) {
        if mediaType == "application/x-ndjson" {
            // The lines parse on every core; the first line that is not JSON is the one named.
            let lines = lines(of: body)
            let parsed = await Parallel.map(Array(lines.indices)) { parse(line: lines[$0], index: $0, of: body) }
            return (try parsed.map { try $0.get() }, true)
        }
        let value: JSONValue
        do {
            value = try body.withUnsafeReadableBytes { try JSONParser.parse($0) }
        } catch {
            throw LedgerError(.malformedJSON, "the body is not JSON: \(error)")
        }
        switch (value, mediaType) {
        case (.object, "application/cloudevents-batch+json"):
            throw LedgerError(.malformedJSON, "application/cloudevents-batch+json takes an array of events")
        case (.array, "application/cloudevents+json"):
            throw LedgerError(.malformedJSON, "application/cloudevents+json takes one event object")
        case (.object, _): return ([value], false)
        case (.array(let items), _): return (items, true)
        default: throw LedgerError(.malformedJSON, "the body must be an event object or an array of events")
        }
    }

    /// The event on `line`, the `index`th non-blank line (from 0), or its `malformed-json`
    /// refusal: its `index` counts non-blank lines (the contract's), and its detail names the
    /// line as an editor numbers it, blank lines included.
    static func parse(line: Line, index: Int, of body: ByteBuffer) -> Result<JSONValue, LedgerError> {
        do {
            return .success(
                try body.withUnsafeReadableBytes { bytes in
                    try JSONParser.parse(UnsafeRawBufferPointer(rebasing: bytes[line.range]))
                })
        } catch {
            let detail = "line \(line.number) (event \(index + 1)) is not JSON: \(error)"
            return .failure(LedgerError(.malformedJSON, detail, index: index))
        }
    }

    /// A non-blank line of an NDJSON body: its bytes and its 1-based number among all lines.
    struct Line: Sendable {
        let range: Range<Int>
        let number: Int
    }

    /// The body's lines that hold more than blanks, with their numbers among all lines.
    static func lines(of body: ByteBuffer) -> [Line] {
        body.withUnsafeReadableBytes { bytes in
            var lines: [Line] = []
            var start = 0
            var number = 0
            guard let base = bytes.baseAddress else { return lines }
            while start <= bytes.count {
                // memchr: a byte-by-byte search took milliseconds for a 10,000-line body.
                let newline = memchr(base + start, 0x0A, bytes.count - start)
                let end = newline.map { base.distance(to: UnsafeRawPointer($0)) } ?? bytes.count
                number += 1
                if !bytes[start..<end].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                    lines.append(Line(range: start..<end, number: number))
                }
                start = end + 1
            }
            return lines
        }
    }
}

/// Query parameter parsing; a bad value is `invalid-query`.
enum Query {
    static func unsigned(_ query: [String: String], _ name: String) throws -> UInt64? {
        guard let text = query[name] else { return nil }
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = UInt64(text),
            value <= 9_007_199_254_740_992
        else {
            throw LedgerError(.invalidQuery, "\(name) must be a non-negative integer")
        }
        return value
    }

    static func bool(_ query: [String: String], _ name: String) throws -> Bool? {
        guard let text = query[name] else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw LedgerError(.invalidQuery, "\(name) must be true or false")
        }
    }
}

/// Writes an append answer into memory sized beforehand (`Router.appendAnswer`).
private struct AnswerWriter {
    /// Room for the answer's own members: `{"events":[`, `],"size":`, a decimal and `}`.
    static let fixedBytes = 64
    /// Room for one entry: its members' names and punctuation (65 bytes with `"duplicate":true`),
    /// two decimals, the id escaped (at most 6 bytes for each of its bytes) and the hash in base64.
    static func entryBytes(idBytes: Int, hashBytes: Int) -> Int {
        80 + 2 * CanonicalJSON.maxDecimalDigits + 6 * idBytes + Base64.encodedCount(hashBytes)
    }

    let base: UnsafeMutablePointer<UInt8>
    var count = 0

    init(_ base: UnsafeMutablePointer<UInt8>) {
        self.base = base
    }

    mutating func append(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    mutating func append(_ literal: StaticString) {
        (base + count).update(from: literal.utf8Start, count: literal.utf8CodeUnitCount)
        count += literal.utf8CodeUnitCount
    }

    mutating func appendDecimal(_ value: UInt64) {
        count += CanonicalJSON.writeDecimal(value, to: base + count)
    }

    /// `s` as a JSON string, as `CanonicalJSON.writeString` writes it: copied with its quotes
    /// when nothing in it needs escaping (any id the daemon assigns), else through the encoder.
    mutating func appendString(_ s: String) {
        var s = s
        let plain = s.withUTF8 { utf8 in
            guard !CanonicalJSON.needsEscaping(utf8) else { return false }
            append(UInt8(ascii: "\""))
            append(utf8)
            append(UInt8(ascii: "\""))
            return true
        }
        if !plain {
            var escaped: [UInt8] = []
            CanonicalJSON.writeString(s, into: &escaped)
            escaped.withUnsafeBufferPointer { append($0) }
        }
    }

    private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let start = bytes.baseAddress else { return }
        (base + count).update(from: start, count: bytes.count)
        count += bytes.count
    }
}
