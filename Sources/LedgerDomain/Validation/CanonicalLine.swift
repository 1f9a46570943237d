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
    /// The rendered bytes around the members known only at commit, in one buffer (one
    /// allocation rather than three, for every event): `head`, `middle` and `tail` one after the other.
    public struct Parts: Sendable {
        var bytes: [UInt8]
        /// Where `middle` starts: `head` is `{"data":…,"datacontenttype":"application/json",["evidence":…,]"id":`
        var middleStart: Int
        /// Where `tail` starts: `middle` is `,"source":"…","specversion":"1.0","streamversion":`
        /// and `tail` is `,"subject":"…","time":"…","type":"…"}`.
        var tailStart: Int
        /// SHA-256 having absorbed the leaf prefix `0x00` and `head`, so that the writer hashes
        /// only the bytes after it (the leaf hash is `SHA-256(0x00 || line)`).
        var headHash: HeadHash
    }

    /// A SHA-256 state to carry across threads.
    struct HeadHash: @unchecked Sendable {  // Sendable: SHA256 is a copy-on-write value whose shared state is never changed in place.
        var hasher: SHA256
    }

    static func parts(event: Attributes, time: Timestamp) -> Parts {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(768)
        bytes.append(literal: #"{"data":"#)
        CanonicalJSON.write(event.data!, into: &bytes)
        bytes.append(literal: #","datacontenttype":"application/json""#)
        if let evidence = event.evidence {
            bytes.append(literal: #","evidence":"#)
            CanonicalJSON.write(evidence, into: &bytes)
        }
        bytes.append(literal: #","id":"#)
        var headHash = SHA256()
        withUnsafeBytes(of: UInt8(0)) { headHash.update(bufferPointer: $0) }
        bytes.withUnsafeBytes { headHash.update(bufferPointer: $0) }

        let middleStart = bytes.count
        bytes.append(literal: #","source":"#)
        CanonicalJSON.write(event.source!, into: &bytes)
        bytes.append(literal: #","specversion":"1.0","streamversion":"#)

        let tailStart = bytes.count
        bytes.append(literal: #","subject":"#)
        CanonicalJSON.write(event.subject!, into: &bytes)
        bytes.append(literal: #","time":""#)
        time.appendDescription(to: &bytes)  // digits and separators: nothing to escape
        bytes.append(UInt8(ascii: "\""))
        bytes.append(literal: #","type":"#)
        CanonicalJSON.write(event.type!, into: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return Parts(bytes: bytes, middleStart: middleStart, tailStart: tailStart, headHash: HeadHash(hasher: headHash))
    }

    /// The canonical line: `parts` with the commit's members. `commitMembers` is
    /// `,"recorded":…,"recordedby":…,"seq":`, which `AppendContext` renders once per request.
    static func assemble(_ parts: Parts, id: String, commitMembers: [UInt8], seq: UInt64, streamVersion: Int) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(parts.bytes.count + commitMembers.count + 80)
        line.append(contentsOf: parts.bytes[..<parts.middleStart])
        CanonicalJSON.writeString(id, into: &line)
        line.append(contentsOf: commitMembers)
        CanonicalJSON.appendDecimal(seq, to: &line)
        line.append(contentsOf: parts.bytes[parts.middleStart..<parts.tailStart])
        CanonicalJSON.appendDecimal(UInt64(streamVersion), to: &line)
        line.append(contentsOf: parts.bytes[parts.tailStart...])
        return line
    }

    /// The leaf hash of `line`, which `assemble` built from `parts`.
    static func leafHash(_ line: [UInt8], parts: Parts) -> [UInt8] {
        var hasher = parts.headHash.hasher
        line.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[parts.middleStart...])) }
        // Through its bytes: `Array(digest)` copies the digest as a generic sequence, byte by byte.
        return hasher.finalize().withUnsafeBytes { Array($0) }
    }
}
