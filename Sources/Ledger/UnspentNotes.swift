import Ristretto255
public import ZKPayCore

/// 32 bytes held inline as four words (no heap allocation, unlike a `[UInt8]`): the hash
/// key of a note id, a transfer or mint id, or an owner key inside the ledger state. The
/// words are big-endian loads, so comparing words in order is the byte-wise order of
/// `Identifier32`.
///
/// Hashing: the ledger's id tables (`SlotTable`) hash a few of these per input and output
/// of every transfer, with `tableHash` (a keyed multiply). As a `Hashable` (the
/// owner index, a `Dictionary`) the keys, BLAKE2b outputs or curve points whose four-word
/// XOR is as uniform as any one word, hash that one word with the per-process seeded
/// hasher through the standard library's one-shot path for a single integer
/// (`_rawHashValue(seed:)`), a fraction of a four-word `Hasher` run. Equality
/// still compares all 32 bytes.
struct Key32: Hashable, Comparable, Sendable {
    let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// The word the hash is computed over.
    private var folded: UInt64 { w0 ^ w1 ^ w2 ^ w3 }

    func hash(into hasher: inout Hasher) { hasher.combine(folded) }

    /// The same value `hash(into:)` gives (the seeded hash of `folded`), in one call.
    func _rawHashValue(seed: Int) -> Int { folded._rawHashValue(seed: seed) }

    static func == (a: Key32, b: Key32) -> Bool { a.w0 == b.w0 && a.w1 == b.w1 && a.w2 == b.w2 && a.w3 == b.w3 }

    /// The key of exactly 32 bytes; nil for another length (such an id is never stored).
    init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        if let key = bytes.withContiguousStorageIfAvailable({ Key32(loading: UnsafeRawBufferPointer($0)) }) {
            self = key
        } else {
            self = Array(bytes).withUnsafeBytes { Key32(loading: $0) }
        }
    }

    /// The key of an id (always 32 bytes: ids are hashes or checked decodings).
    init(id: some Identifier32) {
        guard let key = Key32(id.bytes) else { preconditionFailure("an id is 32 bytes") }
        self = key
    }

    /// The key of a 32-byte digest (in byte order).
    init(digest d: Digest32) { self = withUnsafeBytes(of: d) { Key32(loading: $0) } }

    /// Loads the words of 32 bytes at `buffer` (at least 32 long).
    private init(loading buffer: UnsafeRawBufferPointer) {
        w0 = UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        w1 = UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        w2 = UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        w3 = UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// Calls `body` with the 32 bytes, held on the stack.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let words = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)
        return try withUnsafeBytes(of: words, body)
    }

    /// The 32 bytes.
    var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.storeBytes(of: w0.bigEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: w1.bigEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: w2.bigEndian, toByteOffset: 16, as: UInt64.self)
            raw.storeBytes(of: w3.bigEndian, toByteOffset: 24, as: UInt64.self)
            initialized = 32
        }
    }

    static func < (a: Key32, b: Key32) -> Bool { (a.w0, a.w1, a.w2, a.w3) < (b.w0, b.w1, b.w2, b.w3) }

    /// The secret words of `tableHash`, drawn once per process from the system's CSPRNG.
    private static let tableKey: (UInt64, UInt64) = {
        var rng = SystemRandomNumberGenerator()
        return (rng.next(), rng.next())
    }()

    /// The hash `SlotTable` buckets keep (its low 32 bits), keyed per process: one 64 x 64 ->
    /// 128-bit multiplication of two key words, each masked with a secret word, folded
    /// (high half XOR low half; the "mum" step of wyhash, which Go's runtime map hash and
    /// others use with a per-process seed): a few cycles, where the standard library's
    /// SipHash of the folded word runs several rounds, and the ledger's tables compute eight
    /// to ten per transfer. Ids are BLAKE2b outputs, so two of their words are as uniform as the four;
    /// without the secret words an attacker cannot tell which ids share a bucket.
    @inline(__always)
    var tableHash: UInt64 {
        let (k0, k1) = Self.tableKey
        let product = (w0 ^ k0).multipliedFullWidth(by: w1 ^ k1)
        return product.high ^ product.low
    }
}

/// The unspent notes of a ledger state: each note's id, 217-byte output encoding
/// (owner 32 ‖ commitment 32 ‖ memo 153) and creation position, with an index by owner.
///
/// Memory (the validator holds every unspent note; issue 9 targets <= 400 bytes per note
/// at a million notes): one fixed-size record per note in contiguous parallel arrays
/// indexed by a slot number, instead of three hash maps whose ids and outputs were each a
/// separate heap allocation. `table` (`SlotTable`) finds an id's slot: open addressing with
/// linear probing over 8-byte buckets holding the slot and 32 bits of the id's hash, the id
/// itself being compared in `ids` only when the hash bits match (a `Dictionary` keyed by the
/// id would hold a second copy of every id: 32 more bytes per note, times the spare buckets).
/// Buckets come from the id's `tableHash`, keyed per process, so ids chosen to collide
/// cannot be precomputed. Freed slots are reused. The owner index is a doubly
/// linked list per owner threaded through the slots (`previous`/`next`), so inserting and
/// removing a note is O(1) whatever the number of notes the owner has, and an owner costs
/// one map entry (its key, first slot, count).
public struct UnspentNotes: Sequence, Equatable, Sendable {
    /// Marks the end of an owner's list.
    private static let none = UInt32.max

    /// The id table: slots by id.
    private var table = SlotTable()
    /// Number of unspent notes (entries in `table`).
    private var live = 0
    /// The output encodings, `Output.encodedLength` bytes per slot.
    private var outputs: [UInt8] = []
    /// The note id of each slot.
    private var ids: [Key32] = []
    /// The creation position of each slot (a note restored from a version-1 snapshot has
    /// none: `hasPosition` false, and it orders and is written as (0, 0)).
    private var sequences: [UInt64] = []
    private var indices: [UInt16] = []
    private var hasPosition: [Bool] = []
    /// Number of unspent notes with a position.
    private(set) var positioned = 0
    /// Σ of the unspent notes' state-digest terms (BLAKE2b "zkpay/state-note/v1" of id ‖
    /// owner ‖ commitment), kept by every insert and removal; the terms are hashed in groups
    /// when the sum is read or `settleDigestTerms` is called.
    private var digestTerms = DeferredDigestSum(hasher: UnspentNotes.noteTermHasher, length: UnspentNotes.noteTermLength)
    /// The backend the waiting digest terms are hashed on when too many wait (set by the
    /// state that owns the notes: one the CPU runs).
    var backend = Backend.portable
    /// The owner list links of each slot.
    private var previous: [UInt32] = []
    private var next: [UInt32] = []
    /// Slots of removed notes, reused first.
    private var free: [UInt32] = []
    /// The owner index: first slot of the owner's list and the number of notes on it.
    private var owners: [Key32: (first: UInt32, count: UInt32)] = [:]

    /// The record size of an output.
    private static let width = Output.encodedLength

    init() {}

    /// Number of unspent notes.
    public var count: Int { live }

    /// True if there is no unspent note.
    public var isEmpty: Bool { live == 0 }

    /// The output encoding of the unspent note `id` (nil if it is not unspent). Setting nil
    /// removes the note; setting an encoding replaces the note's output and keeps its
    /// position (tests use this to damage a state).
    public internal(set) subscript(id: NoteID) -> [UInt8]? {
        get { output(id).map(Array.init) }
        set {
            let old = remove(id)
            if let newValue { insert(id, newValue, at: old?.position) }
        }
    }

    /// The ids of the unspent notes, in no particular order.
    public var keys: Keys { Keys(notes: self) }

    /// The ids of the unspent notes, in no particular order.
    public struct Keys: Sequence, Sendable {
        fileprivate let notes: UnspentNotes

        public var underestimatedCount: Int { notes.count }

        public func makeIterator() -> Iterator { Iterator(notes: notes) }

        /// Iterates the ids.
        public struct Iterator: IteratorProtocol {
            fileprivate let notes: UnspentNotes
            fileprivate var bucket = 0

            public mutating func next() -> NoteID? {
                guard let s = notes.nextSlot(from: &bucket) else { return nil }
                return NoteID(uncheckedBytes: notes.ids[s].bytes)
            }
        }
    }

    public var underestimatedCount: Int { live }

    /// Every unspent note as (id, output encoding), in no particular order (the elements of
    /// the dictionary this store replaces).
    public func makeIterator() -> Iterator { Iterator(notes: self) }

    /// Iterates the unspent notes.
    public struct Iterator: IteratorProtocol {
        fileprivate let notes: UnspentNotes
        fileprivate var bucket = 0

        public mutating func next() -> (key: NoteID, value: [UInt8])? {
            guard let s = notes.nextSlot(from: &bucket) else { return nil }
            return (NoteID(uncheckedBytes: notes.ids[s].bytes), Array(notes.output(slot: s)))
        }
    }

    /// The slot in the first used bucket at or after `bucket`, which moves past it.
    private func nextSlot(from bucket: inout Int) -> Int? { table.nextSlot(from: &bucket) }

    /// Equal if the same ids are unspent with the same outputs (as the dictionary this store
    /// replaces: positions and slot layout do not count).
    public static func == (a: UnspentNotes, b: UnspentNotes) -> Bool {
        guard a.count == b.count else { return false }
        var bucket = 0
        while let s = a.nextSlot(from: &bucket) {
            guard let t = b.slotOf(a.ids[s]), a.output(slot: s).elementsEqual(b.output(slot: Int(t))) else { return false }
        }
        return true
    }

    /// Calls `body` with every unspent note's id and position, for the notes that have one.
    func forEachPosition(_ body: (NoteID, NotePosition) throws -> Void) rethrows {
        var bucket = 0
        while let s = nextSlot(from: &bucket) {
            if let p = position(slot: s) { try body(NoteID(uncheckedBytes: ids[s].bytes), p) }
        }
    }

    /// The owner index as note counts by owner spend key encoding (for tests and diagnostics).
    func ownerCounts() -> [[UInt8]: Int] {
        var out: [[UInt8]: Int] = [:]
        for (owner, list) in owners { out[owner.bytes] = Int(list.count) }
        return out
    }

    // MARK: The id table

    /// The bucket holding `key` and its slot, or the empty bucket where it would go (slot nil).
    /// The table must have buckets.
    private func find(_ key: Key32, hash h: UInt64) -> (bucket: Int, slot: UInt32?) {
        let (bucket, slot) = ids.withUnsafeBufferPointer { k in table.find(hash: h) { k[$0] == key } }
        return (bucket, slot.map { UInt32($0) })
    }

    /// `find(_:hash:)` with the key's hash.
    private func find(_ key: Key32) -> (bucket: Int, slot: UInt32?) { find(key, hash: SlotTable.hash(key)) }

    /// The slot of `key`, nil if it is not unspent.
    private func slotOf(_ key: Key32) -> UInt32? {
        table.isEmpty ? nil : find(key).slot
    }


    // MARK: Notes

    /// The creation position of the unspent note `id` (nil if it is not unspent or has none).
    public func position(_ id: NoteID) -> NotePosition? {
        guard let key = Key32(id.bytes), let slot = slotOf(key) else { return nil }
        return position(slot: Int(slot))
    }

    /// True if `id` is an unspent note.
    func contains(_ id: NoteID) -> Bool {
        guard let key = Key32(id.bytes) else { return false }
        return contains(key: key)
    }

    /// True if the note with id key `key` is unspent.
    func contains(key: Key32) -> Bool { slotOf(key) != nil }

    /// The output encoding of `id`, sharing the storage (no copy). Indices start at the
    /// slice's `startIndex`, not 0.
    func output(_ id: NoteID) -> ArraySlice<UInt8>? {
        guard let key = Key32(id.bytes) else { return nil }
        return output(key: key)
    }

    /// The output encoding of the note with id key `key` (as `output(_:)`).
    func output(key: Key32) -> ArraySlice<UInt8>? {
        guard let slot = slotOf(key) else { return nil }
        return output(slot: Int(slot))
    }

    private func output(slot: Int) -> ArraySlice<UInt8> {
        outputs[(slot * Self.width)..<((slot + 1) * Self.width)]
    }

    private func position(slot: Int) -> NotePosition? {
        !hasPosition[slot] ? nil : NotePosition(sequence: sequences[slot], index: indices[slot])
    }

    /// Adds an unspent note (not already present) and indexes it by owner. Ids and outputs
    /// come from parsed objects or snapshots, which fix their lengths (32 and 217 bytes).
    mutating func insert(_ id: NoteID, _ output: some Collection<UInt8>, at position: NotePosition?) {
        insert(key: Key32(id: id), output, at: position)
    }

    /// `insert(_:_:at:)` by the id's key.
    mutating func insert(key: Key32, _ output: some Collection<UInt8>, at position: NotePosition?) {
        guard output.count == Self.width, let owner = Key32(output.prefix(32)) else {
            preconditionFailure("an output is \(Self.width) bytes")
        }
        table.reserve(live + 1)
        let h = SlotTable.hash(key)
        let (bucket, existing) = find(key, hash: h)
        precondition(existing == nil, "the note is already unspent")
        let sequence = position?.sequence ?? 0
        let index = position?.index ?? 0
        let slot: UInt32
        if let reused = free.popLast() {
            slot = reused
            let s = Int(reused)
            outputs.replaceSubrange((s * Self.width)..<((s + 1) * Self.width), with: output)
            ids[s] = key
            sequences[s] = sequence
            indices[s] = index
            hasPosition[s] = position != nil
        } else {
            precondition(ids.count < Int(Self.none), "too many unspent notes for 32-bit slots")
            slot = UInt32(ids.count)
            outputs.append(contentsOf: output)
            ids.append(key)
            sequences.append(sequence)
            hasPosition.append(position != nil)
            indices.append(index)
            previous.append(Self.none)
            next.append(Self.none)
        }
        table.place(bucket, hash: h, slot: Int(slot))
        queueTerm(slot: Int(slot), adding: true)
        live += 1
        if position != nil { positioned += 1 }
        let s = Int(slot)
        previous[s] = Self.none
        // One hash of the owner key: the entry is updated through its index.
        if let i = owners.index(forKey: owner) {
            let list = owners.values[i]
            next[s] = list.first
            previous[Int(list.first)] = slot
            owners.values[i] = (slot, list.count + 1)
        } else {
            next[s] = Self.none
            owners[owner] = (slot, 1)
        }
    }

    /// Removes an unspent note from the notes and the owner index.
    /// - Returns: its output and position, nil if it was not unspent.
    @discardableResult
    mutating func remove(_ id: NoteID) -> (output: [UInt8], position: NotePosition?)? {
        guard let key = Key32(id.bytes) else { return nil }
        return remove(key: key)
    }

    /// `remove(_:)` by the id's key.
    @discardableResult
    mutating func remove(key: Key32) -> (output: [UInt8], position: NotePosition?)? {
        guard !table.isEmpty else { return nil }
        let (bucket, found) = find(key)
        guard let slot = found else { return nil }
        let s = Int(slot)
        let bytes = Array(output(slot: s))
        let created = position(slot: s)
        unlink(slot: s, bucket: bucket)
        return (bytes, created)
    }

    /// Takes slot `s` (found in `bucket`) out of the id table and its owner's list, and frees it.
    private mutating func unlink(slot s: Int, bucket: Int) {
        let slot = UInt32(s)
        queueTerm(slot: s, adding: false)
        table.vacate(bucket)
        live -= 1
        if hasPosition[s] { positioned -= 1 }
        // Every stored output is 217 bytes, so its owner key always exists.
        if let owner = Key32(outputs[(s * Self.width)..<(s * Self.width + 32)]), let i = owners.index(forKey: owner) {
            let list = owners.values[i]
            let (p, n) = (previous[s], next[s])
            if p != Self.none { next[Int(p)] = n }
            if n != Self.none { previous[Int(n)] = p }
            if list.count <= 1 {
                owners.remove(at: i)
            } else {
                owners.values[i] = (list.first == slot ? n : list.first, list.count - 1)
            }
        }
        previous[s] = Self.none
        next[s] = Self.none
        free.append(slot)
    }

    /// Queues the state-digest term of the note in slot `s` (its message: id ‖ owner ‖
    /// commitment) to be added or subtracted. Only stored properties are touched, each on its
    /// own, so no copy of the notes is made.
    private mutating func queueTerm(slot s: Int, adding: Bool) {
        let id = ids[s], backend = backend
        outputs.withUnsafeBytes { o in
            let ownerAndCommitment = UnsafeRawBufferPointer(rebasing: o[(s * Self.width)..<(s * Self.width + 64)])
            id.withBytes { idBytes in
                if adding {
                    digestTerms.add(idBytes, ownerAndCommitment, backend: backend)
                } else {
                    digestTerms.subtract(idBytes, ownerAndCommitment, backend: backend)
                }
            }
        }
    }

    /// Σ of the unspent notes' digest terms, the waiting ones hashed on `backend`.
    func digestSum(backend: Backend) -> DigestSum { digestTerms.value(backend: backend) }

    /// Hashes the waiting digest terms on `backend` into the stored sum.
    mutating func settleDigestTerms(backend: Backend) { digestTerms.settle(backend: backend) }

    /// Removes an unspent note like `remove`, without copying out its output (replay, whose
    /// settlements are never undone, and settlements whose caller holds the output's bytes).
    /// - Returns: nil if the note was not unspent, else its position (itself nil if it has none).
    @discardableResult
    mutating func discard(_ id: NoteID) -> NotePosition?? {
        guard let key = Key32(id.bytes) else { return nil }
        return discard(key: key)
    }

    /// `discard(_:)` by the id's key.
    @discardableResult
    mutating func discard(key: Key32) -> NotePosition?? {
        guard !table.isEmpty else { return nil }
        let (bucket, found) = find(key)
        guard let slot = found else { return nil }
        let created = position(slot: Int(slot))
        unlink(slot: Int(slot), bucket: bucket)
        return .some(created)
    }

    /// Number of unspent notes of the owner with spend key encoding `owner`.
    func count(owner: [UInt8]) -> Int {
        guard let key = Key32(owner), let list = owners[key] else { return 0 }
        return Int(list.count)
    }

    /// The unspent notes of the owner with spend key encoding `owner`, ordered by (creating
    /// sequence, output index), notes without a position first, ties by note id.
    func notes(owner: [UInt8]) -> [(id: NoteID, output: [UInt8])] {
        guard let key = Key32(owner), let list = owners[key] else { return [] }
        var found: [(slot: Int, sequence: UInt64, index: UInt16, id: Key32)] = []
        found.reserveCapacity(Int(list.count))
        var slot = list.first
        while slot != Self.none {
            let s = Int(slot)
            found.append((s, sequences[s], indices[s], ids[s]))
            slot = next[s]
        }
        found.sort { a, b in (a.sequence, a.index, a.id) < (b.sequence, b.index, b.id) }
        return found.map { (NoteID(uncheckedBytes: $0.id.bytes), Array(output(slot: $0.slot))) }
    }

    /// Calls `body` with every unspent note's id, output and position, in id order (the
    /// snapshot's order).
    func forEachSortedByID(_ body: (NoteID, ArraySlice<UInt8>, NotePosition?) throws -> Void) rethrows {
        var slots = table.slots
        slots.sort { ids[$0] < ids[$1] }
        for s in slots {
            try body(NoteID(uncheckedBytes: ids[s].bytes), output(slot: s), position(slot: s))
        }
    }

    /// Calls `body` with every unspent note's output, in no particular order.
    func forEachOutput(_ body: (ArraySlice<UInt8>) throws -> Void) rethrows {
        for s in table.slots { try body(output(slot: s)) }
    }
}

/// The creation positions of the unspent notes, by note id (a read-only view of
/// `UnspentNotes`; notes restored from a version-1 snapshot have none).
public struct NotePositions: Equatable, Sendable {
    let notes: UnspentNotes

    /// The position of the unspent note `id`, nil if it is not unspent or has none.
    public subscript(id: NoteID) -> NotePosition? { notes.position(id) }

    /// Number of unspent notes with a position.
    public var count: Int { notes.positioned }

    /// True if no unspent note has a position.
    public var isEmpty: Bool { notes.positioned == 0 }

    /// The ids of the unspent notes that have a position, in no particular order.
    public var keys: [NoteID] {
        var out: [NoteID] = []
        out.reserveCapacity(count)
        notes.forEachPosition { id, _ in out.append(id) }
        return out
    }

    /// Equal if the same notes have the same positions (as the dictionary this view replaces).
    public static func == (a: NotePositions, b: NotePositions) -> Bool {
        guard a.count == b.count else { return false }
        var equal = true
        a.notes.forEachPosition { id, p in if equal, b[id] != p { equal = false } }
        return equal
    }
}
