public import Ristretto255

/// A point of a proof as it travels: the 32 wire bytes (appended to the transcript as
/// received, as the crate does) and the decoded point.
struct ProofPoint: Sendable, Equatable {
    let encoding: [UInt8]
    let point: RistrettoPoint

    /// Decodes a canonical encoding, naming `field` in the error.
    init(decoding bytes: ArraySlice<UInt8>, field: String) throws(BulletproofsError) {
        do {
            point = try RistrettoPoint(encoding: bytes, field: field)
        } catch {
            throw .invalidPoint(field: field)
        }
        encoding = Array(bytes)
    }

    /// A point computed by the prover, with its encoding.
    init(_ point: RistrettoPoint, encoding: [UInt8]) {
        self.point = point
        self.encoding = encoding
    }

    init(_ point: RistrettoPoint) {
        self.init(point, encoding: point.encoding)
    }

    /// True iff the encoding is 32 zero bytes (the identity).
    var isIdentityEncoding: Bool { encoding.allSatisfy { $0 == 0 } }
}

/// Decodes a canonical 32-byte scalar, naming `field` in the error.
func decodeScalar(_ bytes: ArraySlice<UInt8>, field: String) throws(BulletproofsError) -> Scalar {
    do {
        return try Scalar(canonical: bytes, field: field)
    } catch {
        throw .nonCanonicalScalar(field: field)
    }
}

/// An aggregated Bulletproofs range proof in the wire format of the dalek
/// `bulletproofs` crate (`RangeProof::to_bytes` / `from_bytes`).
///
/// It proves that each of m Pedersen commitments V_j = v_j*B + gamma_j*B~ opens to a
/// value 0 <= v_j < 2^n, with n in {8, 16, 32, 64} and m in {1, 2, 4, 8, 16}.
///
/// Wire layout (all fields 32 bytes; no length prefix, no version byte; points are
/// RFC 9496 encodings, scalars canonical little-endian integers < l), with
/// k = log2(n*m) inner-product rounds:
///
/// | offset          | field                      |
/// |-----------------|----------------------------|
/// | 0               | A (point)                  |
/// | 32              | S (point)                  |
/// | 64              | T_1 (point)                |
/// | 96              | T_2 (point)                |
/// | 128             | t_x (scalar)               |
/// | 160             | t_x_blinding (scalar)      |
/// | 192             | e_blinding (scalar)        |
/// | 224 + 64*(r-1)  | L_r (point), r = 1...k     |
/// | 256 + 64*(r-1)  | R_r (point)                |
/// | 224 + 64*k      | a (scalar)                 |
/// | 256 + 64*k      | b (scalar)                 |
///
/// Total 32 * (9 + 2k) bytes: 672 for n = 64, m = 1; 736 for m = 2; 928 for m = 16.
/// See ../shared/reference/bulletproofs-wire-format.md section 4.
public struct RangeProof: Sendable, Equatable {
    let A: ProofPoint
    let S: ProofPoint
    let T1: ProofPoint
    let T2: ProofPoint
    let tX: Scalar
    let tXBlinding: Scalar
    let eBlinding: Scalar
    let ipp: InnerProductProof

    init(A: ProofPoint, S: ProofPoint, T1: ProofPoint, T2: ProofPoint, tX: Scalar, tXBlinding: Scalar,
         eBlinding: Scalar, ipp: InnerProductProof) {
        self.A = A
        self.S = S
        self.T1 = T1
        self.T2 = T2
        self.tX = tX
        self.tXBlinding = tXBlinding
        self.eBlinding = eBlinding
        self.ipp = ipp
    }

    /// Decodes a proof strictly: the length must be 32 * (9 + 2k) with k < 32, every
    /// scalar canonical, every point a canonical ristretto255 encoding. (The identity is
    /// decodable here and rejected by verification, as in the crate.)
    /// - Parameter backend: the backend of the batched point decoding (one the CPU runs).
    /// - Throws: `BulletproofsError.wrongLength`, `.malformedInnerProduct`,
    ///   `.nonCanonicalScalar(field:)` or `.invalidPoint(field:)` naming the field.
    public init(bytes: some Collection<UInt8>, backend: Backend = .portable) throws(BulletproofsError) {
        try self.init(bytes: bytes, decoded: nil, backend: backend)
    }

    /// `init(bytes:)`, given the points a caller already decoded: `decoded[k]` for the
    /// k-th point in wire order (A, S, T_1, T_2, L_1, R_1, ...), used only if every one is
    /// present and equal in number (a caller's batch decoding over a larger object).
    package init(bytes: some Collection<UInt8>, decoded: [RistrettoPoint?]?, backend: Backend) throws(BulletproofsError) {
        let b = Array(bytes)
        if let decoded, let proof = RangeProof(predecoded: b, points: decoded) {
            self = proof
            return
        }
        guard b.count % 32 == 0 else {
            throw .wrongLength(field: "range proof", actual: b.count, reason: "not a multiple of 32 bytes")
        }
        guard b.count >= 7 * 32 else {
            throw .wrongLength(field: "range proof", actual: b.count, reason: "shorter than the 224-byte header")
        }
        if let proof = RangeProof(batchDecoding: b, backend: backend) {
            self = proof
            return
        }
        // Field order of the crate's from_bytes: scalars of the header, then the
        // inner-product part; points are checked in wire order.
        let tX = try decodeScalar(b[128..<160], field: "t_x")
        let tXBlinding = try decodeScalar(b[160..<192], field: "t_x_blinding")
        let eBlinding = try decodeScalar(b[192..<224], field: "e_blinding")
        let ipp = try InnerProductProof(bytes: b[224...])
        self.init(A: try ProofPoint(decoding: b[0..<32], field: "A"),
                  S: try ProofPoint(decoding: b[32..<64], field: "S"),
                  T1: try ProofPoint(decoding: b[64..<96], field: "T_1"),
                  T2: try ProofPoint(decoding: b[96..<128], field: "T_2"),
                  tX: tX, tXBlinding: tXBlinding, eBlinding: eBlinding, ipp: ipp)
    }

    /// Decodes many proofs as `init(bytes:)` does each (the same proofs, the same errors),
    /// with every proof's points in one `RistrettoPoint.decodeBatch`: the square roots run
    /// sixteen at a time on the vector lanes of `backend` where it has them, and a proof's
    /// 4 + 2k points alone fill the lanes badly (18 points of a 2 x 64-bit proof take two
    /// passes of sixteen).
    public static func decodeMany(_ encodings: [[UInt8]], backend: Backend = .portable)
        -> [Result<RangeProof, BulletproofsError>] {
        var slices: [ArraySlice<UInt8>] = []
        var ranges: [Range<Int>?] = []
        ranges.reserveCapacity(encodings.count)
        for b in encodings {
            guard let s = pointSlices(b) else { ranges.append(nil); continue }
            ranges.append(slices.count..<(slices.count + s.count))
            slices += s
        }
        let points = RistrettoPoint.decodeBatch(slices, backend: backend)
        return zip(encodings, ranges).map { b, range in
            Result { () throws(BulletproofsError) in
                try RangeProof(bytes: b, decoded: range.map { Array(points[$0]) }, backend: backend)
            }
        }
    }

    /// The common case of `init(bytes:)`: a well-formed proof whose points are all
    /// valid, decoded with one `RistrettoPoint.decodeBatch` on `backend`. Nil for anything
    /// else; `init(bytes:)` then decodes field by field, in the crate's order, to name the
    /// first bad field.
    private init?(batchDecoding b: [UInt8], backend: Backend) {
        guard let slices = Self.pointSlices(b) else { return nil }
        self.init(predecoded: b, points: RistrettoPoint.decodeBatch(slices, backend: backend))
    }

    /// The encodings of a well-formed proof's points in wire order (A, S, T_1, T_2,
    /// L_1, R_1, ...), or nil if the length is not 32 * (9 + 2k), k < 32.
    package static func pointSlices(_ b: [UInt8]) -> [ArraySlice<UInt8>]? {
        let words = b.count / 32
        guard b.count % 32 == 0, words >= 9, (words - 9) % 2 == 0, (words - 9) / 2 < 32 else { return nil }
        var slices = (0..<4).map { b[(32 * $0)..<(32 * $0 + 32)] }
        for k in 0..<(words - 9) { slices.append(b[(224 + 32 * k)..<(256 + 32 * k)]) }
        return slices
    }

    /// A proof from its bytes and its points decoded in wire order; nil unless every
    /// scalar is canonical and every point present.
    private init?(predecoded b: [UInt8], points: [RistrettoPoint?]) {
        let words = b.count / 32
        guard b.count % 32 == 0, words >= 9, (words - 9) % 2 == 0 else { return nil }
        let rounds = (words - 9) / 2
        guard rounds < 32,
              let tX = try? decodeScalar(b[128..<160], field: "t_x"),
              let tXBlinding = try? decodeScalar(b[160..<192], field: "t_x_blinding"),
              let eBlinding = try? decodeScalar(b[192..<224], field: "e_blinding"),
              let a = try? decodeScalar(b[(224 + 64 * rounds)..<(256 + 64 * rounds)], field: "a"),
              let bb = try? decodeScalar(b[(256 + 64 * rounds)..<(288 + 64 * rounds)], field: "b") else { return nil }
        guard points.count == 4 + 2 * rounds else { return nil }
        var decoded: [ProofPoint] = []
        decoded.reserveCapacity(points.count)
        for (k, p) in points.enumerated() {
            guard let p else { return nil }
            decoded.append(ProofPoint(p, encoding: Array(k < 4 ? b[(32 * k)..<(32 * k + 32)]
                                                               : b[(224 + 32 * (k - 4))..<(256 + 32 * (k - 4))])))
        }
        let L = (0..<rounds).map { decoded[4 + 2 * $0] }
        let R = (0..<rounds).map { decoded[5 + 2 * $0] }
        self.init(A: decoded[0], S: decoded[1], T1: decoded[2], T2: decoded[3], tX: tX, tXBlinding: tXBlinding,
                  eBlinding: eBlinding, ipp: InnerProductProof(L: L, R: R, a: a, b: bb))
    }

    /// The wire encoding (`RangeProof::to_bytes`).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32 * (9 + 2 * ipp.L.count))
        out += A.encoding
        out += S.encoding
        out += T1.encoding
        out += T2.encoding
        out += tX.bytes
        out += tXBlinding.bytes
        out += eBlinding.bytes
        ipp.append(to: &out)
        return out
    }

    /// Number of inner-product rounds k = log2(n * m).
    public var rounds: Int { ipp.L.count }

    /// Wire length of a proof for bit size n and m values: 32 * (9 + 2 * log2(n*m)).
    public static func encodedLength(bitSize n: Int, aggregation m: Int) -> Int {
        32 * (9 + 2 * (n * m).trailingZeroBitCount)
    }
}
