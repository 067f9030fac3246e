import Foundation
import Schnorr

/// `zkpay verify` for kind `sr25519`: schnorrkel signatures, each case in its own
/// signing context (Fixtures/vectors/sr25519.json). A valid case must verify and, when
/// it lists a mini secret key, expand (Ed25519 mode) to its secret and public key; an
/// invalid case must be rejected.
extension VerifyCommand {
    static func checkSr25519(_ file: [String: Any]) throws -> [CaseResult] {
        try file.objects("cases").map { c in
            let name = try c.string("name")
            let valid = try c.bool("valid")
            let context = SigningContext(bytes: Array(try c.string("context").utf8))
            let publicKey = try c.hex("public_key")
            let message = try c.hex("message")
            let signature = try c.hex("signature")
            var verdict: SchnorrError? = nil
            do throws(SchnorrError) {
                try Schnorr.verifyVartime(publicKey: publicKey, message: message, signature: signature, context: context)
            } catch {
                verdict = error
            }
            if !valid {
                return verdict == nil ? .fail(name, "invalid signature was accepted") : .pass(name)
            }
            if let verdict { return .fail(name, "valid signature rejected: \(verdict)") }
            if c["mini_secret_key"] != nil {
                let secret = try MiniSecretKey(bytes: try c.hex("mini_secret_key")).expandEd25519()
                var secretBytes = secret.secretBytes()
                defer { for i in secretBytes.indices { secretBytes[i] = 0 } }
                if c["secret_key"] != nil, secretBytes != (try c.hex("secret_key")) {
                    return .fail(name, "Ed25519-mode expansion of mini_secret_key does not give secret_key")
                }
                if secret.publicKey().bytes != publicKey {
                    return .fail(name, "public key of the expanded mini_secret_key differs from public_key")
                }
            }
            return .pass(name)
        }
    }
}
