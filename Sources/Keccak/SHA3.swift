/// The Keccak sponge with the FIPS 202 padding (domain bits, then pad10*1).
///
/// Absorbs bytes at `position` in the first `rate` bytes of the state and permutes
/// when a block is full; squeezing reads the same window. One type serves SHA3-512
/// (rate 72, domain 0x06) and SHAKE256 (rate 136, domain 0x1F).
struct KeccakSponge: Sendable {
    var state = KeccakState()
    let rate: Int
    let domain: UInt8
    var position = 0
    var squeezing = false

    init(rate: Int, domain: UInt8) {
        self.rate = rate
        self.domain = domain
    }

    mutating func absorb(_ bytes: some Collection<UInt8>) {
        precondition(!squeezing, "absorb after squeeze: a Keccak sponge absorbs all input before the first squeeze")
        if bytes.withContiguousStorageIfAvailable({ absorb(buffer: UnsafeRawBufferPointer($0)) }) != nil { return }
        let copy = Array(bytes)
        copy.withUnsafeBytes { absorb(buffer: $0) }
    }

    private mutating func absorb(buffer input: UnsafeRawBufferPointer) {
        var offset = 0
        let rate = self.rate
        while offset < input.count {
            let take = min(rate - position, input.count - offset)
            var pos = position
            state.withUnsafeMutableBytes { s in
                // Whole lanes when both sides are lane-aligned (the common one-shot case).
                var i = 0
                if pos & 7 == 0 {
                    while i + 8 <= take {
                        let word = input.loadUnaligned(fromByteOffset: offset + i, as: UInt64.self)
                        let old = s.loadUnaligned(fromByteOffset: pos, as: UInt64.self)
                        s.storeBytes(of: old ^ word, toByteOffset: pos, as: UInt64.self)
                        i += 8
                        pos += 8
                    }
                }
                while i < take {
                    s[pos] ^= input[offset + i]
                    i += 1
                    pos += 1
                }
            }
            offset += take
            position = pos
            if position == rate {
                state.permute()
                position = 0
            }
        }
    }

    /// Pads the final block and switches to squeezing.
    private mutating func finishAbsorbing() {
        state[byte: position] ^= domain
        state[byte: rate - 1] ^= 0x80
        state.permute()
        position = 0
        squeezing = true
    }

    mutating func squeeze(into output: UnsafeMutableRawBufferPointer) {
        if !squeezing { finishAbsorbing() }
        var offset = 0
        while offset < output.count {
            if position == rate {
                state.permute()
                position = 0
            }
            let take = min(rate - position, output.count - offset)
            let pos = position
            state.withUnsafeBytes { s in
                output.baseAddress!.advanced(by: offset).copyMemory(from: s.baseAddress!.advanced(by: pos), byteCount: take)
            }
            position += take
            offset += take
        }
    }
}

/// SHA3-512 (FIPS 202 §6.1).
public enum SHA3 {
    /// The 64-byte SHA3-512 digest of `data`.
    public static func sha512(_ data: some Collection<UInt8>) -> [UInt8] {
        var sponge = KeccakSponge(rate: 72, domain: 0x06)
        sponge.absorb(data)
        var out = [UInt8](repeating: 0, count: 64)
        out.withUnsafeMutableBytes { sponge.squeeze(into: $0) }
        return out
    }
}

/// SHAKE256 (FIPS 202 §6.2): absorb any number of times, then squeeze any number of
/// bytes in as many calls as wanted. The output of successive squeezes concatenates
/// to the one-shot output of the same total length.
///
/// Used for the dalek `bulletproofs` generator chains and for B~.
public struct SHAKE256: Sendable {
    private var sponge = KeccakSponge(rate: 136, domain: 0x1F)

    /// A fresh SHAKE256 instance with nothing absorbed.
    public init() {}

    /// Absorbs `bytes`.
    /// - Warning: All input must be absorbed before the first `squeeze` (precondition).
    public mutating func absorb(_ bytes: some Collection<UInt8>) {
        sponge.absorb(bytes)
    }

    /// The next `count` bytes of output.
    public mutating func squeeze(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "cannot squeeze a negative number of bytes")
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { squeeze(into: $0) }
        return out
    }

    /// Fills `buffer` with the next `buffer.count` bytes of output.
    public mutating func squeeze(into buffer: UnsafeMutableRawBufferPointer) {
        sponge.squeeze(into: buffer)
    }
}
