import Keccak

/// A Merlin transcript (protocol "Merlin v1.0"), byte-for-byte compatible with the
/// `merlin` crate (dalek-cryptography/merlin 2.0/3.0).
///
/// Fiat–Shamir: the prover and verifier append the same public messages in the same
/// order and derive the same challenges. Labels are `StaticString` constants in
/// protocol code; the `labelBytes:` variants exist for vector files and tests.
/// A transcript is a value: copying it forks the protocol state.
/// See ../shared/reference/merlin-and-schnorrkel.md §3.
public struct Transcript: Sendable {
    private var strobe: Strobe128

    /// The STROBE protocol label of every Merlin transcript.
    static let protocolLabel = Array("Merlin v1.0".utf8)

    /// A transcript for the application protocol `label` (appended under "dom-sep").
    public init(label: StaticString) {
        self.init(labelBytes: label.bytes)  // once per transcript: the copy does not matter
    }

    /// A transcript whose application label is given as bytes (vector files, tests).
    public init(labelBytes: some Collection<UInt8>) {
        strobe = Strobe128(protocolLabel: Transcript.protocolLabel)
        appendMessage(labelBytes: Array("dom-sep".utf8), labelBytes)
    }

    /// Appends `message` under `label`.
    /// - Precondition: `message.count` fits in 32 bits (the framing encodes it as LE32).
    public mutating func appendMessage(_ label: StaticString, _ message: some Collection<UInt8>) {
        label.withUTF8Buffer { appendMessage(labelBytes: $0, message) }
    }

    /// `appendMessage` with a byte-string label.
    public mutating func appendMessage(labelBytes label: some Collection<UInt8>, _ message: some Collection<UInt8>) {
        let length = message.count
        precondition(length >= 0 && UInt64(length) <= UInt64(UInt32.max), "a Merlin message is at most 2^32 - 1 bytes")
        strobe.metaAD(label, more: false)
        Transcript.withLE32(length) { strobe.metaAD($0, more: true) }
        strobe.ad(message, more: false)
    }

    /// Appends `value` as 8 little-endian bytes under `label`.
    public mutating func appendU64(_ label: StaticString, _ value: UInt64) {
        label.withUTF8Buffer { appendMessage(labelBytes: $0, Transcript.le64(value)) }
    }

    /// `appendU64` with a byte-string label.
    public mutating func appendU64(labelBytes label: some Collection<UInt8>, _ value: UInt64) {
        appendMessage(labelBytes: label, Transcript.le64(value))
    }

    /// `count` challenge bytes under `label`; every call changes the transcript.
    public mutating func challengeBytes(_ label: StaticString, count: Int) -> [UInt8] {
        label.withUTF8Buffer { challengeBytes(labelBytes: $0, count: count) }
    }

    /// `challengeBytes` with a byte-string label.
    public mutating func challengeBytes(labelBytes label: some Collection<UInt8>, count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { challengeBytes(labelBytes: label, into: $0) }
        return out
    }

    /// Fills `buffer` with challenge bytes under `label` (no allocation).
    public mutating func challengeBytes(_ label: StaticString, into buffer: UnsafeMutableRawBufferPointer) {
        label.withUTF8Buffer { challengeBytes(labelBytes: $0, into: buffer) }
    }

    /// Fills `buffer` with challenge bytes under a byte-string label.
    public mutating func challengeBytes(labelBytes label: some Collection<UInt8>, into buffer: UnsafeMutableRawBufferPointer) {
        precondition(UInt64(buffer.count) <= UInt64(UInt32.max), "a Merlin challenge is at most 2^32 - 1 bytes")
        strobe.metaAD(label, more: false)
        Transcript.withLE32(buffer.count) { strobe.metaAD($0, more: true) }
        strobe.prf(into: buffer, more: false)
    }

    /// Starts a transcript RNG bound to the current transcript state (merlin's
    /// `build_rng`). The transcript itself is not modified.
    public func buildRNG() -> TranscriptRNGBuilder {
        TranscriptRNGBuilder(strobe: strobe)
    }

    /// Runs `body` on the 4-byte little-endian encoding of `n` (callers check n < 2^32),
    /// without allocating: this framing runs on every append and challenge.
    @inline(__always)
    static func withLE32<R>(_ n: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(of: UInt32(truncatingIfNeeded: n).littleEndian, body)
    }

    static func le64(_ v: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) }
    }
}

extension Transcript: CustomStringConvertible {
    /// Never prints the state.
    public var description: String { "Transcript(redacted)" }
}

/// Rekeys a fork of a transcript with the prover's secret witnesses, then with
/// external randomness, to derive nonces that are bound to the whole public
/// transcript (merlin's `TranscriptRngBuilder`).
///
/// Hedged: the nonce is safe if either the witness is secret and unique to the
/// statement, or the external randomness is good. One-shot: `finalize` consumes it.
public struct TranscriptRNGBuilder: ~Copyable, Sendable {
    private let box: StrobeBox

    init(strobe: Strobe128) {
        box = StrobeBox(strobe)
    }

    /// Mixes the secret `witness` into the RNG under `label`.
    public mutating func rekeyWithWitnessBytes(_ label: StaticString, _ witness: some Collection<UInt8>) {
        label.withUTF8Buffer { rekeyWithWitnessBytes(labelBytes: $0, witness) }
    }

    /// `rekeyWithWitnessBytes` with a byte-string label.
    public mutating func rekeyWithWitnessBytes(labelBytes label: some Collection<UInt8>,
                                               _ witness: some Collection<UInt8>) {
        precondition(UInt64(witness.count) <= UInt64(UInt32.max), "a Merlin witness is at most 2^32 - 1 bytes")
        box.strobe.metaAD(label, more: false)
        Transcript.withLE32(witness.count) { box.strobe.metaAD($0, more: true) }
        box.strobe.key(witness, more: false)
    }

    /// Finishes the builder with 32 bytes of external randomness (from a CSPRNG in
    /// production; fixed bytes only in tests that must be reproducible).
    /// - Precondition: `randomBytes.count == 32`.
    public consuming func finalize(randomBytes: some Collection<UInt8>) -> TranscriptRNG {
        precondition(randomBytes.count == 32, "the transcript RNG takes exactly 32 bytes of external randomness")
        box.strobe.metaAD(Array("rng".utf8), more: false)
        box.strobe.key(randomBytes, more: false)
        return TranscriptRNG(box: box)
    }

    /// Finishes the builder with 32 bytes drawn from `rng`.
    public consuming func finalize(using rng: inout some RandomNumberGenerator) -> TranscriptRNG {
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        for _ in 0..<4 {
            let word = rng.next()
            for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: word >> (8 * i))) }
        }
        let result = finalize(randomBytes: bytes)
        for i in bytes.indices { bytes[i] = 0 }
        return result
    }
}

/// The keyed RNG produced by `TranscriptRNGBuilder.finalize` (merlin's `TranscriptRng`).
/// Its state is secret; it is wiped when the RNG goes away (best effort).
public struct TranscriptRNG: ~Copyable, Sendable {
    private let box: StrobeBox

    init(box: StrobeBox) {
        self.box = box
    }

    /// Fills `buffer` with output (merlin's `fill_bytes`: a length-framed PRF per call).
    public mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        precondition(UInt64(buffer.count) <= UInt64(UInt32.max), "at most 2^32 - 1 bytes per request")
        Transcript.withLE32(buffer.count) { box.strobe.metaAD($0, more: false) }
        box.strobe.prf(into: buffer, more: false)
    }

    /// The next `count` bytes of output.
    public mutating func fillBytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }
}

/// Heap home of a keyed STROBE state, wiped when released (a `~Copyable` struct cannot
/// mutate itself in `deinit`, so the wipe lives here).
final class StrobeBox: @unchecked Sendable {
    // @unchecked Sendable: each box is owned by exactly one ~Copyable builder or RNG
    // (handed from the builder to the RNG by `finalize`, which consumes the builder),
    // so no two threads can reach it at once.
    var strobe: Strobe128

    init(_ strobe: Strobe128) {
        self.strobe = strobe
    }

    deinit {
        strobe.zeroize()
    }
}

extension StaticString {
    /// The label's UTF-8 bytes.
    var bytes: [UInt8] {
        withUTF8Buffer { Array($0) }
    }
}
