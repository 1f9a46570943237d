import Crypto

/// Builds the stored form of an accepted event: the complete CloudEvent with the daemon's
/// attributes, in RFC 8785 canonical JSON on one line.
///
/// The members sort as `data`, `datacontenttype`, `evidence`, `id`, `recorded`, `recordedby`,
/// `seq`, `source`, `specversion`, `streamversion`, `subject`, `time`, `type`. Everything but
/// `id` (when the daemon assigns it), `recorded`, `recordedby`, `seq` and `streamversion` is
/// known before the event reaches the writer, so `Parts` renders it there and `assemble` only
/// splices those in.
public enum CanonicalLine {
    /// The rendered bytes around the members known only at commit.
    public struct Parts: Sendable {
        /// `{"data":…,"datacontenttype":"application/json",["evidence":…,]"id":`
        var head: [UInt8]
        /// `,"source":"…","specversion":"1.0","streamversion":`
        var middle: [UInt8]
        /// `,"subject":"…","time":"…","type":"…"}`
        var tail: [UInt8]
        /// SHA-256 having absorbed the leaf prefix `0x00` and `head`, so that the writer hashes
        /// only the bytes after it (the leaf hash is `SHA-256(0x00 || line)`).
        var headHash: HeadHash
    }

    /// A SHA-256 state to carry across threads.
    struct HeadHash: @unchecked Sendable {  // Sendable: SHA256 is a copy-on-write value whose shared state is never changed in place.
        var hasher: SHA256
    }

    static func parts(event: Attributes, time: Timestamp) -> Parts {
        var head: [UInt8] = []
        head.reserveCapacity(512)
        head.append(literal: #"{"data":"#)
        CanonicalJSON.write(event.data!, into: &head)
        head.append(literal: #","datacontenttype":"application/json""#)
        if let evidence = event.evidence {
            head.append(literal: #","evidence":"#)
            CanonicalJSON.write(evidence, into: &head)
        }
        head.append(literal: #","id":"#)

        var middle: [UInt8] = []
        middle.reserveCapacity(128)
        middle.append(literal: #","source":"#)
        CanonicalJSON.write(event.source!, into: &middle)
        middle.append(literal: #","specversion":"1.0","streamversion":"#)

        var tail: [UInt8] = []
        tail.reserveCapacity(192)
        tail.append(literal: #","subject":"#)
        CanonicalJSON.write(event.subject!, into: &tail)
        tail.append(literal: #","time":"#)
        CanonicalJSON.writeString(time.description, into: &tail)
        tail.append(literal: #","type":"#)
        CanonicalJSON.write(event.type!, into: &tail)
        tail.append(UInt8(ascii: "}"))
        var headHash = SHA256()
        withUnsafeBytes(of: UInt8(0)) { headHash.update(bufferPointer: $0) }
        head.withUnsafeBytes { headHash.update(bufferPointer: $0) }
        return Parts(head: head, middle: middle, tail: tail, headHash: HeadHash(hasher: headHash))
    }

    /// The canonical line: `parts` with the commit's members. `commitMembers` is
    /// `,"recorded":…,"recordedby":…,"seq":`, which `AppendContext` renders once per request.
    static func assemble(_ parts: Parts, id: String, commitMembers: [UInt8], seq: UInt64, streamVersion: Int) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(parts.head.count + parts.middle.count + parts.tail.count + commitMembers.count + 80)
        line.append(contentsOf: parts.head)
        CanonicalJSON.writeString(id, into: &line)
        line.append(contentsOf: commitMembers)
        CanonicalJSON.appendDecimal(seq, to: &line)
        line.append(contentsOf: parts.middle)
        CanonicalJSON.appendDecimal(UInt64(streamVersion), to: &line)
        line.append(contentsOf: parts.tail)
        return line
    }

    /// The leaf hash of `line`, which `assemble` built from `parts`.
    static func leafHash(_ line: [UInt8], parts: Parts) -> [UInt8] {
        var hasher = parts.headHash.hasher
        line.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[parts.head.count...])) }
        // Through its bytes: `Array(digest)` copies the digest as a generic sequence, byte by byte.
        return hasher.finalize().withUnsafeBytes { Array($0) }
    }
}
