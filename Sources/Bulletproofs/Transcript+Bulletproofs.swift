import Merlin
import Ristretto255

/// The transcript protocol of the dalek `bulletproofs` range proofs: every label and
/// domain separator, in one place (reference: bulletproofs-wire-format.md section 3).
///
/// The prover and the verifier call the same functions in the same order; the
/// verifier uses `validateAndAppendPoint` where the crate rejects the identity.
extension Transcript {
    /// `dom-sep` = "rangeproof v1", then the bit size n and the aggregation size m.
    mutating func rangeProofDomainSeparator(bitSize n: Int, aggregation m: Int) {
        appendMessage("dom-sep", Array("rangeproof v1".utf8))
        appendU64("n", UInt64(n))
        appendU64("m", UInt64(m))
    }

    /// `dom-sep` = "ipp v1", then the inner-product vector length N = n * m.
    mutating func innerProductDomainSeparator(length: Int) {
        appendMessage("dom-sep", Array("ipp v1".utf8))
        appendU64("n", UInt64(length))
    }

    /// Appends a 32-byte point encoding as is (commitments V; prover-side points).
    mutating func appendPoint(_ label: StaticString, _ encoding: [UInt8]) {
        appendMessage(label, encoding)
    }

    /// Appends a point the verifier received, rejecting the identity encoding (32 zero
    /// bytes) as the crate does. The check is on the bytes: a proof carrying the
    /// identity is rejected before any decoding.
    /// - Throws: `BulletproofsError.identityPoint(field:)`.
    mutating func validateAndAppendPoint(_ label: StaticString, _ encoding: [UInt8], field: String)
        throws(BulletproofsError)
    {
        var acc: UInt8 = 0
        for b in encoding { acc |= b }  // public data; no need for constant time, but branch-free anyway
        if acc == 0 { throw .identityPoint(field: field) }
        appendMessage(label, encoding)
    }

    /// Appends a scalar's 32-byte canonical encoding.
    mutating func appendScalar(_ label: StaticString, _ scalar: Scalar) {
        appendMessage(label, scalar.bytes)
    }

    /// A challenge scalar: 64 challenge bytes read little-endian and reduced mod l
    /// (curve25519-dalek `from_bytes_mod_order_wide`).
    mutating func challengeScalar(_ label: StaticString) -> Scalar {
        Scalar(reducingWide: challengeBytes(label, count: 64))
    }
}
