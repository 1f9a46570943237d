import Crypto
import Foundation

/// C2SP signed notes with Ed25519 keys, and C2SP tlog checkpoints.
public enum SignedNote {
    /// The 4-byte key id: SHA-256(name || "\n" || 0x01 || public key)[0..<4].
    public static func keyHash(name: String, publicKey: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: Array(name.utf8) + [0x0A, 0x01] + publicKey).prefix(4))
    }

    /// The verifier key: `name+hash+base64(0x01 || public key)`.
    public static func verifierKey(name: String, publicKey: [UInt8]) -> String {
        let hash = keyHash(name: name, publicKey: publicKey).map { String(format: "%02x", $0) }.joined()
        return "\(name)+\(hash)+\(Data([0x01] + publicKey).base64EncodedString())"
    }

    /// The private key in the same text form (`PRIVATE+KEY+name+hash+base64(0x01 || seed)`).
    public static func signerKey(name: String, key: Curve25519.Signing.PrivateKey) -> String {
        let publicKey = Array(key.publicKey.rawRepresentation)
        let hash = keyHash(name: name, publicKey: publicKey).map { String(format: "%02x", $0) }.joined()
        return "PRIVATE+KEY+\(name)+\(hash)+\(Data([0x01] + Array(key.rawRepresentation)).base64EncodedString())"
    }

    /// Parses a signer key text; nil when malformed.
    public static func parseSignerKey(_ text: String) -> (name: String, key: Curve25519.Signing.PrivateKey)? {
        // The base64 key may itself hold '+': split off the four leading fields only.
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY", let raw = Data(base64Encoded: String(parts[4])),
            raw.count == 33, raw.first == 0x01, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw.dropFirst())
        else { return nil }
        return (String(parts[2]), key)
    }

    /// Parses a verifier key; nil when malformed or its hash does not match.
    public static func parseVerifierKey(_ text: String) -> (name: String, publicKey: [UInt8])? {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let raw = Data(base64Encoded: String(parts[2])), raw.count == 33, raw.first == 0x01 else {
            return nil
        }
        let name = String(parts[0])
        let publicKey = Array(raw.dropFirst())
        let hash = keyHash(name: name, publicKey: publicKey).map { String(format: "%02x", $0) }.joined()
        return hash == parts[1] ? (name, publicKey) : nil
    }

    /// The tlog-checkpoint body: origin, size, base64 root, each on its own line.
    public static func checkpointBody(origin: String, size: UInt64, root: [UInt8]) -> String {
        "\(origin)\n\(size)\n\(Data(root).base64EncodedString())\n"
    }

    /// Signs `body` (which ends in a newline): body, a blank line, and one signature line.
    /// `keyHash` may be passed in when known: deriving it takes the public key, which costs a
    /// scalar multiplication.
    public static func sign(
        body: String, name: String, key: Curve25519.Signing.PrivateKey, keyHash knownHash: [UInt8]? = nil
    ) throws -> String {
        let signature = try key.signature(for: Array(body.utf8))
        let hash = knownHash ?? keyHash(name: name, publicKey: Array(key.publicKey.rawRepresentation))
        return body + "\n\u{2014} \(name) \(Data(hash + Array(signature)).base64EncodedString())\n"
    }

    /// Checks a signed note against a verifier key; returns its body when a signature by that key verifies.
    public static func verify(note: String, verifierKey: String) -> String? {
        guard let (name, publicKey) = parseVerifierKey(verifierKey),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey),
            let split = note.range(of: "\n\n", options: .backwards)
        else { return nil }
        let body = String(note[..<split.lowerBound]) + "\n"
        let hash = keyHash(name: name, publicKey: publicKey)
        for line in note[split.upperBound...].split(separator: "\n") {
            let prefix = "\u{2014} \(name) "
            guard line.hasPrefix(prefix), let raw = Data(base64Encoded: String(line.dropFirst(prefix.count))), raw.count == 68,
                Array(raw.prefix(4)) == hash
            else { continue }
            if key.isValidSignature(raw.dropFirst(4), for: Array(body.utf8)) { return body }
        }
        return nil
    }

    /// Parses a checkpoint body into origin, size and root.
    public static func parseCheckpoint(_ body: String) -> (origin: String, size: UInt64, root: [UInt8])? {
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 4, let size = UInt64(lines[1]), let root = Data(base64Encoded: String(lines[2])), root.count == 32
        else { return nil }
        return (String(lines[0]), size, Array(root))
    }
}
