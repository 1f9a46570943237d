/// Builds the stored form of an accepted event: the complete CloudEvent with the daemon's
/// attributes, in RFC 8785 canonical JSON on one line.
enum CanonicalLine {
    static func build(
        event: JSONObject, id: String, time: Timestamp, context: AppendContext, streamVersion: Int
    ) -> [UInt8] {
        var stored = JSONObject()
        stored["specversion"] = "1.0"
        stored["id"] = .string(id)
        stored["source"] = event["source"]
        stored["type"] = event["type"]
        stored["subject"] = event["subject"]
        stored["time"] = .string(time.description)
        stored["datacontenttype"] = "application/json"
        stored["data"] = event["data"]
        if let evidence = event["evidence"] { stored["evidence"] = evidence }
        stored["seq"] = .number(Double(context.seq), plainInteger: true)
        stored["recorded"] = .string(context.recorded)
        stored["recordedby"] = .string(context.recordedBy)
        stored["streamversion"] = .int(streamVersion)
        return CanonicalJSON.encode(.object(stored))
    }
}
