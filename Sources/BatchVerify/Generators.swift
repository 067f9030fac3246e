public import Ristretto255
internal import Keccak

/// Pedersen and Bulletproof generators of the dalek `bulletproofs` crate, capacity
/// 64 bits x 16 parties.
///
/// - `B`: the ristretto255 basepoint (values are committed on it).
/// - `blinding` (B~): RFC 9496 element derivation of SHA3-512(encoding of B)
///   (`PedersenGens::default()`).
/// - `g`, `h`: for party p, chain letter `G`/`H`: generator i is the element derivation
///   of bytes [64i, 64i + 64) of SHAKE256("GeneratorsChain" || letter || LE32(p))
///   (`BulletproofGens::new(64, 16)`). Stored at index `p * 64 + i`.
///
/// Capacity never changes a generator's value: a proof with bit size n and m parties
/// uses the first n generators of parties 0..<m, i.e. indices `j * 64 + i`, i < n.
/// See ../shared/reference/bulletproofs-wire-format.md sections 1 and 2.
public final class Generators: Sendable {
    /// The generators every zkpay proof uses (computed once, on first use).
    public static let standard = Generators()

    /// Bits per party the tables hold (the largest supported range-proof bit size).
    public static let capacityBits = 64
    /// Parties the tables hold (the largest supported aggregation).
    public static let capacityParties = 16

    /// The ristretto255 basepoint B (value generator of Pedersen commitments).
    public let B: RistrettoPoint
    /// B~, the blinding generator of Pedersen commitments.
    public let blinding: RistrettoPoint
    /// G generators, index `party * 64 + bit`, 1024 of them.
    public let g: [RistrettoPoint]
    /// H generators, index `party * 64 + bit`, 1024 of them.
    public let h: [RistrettoPoint]

    private init() {
        B = RistrettoPoint.basepoint
        blinding = RistrettoPoint.fromUniformBytes(SHA3.sha512(RistrettoPoint.basepoint.encoding))
        var g: [RistrettoPoint] = []
        var h: [RistrettoPoint] = []
        g.reserveCapacity(Self.capacityBits * Self.capacityParties)
        h.reserveCapacity(Self.capacityBits * Self.capacityParties)
        for party in 0..<UInt32(Self.capacityParties) {
            g += Self.chain(letter: UInt8(ascii: "G"), party: party, count: Self.capacityBits)
            h += Self.chain(letter: UInt8(ascii: "H"), party: party, count: Self.capacityBits)
        }
        self.g = g
        self.h = h
    }

    /// The first `count` points of one generator chain: SHAKE256 over
    /// "GeneratorsChain" || letter || LE32(party), each point from the next 64 output bytes.
    static func chain(letter: UInt8, party: UInt32, count: Int) -> [RistrettoPoint] {
        var shake = SHAKE256()
        shake.absorb(Array("GeneratorsChain".utf8))
        shake.absorb([letter, UInt8(truncatingIfNeeded: party), UInt8(truncatingIfNeeded: party >> 8),
                      UInt8(truncatingIfNeeded: party >> 16), UInt8(truncatingIfNeeded: party >> 24)])
        var points: [RistrettoPoint] = []
        points.reserveCapacity(count)
        for _ in 0..<count {
            points.append(RistrettoPoint.fromUniformBytes(shake.squeeze(64)))
        }
        return points
    }

    /// Index of party `party`'s generator for bit `bit` in `g` and `h`.
    @inlinable public static func index(party: Int, bit: Int) -> Int { party * capacityBits + bit }
}

extension Generators {
    /// The standard generators as one precomputed variable-time table, interleaved as
    /// [B, B~, G_0, H_0, G_1, H_1, ...] so that proofs over the first parties need only a
    /// short prefix of static scalars (built on first use: ~16 MB, tens of milliseconds).
    /// Used by the inner-product prover, whose multiscalar multiplications are over the
    /// fixed G/H generators with public-grade scalars.
    package static let vartimeTable: VartimePrecomputedTable = {
        let gens = Generators.standard
        var points = [gens.B, gens.blinding]
        points.reserveCapacity(2 + 2 * gens.g.count)
        for k in gens.g.indices {
            points.append(gens.g[k])
            points.append(gens.h[k])
        }
        return VartimePrecomputedTable(points: points)
    }()

    /// Position of G_k in `vartimeTable` (H_k follows it).
    package static func vartimeTablePosition(g k: Int) -> Int { 2 + 2 * k }
}
