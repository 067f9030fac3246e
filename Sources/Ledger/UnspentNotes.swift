public import ZKPayCore

/// 32 bytes held inline as four words (no heap allocation, unlike a `[UInt8]`): the hash
/// key of a note id or an owner key inside the ledger state. The words are big-endian
/// loads, so comparing words in order is the byte-wise order of `Identifier32`.
struct Key32: Hashable, Comparable, Sendable {
    let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// The key of exactly 32 bytes; nil for another length (such an id is never stored).
    init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        if let key = bytes.withContiguousStorageIfAvailable({ Key32(loading: UnsafeRawBufferPointer($0)) }) {
            self = key
        } else {
            self = Array(bytes).withUnsafeBytes { Key32(loading: $0) }
        }
    }

    /// Loads the words of 32 bytes at `buffer` (at least 32 long).
    private init(loading buffer: UnsafeRawBufferPointer) {
        w0 = UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        w1 = UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        w2 = UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        w3 = UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
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
}

/// The unspent notes of a ledger state: each note's id, 217-byte output encoding
/// (owner 32 ‖ commitment 32 ‖ memo 153) and creation position, with an index by owner.
///
/// Memory (the validator holds every unspent note; issue 9 targets <= 400 bytes per note
/// at a million notes): one fixed-size record per note in contiguous parallel arrays
/// indexed by a slot number, instead of three hash maps whose ids and outputs were each a
/// separate heap allocation. `slots` maps an id (inline `Key32`) to its slot; freed slots
/// are reused. The owner index is a doubly linked list per owner threaded through the
/// slots (`previous`/`next`), so inserting and removing a note is O(1) whatever the number
/// of notes the owner has, and an owner costs one map entry (its key, first slot, count).
public struct UnspentNotes: Sendable {
    /// Marks the end of an owner's list.
    private static let none = UInt32.max

    /// The slot of each unspent note id.
    private var slots: [Key32: UInt32] = [:]
    /// The output encodings, `Output.encodedLength` bytes per slot.
    private var outputs: [UInt8] = []
    /// The note id of each slot.
    private var ids: [Key32] = []
    /// The creation position of each slot; (0, 0) means none (a version-1 snapshot has
    /// none, and an absent position orders and is written as (0, 0) everywhere).
    private var sequences: [UInt64] = []
    private var indices: [UInt16] = []
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
    public var count: Int { slots.count }

    /// True if there is no unspent note.
    public var isEmpty: Bool { slots.isEmpty }

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
    public var keys: Keys { Keys(base: slots.keys) }

    /// The ids of the unspent notes, in no particular order.
    public struct Keys: Sequence, Sendable {
        fileprivate let base: Dictionary<Key32, UInt32>.Keys

        public var underestimatedCount: Int { base.count }

        public func makeIterator() -> Iterator { Iterator(base: base.makeIterator()) }

        /// Iterates the ids.
        public struct Iterator: IteratorProtocol {
            fileprivate var base: Dictionary<Key32, UInt32>.Keys.Iterator
            public mutating func next() -> NoteID? { base.next().map { NoteID(uncheckedBytes: $0.bytes) } }
        }
    }

    /// The creation position of the unspent note `id` (nil if it is not unspent or has none).
    public func position(_ id: NoteID) -> NotePosition? {
        guard let key = Key32(id.bytes), let slot = slots[key] else { return nil }
        return position(slot: Int(slot))
    }

    /// True if `id` is an unspent note.
    func contains(_ id: NoteID) -> Bool {
        guard let key = Key32(id.bytes) else { return false }
        return slots[key] != nil
    }

    /// The output encoding of `id`, sharing the storage (no copy). Indices start at the
    /// slice's `startIndex`, not 0.
    func output(_ id: NoteID) -> ArraySlice<UInt8>? {
        guard let key = Key32(id.bytes), let slot = slots[key] else { return nil }
        return output(slot: Int(slot))
    }

    private func output(slot: Int) -> ArraySlice<UInt8> {
        outputs[(slot * Self.width)..<((slot + 1) * Self.width)]
    }

    private func position(slot: Int) -> NotePosition? {
        sequences[slot] == 0 && indices[slot] == 0 ? nil : NotePosition(sequence: sequences[slot], index: indices[slot])
    }

    /// Adds an unspent note (not already present) and indexes it by owner. Ids and outputs
    /// come from parsed objects or snapshots, which fix their lengths (32 and 217 bytes).
    mutating func insert(_ id: NoteID, _ output: some Collection<UInt8>, at position: NotePosition?) {
        guard let key = Key32(id.bytes), output.count == Self.width, let owner = Key32(output.prefix(32)) else {
            preconditionFailure("a note id is 32 bytes and an output \(Self.width) bytes")
        }
        precondition(slots[key] == nil, "the note is already unspent")
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
        } else {
            precondition(ids.count < Int(Self.none), "too many unspent notes for 32-bit slots")
            slot = UInt32(ids.count)
            outputs.append(contentsOf: output)
            ids.append(key)
            sequences.append(sequence)
            indices.append(index)
            previous.append(Self.none)
            next.append(Self.none)
        }
        slots[key] = slot
        let s = Int(slot)
        previous[s] = Self.none
        if let list = owners[owner] {
            next[s] = list.first
            previous[Int(list.first)] = slot
            owners[owner] = (slot, list.count + 1)
        } else {
            next[s] = Self.none
            owners[owner] = (slot, 1)
        }
    }

    /// Removes an unspent note from the notes and the owner index.
    /// - Returns: its output and position, nil if it was not unspent.
    @discardableResult
    mutating func remove(_ id: NoteID) -> (output: [UInt8], position: NotePosition?)? {
        guard let key = Key32(id.bytes), let slot = slots.removeValue(forKey: key) else { return nil }
        let s = Int(slot)
        let bytes = Array(output(slot: s))
        let created = position(slot: s)
        // Every stored output is 217 bytes, so its owner key always exists.
        if let owner = Key32(bytes.prefix(32)), let list = owners[owner] {
            let (p, n) = (previous[s], next[s])
            if p != Self.none { next[Int(p)] = n }
            if n != Self.none { previous[Int(n)] = p }
            if list.count <= 1 {
                owners[owner] = nil
            } else {
                owners[owner] = (list.first == slot ? n : list.first, list.count - 1)
            }
        }
        previous[s] = Self.none
        next[s] = Self.none
        free.append(slot)
        return (bytes, created)
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
        for (key, slot) in slots.sorted(by: { $0.key < $1.key }) {
            let s = Int(slot)
            try body(NoteID(uncheckedBytes: key.bytes), output(slot: s), position(slot: s))
        }
    }

    /// Calls `body` with every unspent note's output, in no particular order.
    func forEachOutput(_ body: (ArraySlice<UInt8>) throws -> Void) rethrows {
        for slot in slots.values { try body(output(slot: Int(slot))) }
    }
}

/// The creation positions of the unspent notes, by note id (a read-only view of
/// `UnspentNotes`; notes restored from a version-1 snapshot have none).
public struct NotePositions: Sendable {
    let notes: UnspentNotes

    /// The position of the unspent note `id`, nil if it is not unspent or has none.
    public subscript(id: NoteID) -> NotePosition? { notes.position(id) }
}
