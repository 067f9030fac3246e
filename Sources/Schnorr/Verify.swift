public import BatchVerify
public import Merlin
public import Ristretto255

/// Shared pieces of signing and verification.
public enum Schnorr {
    /// k = challenge_bytes("sign:c", 64) reduced mod l.
    static func challenge(_ t: inout Transcript) -> Scalar {
        Scalar(reducingWide: t.challengeBytes(Labels.challenge, count: 64))
    }

    /// The challenge k of `signature` on `transcript` under `publicKey`: the verifier's
    /// replay of the signer's transcript (proto-name, sign:pk, sign:R, sign:c).
    static func challenge(_ transcript: Transcript, publicKey: PublicKey, signature: Signature) -> Scalar {
        var t = transcript
        Labels.schnorrSig.withUTF8Buffer { t.appendMessage(Labels.protoName, $0) }
        t.appendMessage(Labels.publicKey, publicKey.bytes)
        t.appendMessage(Labels.commitment, signature.rBytes)
        return challenge(&t)
    }

    /// Verifies sr25519 bytes: a 32-byte public key, a 64-byte signature and a message
    /// in `context`, under the basepoint.
    /// - Throws: the parsing errors of `PublicKey` and `Signature`, or `verificationFailed`.
    /// - Warning: Variable time. Public data only.
    public static func verifyVartime(publicKey: some Collection<UInt8>, message: some Collection<UInt8>,
                                     signature: some Collection<UInt8>, context: SigningContext) throws(SchnorrError) {
        let key = try PublicKey(bytes: publicKey)
        let sig = try Signature(bytes: signature)
        try key.verifyVartime(sig, context.bytes(message))
    }
}

extension PublicKey {
    /// Verifies `signature` on the message bound in `transcript` under generator G:
    /// s·G − k·A == R (schnorrkel `verify`, with R compared as a canonical point).
    /// - Parameter generator: G; B unless stated otherwise (the balance proof uses B~).
    /// - Throws: `SchnorrError.verificationFailed`.
    /// - Warning: Variable time. Public data only.
    public func verifyVartime(_ signature: Signature, _ transcript: Transcript,
                              generator: RistrettoPoint = .basepoint) throws(SchnorrError) {
        let k = Schnorr.challenge(transcript, publicKey: self, signature: signature)
        let expectedR: RistrettoPoint
        if generator == .basepoint {
            expectedR = RistrettoPoint.vartimeDoubleBaseMul(-k, point, signature.s)
        } else {
            expectedR = RistrettoPoint.vartimeMultiscalarMul([signature.s, -k], [generator, point])
        }
        guard expectedR == signature.R else { throw .verificationFailed }
    }

    /// The batch-verification statement of `signature`: s·G − k·A − R == identity.
    ///
    /// G = B and G = B~ go on the shared generator scalars (added up across a batch);
    /// any other generator is a dynamic term.
    /// - Parameter generator: G; B unless stated otherwise.
    public func statement(for signature: Signature, _ transcript: Transcript,
                          generator: RistrettoPoint = .basepoint) -> Statement {
        let k = Schnorr.challenge(transcript, publicKey: self, signature: signature)
        var st = Statement()
        if generator == .basepoint {
            st.b = signature.s
        } else if generator == Generators.standard.blinding {
            st.bBlinding = signature.s
        } else {
            st.add(signature.s, generator)
        }
        st.add(-k, point)
        st.add(-Scalar.one, signature.R)
        return st
    }
}
