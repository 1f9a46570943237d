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
    }

    static func parts(event: JSONObject, time: Timestamp) -> Parts {
        var head: [UInt8] = []
        head.reserveCapacity(256)
        head.append(contentsOf: #"{"data":"#.utf8)
        CanonicalJSON.write(event["data"]!, into: &head)
        head.append(contentsOf: #","datacontenttype":"application/json""#.utf8)
        if let evidence = event["evidence"] {
            head.append(contentsOf: #","evidence":"#.utf8)
            CanonicalJSON.write(evidence, into: &head)
        }
        head.append(contentsOf: #","id":"#.utf8)

        var middle: [UInt8] = []
        middle.append(contentsOf: #","source":"#.utf8)
        CanonicalJSON.write(event["source"]!, into: &middle)
        middle.append(contentsOf: #","specversion":"1.0","streamversion":"#.utf8)

        var tail: [UInt8] = []
        tail.append(contentsOf: #","subject":"#.utf8)
        CanonicalJSON.write(event["subject"]!, into: &tail)
        tail.append(contentsOf: #","time":"#.utf8)
        CanonicalJSON.writeString(time.description, into: &tail)
        tail.append(contentsOf: #","type":"#.utf8)
        CanonicalJSON.write(event["type"]!, into: &tail)
        tail.append(UInt8(ascii: "}"))
        return Parts(head: head, middle: middle, tail: tail)
    }

    /// The canonical line: `parts` with the commit's members. `recordedBy` is already a JSON
    /// string (quoted and escaped), as `jsonString` renders it once per request.
    static func assemble(
        _ parts: Parts, id: String, recorded: String, recordedBy: [UInt8], seq: UInt64, streamVersion: Int
    ) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(parts.head.count + parts.middle.count + parts.tail.count + recordedBy.count + 80)
        line.append(contentsOf: parts.head)
        CanonicalJSON.writeString(id, into: &line)
        line.append(contentsOf: #","recorded":"#.utf8)
        CanonicalJSON.writeString(recorded, into: &line)
        line.append(contentsOf: #","recordedby":"#.utf8)
        line.append(contentsOf: recordedBy)
        line.append(contentsOf: #","seq":"#.utf8)
        line.append(contentsOf: String(seq).utf8)
        line.append(contentsOf: parts.middle)
        line.append(contentsOf: String(streamVersion).utf8)
        line.append(contentsOf: parts.tail)
        return line
    }

    /// `text` as a canonical JSON string, quotes included.
    static func jsonString(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        CanonicalJSON.writeString(text, into: &out)
        return out
    }
}
