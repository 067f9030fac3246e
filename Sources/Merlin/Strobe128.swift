import Keccak

/// The subset of STROBE v1.0.2 (security level 128) that Merlin uses: meta-AD, AD,
/// PRF and KEY, with the exact framing of the merlin crate's `strobe.rs`.
///
/// Rate R = 166 bytes; `runF` writes the padding at `pos`, `pos + 1` and byte R + 1.
/// Framing of each new operation: absorb `posBegin` and the flag byte, and start a
/// fresh block first when the operation has the C or K flag (PRF, KEY).
/// See ../shared/reference/merlin-and-schnorrkel.md §2.
///
/// The state of a transcript that has absorbed secrets (the transcript RNG) is
/// secret; `description` never prints it.
public struct Strobe128: Sendable {
    /// STROBE-128 rate in bytes: 200 − 2·(128/8) − 2.
    static let rate = 166

    // Operation flags (STROBE §6.2). T (transport) is never used by Merlin.
    static let flagI: UInt8 = 0x01
    static let flagA: UInt8 = 0x02
    static let flagC: UInt8 = 0x04
    static let flagM: UInt8 = 0x10
    static let flagK: UInt8 = 0x20

    private var state: KeccakState
    private var pos: Int = 0
    private var posBegin: Int = 0
    private var curFlags: UInt8 = 0

    /// A STROBE-128 instance initialised with `protocolLabel` (meta-AD of the label).
    public init(protocolLabel: some Collection<UInt8>) {
        state = KeccakState()
        // Bytes 0..5 = 1, R + 2, 1, 0, 1, 12·8: the cSHAKE-style domain block of STROBE.
        let prefix: [UInt8] = [1, UInt8(Strobe128.rate + 2), 1, 0, 1, 96]
        let version = Array("STROBEv1.0.2".utf8)
        state.withUnsafeMutableBytes { s in
            for (i, b) in (prefix + version).enumerated() { s[i] = b }
        }
        state.permute()
        metaAD(protocolLabel, more: false)
    }

    /// Meta-associated data (flags M|A): framing such as labels and lengths.
    public mutating func metaAD(_ data: some Collection<UInt8>, more: Bool) {
        beginOp(Strobe128.flagM | Strobe128.flagA, more: more)
        absorb(data)
    }

    /// Associated data (flag A): the message bytes.
    public mutating func ad(_ data: some Collection<UInt8>, more: Bool) {
        beginOp(Strobe128.flagA, more: more)
        absorb(data)
    }

    /// Pseudorandom output (flags I|A|C): fills `output` and zeroes the squeezed state bytes.
    public mutating func prf(into output: UnsafeMutableRawBufferPointer, more: Bool) {
        beginOp(Strobe128.flagI | Strobe128.flagA | Strobe128.flagC, more: more)
        squeeze(into: output)
    }

    /// `count` bytes of pseudorandom output.
    public mutating func prf(count: Int, more: Bool) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { prf(into: $0, more: more) }
        return out
    }

    /// Keying (flags A|C): overwrites the state with `data` (used by the transcript RNG).
    public mutating func key(_ data: some Collection<UInt8>, more: Bool) {
        beginOp(Strobe128.flagA | Strobe128.flagC, more: more)
        overwrite(data)
    }

    /// Wipes the state (best effort: the struct may have been copied before).
    public mutating func zeroize() {
        state.zeroize()
        pos = 0
        posBegin = 0
        curFlags = 0
    }

    // MARK: - Internals

    private mutating func runF() {
        let p = pos
        let begin = UInt8(truncatingIfNeeded: posBegin)
        state.withUnsafeMutableBytes { s in
            s[p] ^= begin
            s[p + 1] ^= 0x04
            s[Strobe128.rate + 1] ^= 0x80
        }
        state.permute()
        pos = 0
        posBegin = 0
    }

    private mutating func beginOp(_ flags: UInt8, more: Bool) {
        if more {
            precondition(flags == curFlags, "a continued STROBE operation must keep the flags of the one it continues")
            return
        }
        let old = UInt8(truncatingIfNeeded: posBegin)
        posBegin = pos + 1
        curFlags = flags
        absorbByte(old)
        absorbByte(flags)
        // C and K operations start on a fresh block so their output/input is not mixed
        // with the framing bytes in the same permutation input.
        if flags & (Strobe128.flagC | Strobe128.flagK) != 0 && pos != 0 {
            runF()
        }
    }

    @inline(__always)
    private mutating func absorbByte(_ byte: UInt8) {
        let p = pos
        state.withUnsafeMutableBytes { $0[p] ^= byte }
        pos += 1
        if pos == Strobe128.rate { runF() }
    }

    private mutating func absorb(_ data: some Collection<UInt8>) {
        if data.withContiguousStorageIfAvailable({ absorb(buffer: UnsafeRawBufferPointer($0)) }) != nil { return }
        for b in data { absorbByte(b) }
    }

    private mutating func absorb(buffer input: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < input.count {
            let take = min(Strobe128.rate - pos, input.count - offset)
            let p = pos
            let o = offset
            state.withUnsafeMutableBytes { s in
                for i in 0..<take { s[p + i] ^= input[o + i] }
            }
            pos += take
            offset += take
            if pos == Strobe128.rate { runF() }
        }
    }

    private mutating func overwrite(_ data: some Collection<UInt8>) {
        for b in data {
            let p = pos
            state.withUnsafeMutableBytes { $0[p] = b }
            pos += 1
            if pos == Strobe128.rate { runF() }
        }
    }

    private mutating func squeeze(into output: UnsafeMutableRawBufferPointer) {
        var offset = 0
        while offset < output.count {
            let take = min(Strobe128.rate - pos, output.count - offset)
            let p = pos
            let o = offset
            state.withUnsafeMutableBytes { s in
                for i in 0..<take {
                    output[o + i] = s[p + i]
                    s[p + i] = 0
                }
            }
            pos += take
            offset += take
            if pos == Strobe128.rate { runF() }
        }
    }
}

extension Strobe128: CustomStringConvertible {
    /// Never prints the state: after KEY it is secret.
    public var description: String { "Strobe128(redacted)" }
}
