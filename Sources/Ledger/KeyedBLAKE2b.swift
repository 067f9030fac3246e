import Ristretto255
import Ristretto255AVX2
import Ristretto255SIMD
import Sodium
import ZKPayCore

/// Keyed BLAKE2b-256 (RFC 7693) of short messages with a fixed key: the ledger's hot hashes
/// (chain hash, receipt Merkle leaves and nodes), which hash 64 or 83 bytes under one of
/// three keys for every settled transfer.
///
/// Keyed BLAKE2b compresses the key, padded to a 128-byte block, before the message. That
/// first compression depends on the key alone, so it is done once (`init`), and a message
/// of at most 128 bytes then costs one compression instead of libsodium's two plus its
/// state set-up: the same values, which tests check against libsodium (`Hash.blake2b`)
/// for every message length and several keys. Longer or empty messages go to libsodium.
/// Data here is public (the compression is constant-time anyway: no branches or table
/// look-ups on data).
struct KeyedBLAKE2b: Sendable {
    /// The key, for the messages this type hands to libsodium.
    let key: [UInt8]
    /// The chaining value after the key block.
    private let h: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    /// The initialization vector (the first 64 bits of the fractional parts of the square
    /// roots of the first eight primes, as SHA-512's), also handed to `BLAKE2bLanes` and `BLAKE2bLanes4`.
    private static let ivWords: [UInt64] = [
        0x6A09_E667_F3BC_C908, 0xBB67_AE85_84CA_A73B, 0x3C6E_F372_FE94_F82B, 0xA54F_F53A_5F1D_36F1,
        0x510E_527F_ADE6_82D1, 0x9B05_688C_2B3E_6C1F, 0x1F83_D9AB_FB41_BD6B, 0x5BE0_CD19_137E_2179,
    ]
    private static let iv = (ivWords[0], ivWords[1], ivWords[2], ivWords[3], ivWords[4], ivWords[5], ivWords[6], ivWords[7])

    /// The message schedule: `sigma[16 * r + i]` is the message word used at step i of round r
    /// (rounds 10 and 11 repeat rounds 0 and 1); also handed to `BLAKE2bLanes`.
    private static let sigma: [UInt8] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
        11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
        7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
        9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
        2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
        12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
        13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
        6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
        10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
    ]

    /// A hasher for `key` (1...64 bytes), with a 32-byte output.
    init(key: [UInt8]) {
        precondition((1...64).contains(key.count), "a BLAKE2b key is 1...64 bytes")
        self.key = key
        var h = Self.iv
        // Parameter block: digest length 32, key length, fanout 1, depth 1.
        h.0 ^= 0x0101_0000 ^ (UInt64(key.count) << 8) ^ 32
        var block = [UInt8](repeating: 0, count: 128)
        block.replaceSubrange(0..<key.count, with: key)
        block.withUnsafeBytes { Self.compress(&h, block: $0, counter: 128, last: false) }
        self.h = h
    }

    /// BLAKE2b-256 keyed with `key` of `first ‖ second`.
    func digest(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) -> Digest32 {
        let n = first.count + second.count
        guard n >= 1, n <= 128 else { return keyedDigest(first, second, key: key) }
        var block = SIMD16<UInt64>.zero
        withUnsafeMutableBytes(of: &block) { b in
            if first.count > 0 { UnsafeMutableRawBufferPointer(rebasing: b[0..<first.count]).copyMemory(from: first) }
            if second.count > 0 { UnsafeMutableRawBufferPointer(rebasing: b[first.count..<n]).copyMemory(from: second) }
        }
        var state = h
        withUnsafeBytes(of: &block) { Self.compress(&state, block: $0, counter: UInt64(128 + n), last: true) }
        return (state.0.littleEndian, state.1.littleEndian, state.2.littleEndian, state.3.littleEndian)
    }

    /// The digests of `count` messages of `length` bytes each (1...128), message i at
    /// `base + i * stride`, into `out[0..<count]`: eight at a time on the IFMA backend's
    /// lanes (`BLAKE2bLanes`), four at a time on the AVX2 backend's (`BLAKE2bLanes4`), one at
    /// a time on the portable backend and for a remainder too short to fill lanes usefully.
    /// The same values as `digest`.
    /// - Precondition: `backend` is one the CPU runs.
    func digests(_ base: UnsafeRawPointer, stride: Int, length: Int, count: Int, into out: UnsafeMutablePointer<Digest32>,
                 backend: Backend) {
        precondition((1...128).contains(length), "a short message is 1...128 bytes")
        var i = 0
        switch backend {
        case .ifma:
            laneDigests(base, stride: stride, length: length, count: count, into: out, from: &i, minimum: 3,
                        compress: { (h: UnsafeMutablePointer<SIMD8<UInt64>>, m, counter, iv, sigma) in
                            BLAKE2bLanes.compress(h, m, counter: counter, last: true, iv: iv, sigma: sigma)
                        })
        case .avx2:
            laneDigests(base, stride: stride, length: length, count: count, into: out, from: &i, minimum: 2,
                        compress: { (h: UnsafeMutablePointer<SIMD4<UInt64>>, m, counter, iv, sigma) in
                            BLAKE2bLanes4.compress(h, m, counter: counter, last: true, iv: iv, sigma: sigma)
                        })
        case .portable:
            break
        }
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        while i < count {
            out[i] = digest(UnsafeRawBufferPointer(start: base + i * stride, count: length), none)
            i += 1
        }
    }

    /// The digests of messages `i`, `i` + 1, … on `V.scalarCount` lanes (one final block per
    /// lane) while at least `minimum` remain; advances `i` past them.
    private func laneDigests<V: SIMD>(_ base: UnsafeRawPointer, stride: Int, length: Int, count: Int,
                                      into out: UnsafeMutablePointer<Digest32>, from i: inout Int, minimum: Int,
                                      compress: (UnsafeMutablePointer<V>, UnsafePointer<V>, V, UnsafePointer<UInt64>,
                                                 UnsafePointer<UInt8>) -> Void) where V.Scalar == UInt64 {
        let lanes = V.scalarCount
        guard count - i >= minimum else { return }
        withUnsafeTemporaryAllocation(of: V.self, capacity: 24) { vectors in
            let m = vectors.baseAddress!
            let h = m + 16
            // One zero-padded block per lane; each message overwrites the same first `length` bytes.
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: lanes * 16) { words in
                let blocks = words.baseAddress!
                blocks.initialize(repeating: 0, count: lanes * 16)
                let raw = UnsafeMutableRawPointer(blocks)
                let counter = V(repeating: UInt64(128 + length))
                while count - i >= minimum {
                    let n = Swift.min(lanes, count - i)
                    for j in 0..<n { (raw + 128 * j).copyMemory(from: base + (i + j) * stride, byteCount: length) }
                    for w in 0..<16 {
                        var v = V()
                        for j in 0..<lanes { v[j] = UInt64(littleEndian: blocks[16 * j + w]) }
                        m[w] = v
                    }
                    h[0] = V(repeating: self.h.0); h[1] = V(repeating: self.h.1)
                    h[2] = V(repeating: self.h.2); h[3] = V(repeating: self.h.3)
                    h[4] = V(repeating: self.h.4); h[5] = V(repeating: self.h.5)
                    h[6] = V(repeating: self.h.6); h[7] = V(repeating: self.h.7)
                    Self.ivWords.withUnsafeBufferPointer { iv in
                        Self.sigma.withUnsafeBufferPointer { sigma in
                            compress(h, m, counter, iv.baseAddress!, sigma.baseAddress!)
                        }
                    }
                    for j in 0..<n {
                        out[i + j] = (h[0][j].littleEndian, h[1][j].littleEndian, h[2][j].littleEndian, h[3][j].littleEndian)
                    }
                    i += n
                }
            }
        }
    }

    /// One application of the compression function F to `h` with the 128-byte `block`, the
    /// byte counter `counter` (< 2^64 here) and the final-block flag.
    private static func compress(_ h: inout (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64),
                                 block: UnsafeRawBufferPointer, counter: UInt64, last: Bool) {
        var v0 = h.0, v1 = h.1, v2 = h.2, v3 = h.3, v4 = h.4, v5 = h.5, v6 = h.6, v7 = h.7
        var v8 = iv.0, v9 = iv.1, v10 = iv.2, v11 = iv.3
        var v12 = iv.4 ^ counter, v13 = iv.5, v14 = last ? ~iv.6 : iv.6, v15 = iv.7

        @inline(__always) func g(_ a: inout UInt64, _ b: inout UInt64, _ c: inout UInt64, _ d: inout UInt64,
                                 _ x: UInt64, _ y: UInt64) {
            a = a &+ b &+ x
            d = (d ^ a).rotatedRight(32)
            c = c &+ d
            b = (b ^ c).rotatedRight(24)
            a = a &+ b &+ y
            d = (d ^ a).rotatedRight(16)
            c = c &+ d
            b = (b ^ c).rotatedRight(63)
        }
        // The message words in a stack buffer indexed through a pointer (a SIMD16 indexed by
        // a run-time value was spilled whole for every access).
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 16) { words in
            let m = words.baseAddress!
            for i in 0..<16 { m[i] = UInt64(littleEndian: block.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) }
            sigma.withUnsafeBufferPointer { table in
                let s = table.baseAddress!
                for r in 0..<12 {
                    let o = s + 16 * r
                    g(&v0, &v4, &v8, &v12, m[Int(o[0])], m[Int(o[1])])
                    g(&v1, &v5, &v9, &v13, m[Int(o[2])], m[Int(o[3])])
                    g(&v2, &v6, &v10, &v14, m[Int(o[4])], m[Int(o[5])])
                    g(&v3, &v7, &v11, &v15, m[Int(o[6])], m[Int(o[7])])
                    g(&v0, &v5, &v10, &v15, m[Int(o[8])], m[Int(o[9])])
                    g(&v1, &v6, &v11, &v12, m[Int(o[10])], m[Int(o[11])])
                    g(&v2, &v7, &v8, &v13, m[Int(o[12])], m[Int(o[13])])
                    g(&v3, &v4, &v9, &v14, m[Int(o[14])], m[Int(o[15])])
                }
            }
        }
        h.0 ^= v0 ^ v8
        h.1 ^= v1 ^ v9
        h.2 ^= v2 ^ v10
        h.3 ^= v3 ^ v11
        h.4 ^= v4 ^ v12
        h.5 ^= v5 ^ v13
        h.6 ^= v6 ^ v14
        h.7 ^= v7 ^ v15
    }
}

extension UInt64 {
    /// Rotation right by `n` bits (0 < n < 64).
    @inline(__always) fileprivate func rotatedRight(_ n: UInt64) -> UInt64 { (self &>> n) | (self &<< (64 &- n)) }
}
