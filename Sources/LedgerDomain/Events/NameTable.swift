/// A lookup from a catalogue's few names (event types, projected data keys) to their values,
/// by length and then bytes. The validation and projection of every event look names up here;
/// hashing each name for a dictionary cost more than comparing it with the names of its length.
struct NameTable<Value: Sendable>: Sendable {
    /// The names and values of each length, at that index.
    private let byLength: [[(name: [UInt8], value: Value)]]

    init(_ entries: [(name: String, value: Value)]) {
        let longest = entries.map(\.name.utf8.count).max() ?? 0
        var byLength = [[(name: [UInt8], value: Value)]](repeating: [], count: longest + 1)
        for (name, value) in entries {
            precondition(!byLength[name.utf8.count].contains { $0.name.elementsEqual(name.utf8) }, "\(name) twice")
            byLength[name.utf8.count].append((Array(name.utf8), value))
        }
        self.byLength = byLength
    }

    subscript(name: String) -> Value? {
        var name = name
        return name.withUTF8 { bytes in
            guard bytes.count < byLength.count else { return nil }
            for entry in byLength[bytes.count] where entry.name.withUnsafeBufferPointer({ $0.elementsEqual(bytes) }) {
                return entry.value
            }
            return nil
        }
    }
}
