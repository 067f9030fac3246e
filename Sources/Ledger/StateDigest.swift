import Ristretto255
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

/// A digest sum whose changes wait as the terms' messages (each `length` bytes) until the
/// sum is read: then they are hashed together, several at a time on the backend's vector
/// lanes (`KeyedBLAKE2b.digests`), instead of one hash per change. The result is the same
/// sum (addition mod 2^256 is commutative). At most `maxPending` changes wait; the next one
/// settles them first.
struct DeferredDigestSum: Sendable {
    /// Changes that may wait before they are settled.
    static let maxPending = 4096

    let hasher: KeyedBLAKE2b
    let length: Int
    private var settled = DigestSum()
    private var added: [UInt8] = []
    private var removed: [UInt8] = []

    init(hasher: KeyedBLAKE2b, length: Int) {
        self.hasher = hasher
        self.length = length
    }

    /// Queues the term of the message `first ‖ second` (`length` bytes together) to be
    /// added; settles first on `backend` when `maxPending` changes wait.
    mutating func add(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer = .init(start: nil, count: 0),
                      backend: Backend) {
        queue(first, second, adding: true, backend: backend)
    }

    /// Queues the term of the message `first ‖ second` to be subtracted.
    mutating func subtract(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer = .init(start: nil, count: 0),
                           backend: Backend) {
        queue(first, second, adding: false, backend: backend)
    }

    private mutating func queue(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer, adding: Bool,
                                backend: Backend) {
        precondition(first.count + second.count == length, "a term's message has the sum's length")
        if added.count + removed.count >= Self.maxPending * length { settle(backend: backend) }
        if adding {
            added.append(contentsOf: first)
            added.append(contentsOf: second)
        } else {
            removed.append(contentsOf: first)
            removed.append(contentsOf: second)
        }
    }

    /// The sum with every waiting change applied (nothing is stored).
    func value(backend: Backend) -> DigestSum {
        var sum = settled
        for (messages, adding) in [(added, true), (removed, false)] where !messages.isEmpty {
            let n = messages.count / length
            var terms = [Digest32](repeating: (0, 0, 0, 0), count: n)
            messages.withUnsafeBytes { m in
                terms.withUnsafeMutableBufferPointer { t in
                    hasher.digests(m.baseAddress!, stride: length, length: length, count: n, into: t.baseAddress!,
                                   backend: backend)
                }
            }
            for t in terms { if adding { sum.add(t) } else { sum.subtract(t) } }
        }
        return sum
    }

    /// Applies the waiting changes to the stored sum.
    mutating func settle(backend: Backend) {
        guard !added.isEmpty || !removed.isEmpty else { return }
        settled = value(backend: backend)
        added.removeAll(keepingCapacity: true)
        removed.removeAll(keepingCapacity: true)
    }
}

extension UnspentNotes {
    /// The hasher of a note's term: keyed "zkpay/state-note/v1" over id ‖ owner ‖ commitment
    /// (the memo is fixed by the note id, which derives from the id of the object that
    /// created the note and so from its outputs).
    static let noteTermHasher = KeyedBLAKE2b(key: Array(Domain.stateNote.utf8))

    /// The length of a note term's message: id ‖ owner ‖ commitment.
    static let noteTermLength = 96
}

extension LedgerState {
    /// The hasher of an excess's term: keyed "zkpay/state-excess/v1" over LE64(position) ‖ E.
    static let excessTermHasher = KeyedBLAKE2b(key: Array(Domain.stateExcess.utf8))
    /// The hasher of the state digest.
    static let stateDigestHasher = KeyedBLAKE2b(key: Array(Domain.stateDigest.utf8))

    /// Queues the term of the excess at byte offset `start` of `excesses`, whose message is
    /// LE64(position) ‖ E (the position from the stack, E read in place).
    private mutating func queueExcessTerm(at start: Int, adding: Bool) {
        let backend = backend
        var position = UInt64(start / 32).littleEndian
        withUnsafeBytes(of: &position) { p in
            excesses.withUnsafeBytes { x in
                let e = UnsafeRawBufferPointer(rebasing: x[start..<(start + 32)])
                if adding { excessSum.add(p, e, backend: backend) } else { excessSum.subtract(p, e, backend: backend) }
            }
        }
    }

    /// Appends a settled transfer's excess (32 bytes) to the excess list and its term to the
    /// excess sum.
    mutating func appendExcess(_ e: some Collection<UInt8>) {
        precondition(e.count == 32, "an excess is 32 bytes")
        excesses.append(contentsOf: e)
        queueExcessTerm(at: excesses.count - 32, adding: true)
    }

    /// Removes the last excess (an undone settlement) and its term.
    mutating func removeLastExcess() {
        queueExcessTerm(at: excesses.count - 32, adding: false)
        excesses.removeLast(32)
    }

    /// Hashes the waiting digest terms (of the notes and excesses a batch changed) together
    /// on the backend's lanes: `apply` calls it once per batch, before the digest is read.
    mutating func settleDigestTerms() {
        unspent.settleDigestTerms(backend: backend)
        excessSum.settle(backend: backend)
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
        w.raw(unspent.digestSum(backend: backend).bytes)
        w.u64(UInt64(unspent.count))
        w.raw(excessSum.value(backend: backend).bytes)
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
