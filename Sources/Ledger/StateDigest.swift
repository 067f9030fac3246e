import ZKPayCore

/// A sum of digest terms mod 2^256 (each term a BLAKE2b-256 output read as a little-endian
/// integer): a set's digest that moves by one addition when an element joins and one
/// subtraction when it leaves, so the state digest follows every settlement, undo and
/// snapshot load in O(1) per change (docs/PROTOCOL.md §7.6.1).
///
/// It detects validators whose states differ (a bug, a corrupted copy, a nondeterministic
/// apply); it is not a commitment that resists elements chosen to make two sets collide
/// (additive set hashes of this width fall to generalized-birthday searches). What a
/// ledger settled is fixed by the chain hash; the digest says the state that history gives
/// is the same on every signer.
struct DigestSum: Sendable, Equatable {
    typealias Words = (UInt64, UInt64, UInt64, UInt64)
    private(set) var words: Words = (0, 0, 0, 0)

    static func == (a: DigestSum, b: DigestSum) -> Bool { a.words == b.words }

    /// Adds `term` mod 2^256.
    mutating func add(_ term: Digest32) { words = Self.sum(words, Self.words(term)) }

    /// Subtracts `term` mod 2^256 (undoes `add`): adds its two's complement.
    mutating func subtract(_ term: Digest32) {
        let t = Self.words(term)
        words = Self.sum(words, Self.sum((~t.0, ~t.1, ~t.2, ~t.3), (1, 0, 0, 0)))
    }

    /// A digest's bytes as little-endian words.
    private static func words(_ d: Digest32) -> Words {
        (UInt64(littleEndian: d.0), UInt64(littleEndian: d.1), UInt64(littleEndian: d.2), UInt64(littleEndian: d.3))
    }

    /// a + b mod 2^256.
    private static func sum(_ a: Words, _ b: Words) -> Words {
        var carry: UInt64 = 0
        func step(_ x: UInt64, _ y: UInt64) -> UInt64 {
            let (s1, o1) = x.addingReportingOverflow(y)
            let (s2, o2) = s1.addingReportingOverflow(carry)
            carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
            return s2
        }
        return (step(a.0, b.0), step(a.1, b.1), step(a.2, b.2), step(a.3, b.3))
    }

    /// The sum as 32 little-endian bytes.
    var bytes: [UInt8] {
        var w = ByteWriter(capacity: 32)
        w.u64(words.0)
        w.u64(words.1)
        w.u64(words.2)
        w.u64(words.3)
        return w.bytes
    }
}

extension UnspentNotes {
    /// The hasher of a note's term: keyed "zkpay/state-note/v1" over id ‖ owner ‖ commitment
    /// (the memo is fixed by the note id, which derives from the id of the object that
    /// created the note and so from its outputs).
    static let noteTermHasher = KeyedBLAKE2b(key: Array(Domain.stateNote.utf8))

    /// The digest term of the note `id` whose output starts at `output` (217 bytes).
    static func noteTerm(_ id: Key32, output: UnsafeRawBufferPointer) -> Digest32 {
        id.withBytes { noteTermHasher.digest($0, UnsafeRawBufferPointer(rebasing: output[0..<64])) }
    }
}

extension LedgerState {
    /// The hasher of an excess's term: keyed "zkpay/state-excess/v1" over LE64(position) ‖ E.
    static let excessTermHasher = KeyedBLAKE2b(key: Array(Domain.stateExcess.utf8))
    /// The hasher of the state digest.
    static let stateDigestHasher = KeyedBLAKE2b(key: Array(Domain.stateDigest.utf8))

    /// The digest term of the excess `e` (32 bytes) at `position` in the excess list.
    static func excessTerm(position: Int, _ e: some Collection<UInt8>) -> Digest32 {
        var message = ByteWriter(capacity: 40)
        message.u64(UInt64(position))
        message.raw(e)
        return message.bytes.withUnsafeBytes { excessTermHasher.digest($0, UnsafeRawBufferPointer(start: nil, count: 0)) }
    }

    /// Appends a settled transfer's excess (32 bytes) to the excess list and its term to the
    /// excess sum.
    mutating func appendExcess(_ e: some Collection<UInt8>) {
        excessSum.add(Self.excessTerm(position: excesses.count / 32, e))
        excesses.append(contentsOf: e)
    }

    /// Removes the last excess (an undone settlement) and its term.
    mutating func removeLastExcess() {
        let start = excesses.count - 32
        excessSum.subtract(Self.excessTerm(position: start / 32, excesses[start...]))
        excesses.removeLast(32)
    }

    /// The digest of the state (docs/PROTOCOL.md §7.6.1): keyed BLAKE2b-256
    /// "zkpay/state-digest/v1" over
    ///
    ///     Σ note terms (32) ‖ LE64(unspent notes) ‖ Σ excess terms (32) ‖ LE64(excesses)
    ///     ‖ LE64(minted) ‖ LE64(fee pool) ‖ LE64(burned) ‖ mint blinding sum (32)
    ///     ‖ burn blinding sum (32) ‖ LE64(sequence) ‖ chain hash (32)
    ///
    /// Two states that settled the same history have the same digest; the validators sign it
    /// with each receipt batch. The spent-note set and the settled-id index are not in it:
    /// both follow from the history the chain hash fixes, and spending checks the unspent set.
    public var stateDigest: [UInt8] {
        var w = ByteWriter(capacity: 208)
        w.raw(unspent.digestSum.bytes)
        w.u64(UInt64(unspent.count))
        w.raw(excessSum.bytes)
        w.u64(UInt64(excesses.count / 32))
        w.u64(minted)
        w.u64(feePool)
        w.u64(burned)
        w.scalar(mintBlindingSum)
        w.scalar(burnBlindingSum)
        w.u64(sequence)
        w.raw(chainHash)
        let d = w.bytes.withUnsafeBytes { Self.stateDigestHasher.digest($0, UnsafeRawBufferPointer(start: nil, count: 0)) }
        return withUnsafeBytes(of: d) { Array($0) }
    }
}
