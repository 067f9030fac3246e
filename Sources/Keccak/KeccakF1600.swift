/// The Keccak-f[1600] permutation (FIPS 202 §3.3–3.4) and the state it acts on.
///
/// The 200-byte state is 25 little-endian 64-bit lanes, lane A[x + 5y]. Byte i of
/// the state belongs to lane i / 8 (FIPS 202 §3.1.2 with the usual byte order), which
/// is what the sponge (SHA-3, SHAKE) and STROBE-128 address.
public enum Keccak {
    /// Applies Keccak-f[1600] (24 rounds) to 25 lanes in place.
    /// - Parameter state: exactly 25 lanes, lane index x + 5y (precondition).
    public static func f1600(_ state: inout [UInt64]) {
        precondition(state.count == 25, "Keccak-f[1600] acts on exactly 25 lanes")
        var s = KeccakState()
        s.withUnsafeMutableBytes { raw in
            for i in 0..<25 { raw.storeBytes(of: state[i].littleEndian, toByteOffset: 8 * i, as: UInt64.self) }
        }
        s.permute()
        s.withUnsafeBytes { raw in
            for i in 0..<25 { state[i] = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) }
        }
    }

    /// The 24 round constants RC[i] of the iota step (FIPS 202 §3.2.5), from the
    /// degree-8 LFSR rc(t); checked through the zero-state and SHA-3 known answers.
    static let roundConstants: [UInt64] = [
        0x0000000000000001,
        0x0000000000008082,
        0x800000000000808a,
        0x8000000080008000,
        0x000000000000808b,
        0x0000000080000001,
        0x8000000080008081,
        0x8000000000008009,
        0x000000000000008a,
        0x0000000000000088,
        0x0000000080008009,
        0x000000008000000a,
        0x000000008000808b,
        0x800000000000008b,
        0x8000000000008089,
        0x8000000000008003,
        0x8000000000008002,
        0x8000000000000080,
        0x000000000000800a,
        0x800000008000000a,
        0x8000000080008081,
        0x8000000000008080,
        0x0000000080000001,
        0x8000000080008008,
    ]
}

/// A Keccak-f[1600] state: 200 bytes in fixed-size inline storage (no heap).
///
/// Bytes are addressed in the FIPS 202 order (byte i is bits 8i..8i+7 of the state,
/// lanes little-endian) on every host: the lanes are kept little-endian in memory and
/// converted to native order only inside `permute()`.
public struct KeccakState: Sendable {
    // 25 lanes inline: a tuple keeps the state off the heap and cheap to copy
    // (forking a Merlin transcript copies it).
    @usableFromInline
    var lanes: (
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64
    ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    /// The all-zero state.
    public init() {}

    /// Number of bytes in the state.
    public static let byteCount = 200

    /// Reads or writes byte `index` (0..<200, precondition) of the state.
    @inlinable
    public subscript(byte index: Int) -> UInt8 {
        get {
            precondition(index >= 0 && index < 200, "Keccak state byte index out of range")
            return withUnsafeBytes { $0[index] }
        }
        set {
            precondition(index >= 0 && index < 200, "Keccak state byte index out of range")
            withUnsafeMutableBytes { $0[index] = newValue }
        }
    }

    /// The 200 state bytes in FIPS 202 order; the pointer is valid only inside `body`.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: lanes, body)
    }

    /// Mutable access to the 200 state bytes in FIPS 202 order.
    @inlinable
    public mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeMutableBytes(of: &lanes, body)
    }

    /// Sets every byte to zero (drops keyed STROBE state as soon as it is no longer needed).
    public mutating func zeroize() {
        lanes = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    }

    /// Applies Keccak-f[1600] to the state.
    ///
    /// The 25 lanes live in local variables for all 24 rounds and each round is
    /// written out in full (theta, rho+pi, chi, iota), so the optimizer keeps them in
    /// registers; the only memory read in the round loop is the round constant.
    public mutating func permute() {
        var (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19,
             a20, a21, a22, a23, a24) = lanes
        #if _endian(big)
        a0 = a0.byteSwapped; a1 = a1.byteSwapped; a2 = a2.byteSwapped; a3 = a3.byteSwapped; a4 = a4.byteSwapped
        a5 = a5.byteSwapped; a6 = a6.byteSwapped; a7 = a7.byteSwapped; a8 = a8.byteSwapped; a9 = a9.byteSwapped
        a10 = a10.byteSwapped; a11 = a11.byteSwapped; a12 = a12.byteSwapped; a13 = a13.byteSwapped
        a14 = a14.byteSwapped; a15 = a15.byteSwapped; a16 = a16.byteSwapped; a17 = a17.byteSwapped
        a18 = a18.byteSwapped; a19 = a19.byteSwapped; a20 = a20.byteSwapped; a21 = a21.byteSwapped
        a22 = a22.byteSwapped; a23 = a23.byteSwapped; a24 = a24.byteSwapped
        #endif
        Keccak.roundConstants.withUnsafeBufferPointer { rc in
            for round in 0..<24 {
                // theta
                let c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20
                let c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21
                let c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22
                let c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23
                let c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24
                let d0 = c4 ^ (c1 &<< 1 | c1 &>> 63)
                let d1 = c0 ^ (c2 &<< 1 | c2 &>> 63)
                let d2 = c1 ^ (c3 &<< 1 | c3 &>> 63)
                let d3 = c2 ^ (c4 &<< 1 | c4 &>> 63)
                let d4 = c3 ^ (c0 &<< 1 | c0 &>> 63)
                // theta applied, rho (rotate) and pi (move lane (x, y) to (y, 2x + 3y))
                let b0 = a0 ^ d0
                let b16 = ((a5 ^ d0) &<< 36 | (a5 ^ d0) &>> 28)
                let b7 = ((a10 ^ d0) &<< 3 | (a10 ^ d0) &>> 61)
                let b23 = ((a15 ^ d0) &<< 41 | (a15 ^ d0) &>> 23)
                let b14 = ((a20 ^ d0) &<< 18 | (a20 ^ d0) &>> 46)
                let b10 = ((a1 ^ d1) &<< 1 | (a1 ^ d1) &>> 63)
                let b1 = ((a6 ^ d1) &<< 44 | (a6 ^ d1) &>> 20)
                let b17 = ((a11 ^ d1) &<< 10 | (a11 ^ d1) &>> 54)
                let b8 = ((a16 ^ d1) &<< 45 | (a16 ^ d1) &>> 19)
                let b24 = ((a21 ^ d1) &<< 2 | (a21 ^ d1) &>> 62)
                let b20 = ((a2 ^ d2) &<< 62 | (a2 ^ d2) &>> 2)
                let b11 = ((a7 ^ d2) &<< 6 | (a7 ^ d2) &>> 58)
                let b2 = ((a12 ^ d2) &<< 43 | (a12 ^ d2) &>> 21)
                let b18 = ((a17 ^ d2) &<< 15 | (a17 ^ d2) &>> 49)
                let b9 = ((a22 ^ d2) &<< 61 | (a22 ^ d2) &>> 3)
                let b5 = ((a3 ^ d3) &<< 28 | (a3 ^ d3) &>> 36)
                let b21 = ((a8 ^ d3) &<< 55 | (a8 ^ d3) &>> 9)
                let b12 = ((a13 ^ d3) &<< 25 | (a13 ^ d3) &>> 39)
                let b3 = ((a18 ^ d3) &<< 21 | (a18 ^ d3) &>> 43)
                let b19 = ((a23 ^ d3) &<< 56 | (a23 ^ d3) &>> 8)
                let b15 = ((a4 ^ d4) &<< 27 | (a4 ^ d4) &>> 37)
                let b6 = ((a9 ^ d4) &<< 20 | (a9 ^ d4) &>> 44)
                let b22 = ((a14 ^ d4) &<< 39 | (a14 ^ d4) &>> 25)
                let b13 = ((a19 ^ d4) &<< 8 | (a19 ^ d4) &>> 56)
                let b4 = ((a24 ^ d4) &<< 14 | (a24 ^ d4) &>> 50)
                // chi
                a0 = b0 ^ (~b1 & b2)
                a1 = b1 ^ (~b2 & b3)
                a2 = b2 ^ (~b3 & b4)
                a3 = b3 ^ (~b4 & b0)
                a4 = b4 ^ (~b0 & b1)
                a5 = b5 ^ (~b6 & b7)
                a6 = b6 ^ (~b7 & b8)
                a7 = b7 ^ (~b8 & b9)
                a8 = b8 ^ (~b9 & b5)
                a9 = b9 ^ (~b5 & b6)
                a10 = b10 ^ (~b11 & b12)
                a11 = b11 ^ (~b12 & b13)
                a12 = b12 ^ (~b13 & b14)
                a13 = b13 ^ (~b14 & b10)
                a14 = b14 ^ (~b10 & b11)
                a15 = b15 ^ (~b16 & b17)
                a16 = b16 ^ (~b17 & b18)
                a17 = b17 ^ (~b18 & b19)
                a18 = b18 ^ (~b19 & b15)
                a19 = b19 ^ (~b15 & b16)
                a20 = b20 ^ (~b21 & b22)
                a21 = b21 ^ (~b22 & b23)
                a22 = b22 ^ (~b23 & b24)
                a23 = b23 ^ (~b24 & b20)
                a24 = b24 ^ (~b20 & b21)
                // iota
                a0 ^= rc[round]
            }
        }
        #if _endian(big)
        a0 = a0.byteSwapped; a1 = a1.byteSwapped; a2 = a2.byteSwapped; a3 = a3.byteSwapped; a4 = a4.byteSwapped
        a5 = a5.byteSwapped; a6 = a6.byteSwapped; a7 = a7.byteSwapped; a8 = a8.byteSwapped; a9 = a9.byteSwapped
        a10 = a10.byteSwapped; a11 = a11.byteSwapped; a12 = a12.byteSwapped; a13 = a13.byteSwapped
        a14 = a14.byteSwapped; a15 = a15.byteSwapped; a16 = a16.byteSwapped; a17 = a17.byteSwapped
        a18 = a18.byteSwapped; a19 = a19.byteSwapped; a20 = a20.byteSwapped; a21 = a21.byteSwapped
        a22 = a22.byteSwapped; a23 = a23.byteSwapped; a24 = a24.byteSwapped
        #endif
        lanes = (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19,
                 a20, a21, a22, a23, a24)
    }
}
