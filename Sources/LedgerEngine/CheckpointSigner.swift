import Crypto
import Foundation
import LedgerDomain

/// The daemon's Ed25519 checkpoint key: created at first start as `checkpoint.key` (mode 0600)
/// in the state directory, and never replaced.
struct CheckpointSigner: @unchecked Sendable {  // Sendable: every field is immutable; the Crypto key type is not marked Sendable, but signing with it reads only its fixed bytes.
    let origin: String
    /// Kept parsed: rebuilding it from the seed per commit would re-derive the public key each time.
    let key: Curve25519.Signing.PrivateKey
    /// The signed-note key id, computed once.
    let keyHash: [UInt8]
    let verifierKey: String

    static let fileName = "checkpoint.key"

    static func open(directory: String, origin: String) throws -> CheckpointSigner {
        let path = directory + "/" + fileName
        let key: Curve25519.Signing.PrivateKey
        if FileManager.default.fileExists(atPath: path) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8), let parsed = SignedNote.parseSignerKey(text) else {
                throw LedgerError(.internalError, "\(path) is not a signing key (PRIVATE+KEY+name+hash+key)")
            }
            guard parsed.name == origin else {
                throw LedgerError(
                    .internalError, "\(path) is the key of origin \(parsed.name), but the configured origin is \(origin)")
            }
            key = parsed.key
        } else {
            key = Curve25519.Signing.PrivateKey()
            let text = SignedNote.signerKey(name: origin, key: key) + "\n"
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
            else { throw LedgerError(.internalError, "cannot create \(path)") }
        }
        return CheckpointSigner(
            origin: origin, key: key,
            keyHash: SignedNote.keyHash(name: origin, publicKey: Array(key.publicKey.rawRepresentation)),
            verifierKey: SignedNote.verifierKey(name: origin, publicKey: Array(key.publicKey.rawRepresentation)))
    }

    func sign(size: UInt64, root: [UInt8]) throws -> String {
        try SignedNote.sign(
            body: SignedNote.checkpointBody(origin: origin, size: size, root: root), name: origin, key: key, keyHash: keyHash)
    }
}
