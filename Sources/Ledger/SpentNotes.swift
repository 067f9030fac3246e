public import ZKPayCore

/// The spent notes of a ledger state and the transfer that spent each (the double-spend
/// rule, and the spender named in its error).
///
/// Keys and values are held inline (`Key32`) in an `IDMap`: one entry per spent note with no
/// heap allocation, hashed and compared as words. The `[NoteID: TransferID]` dictionary of
/// the first version held two arrays per entry, hashed the key's bytes and compared keys
/// through their array buffers, on every input and output of every transfer.
public struct SpentNotes: Sequence, Equatable, Sendable {
    private var map = IDMap<Key32>()

    init() {}

    /// Number of spent notes.
    public var count: Int { map.count }

    /// True if no note is spent.
    public var isEmpty: Bool { map.isEmpty }

    /// The transfer that spent `note`, nil if it is not spent.
    public internal(set) subscript(note: NoteID) -> TransferID? {
        get { map[Key32(id: note)].map { TransferID(uncheckedBytes: $0.bytes) } }
        set { map[Key32(id: note)] = newValue.map { Key32(id: $0) } }
    }

    /// True if `note` is spent.
    func contains(_ note: NoteID) -> Bool { map.contains(Key32(id: note)) }

    /// True if the note with id key `note` is spent.
    func contains(key note: Key32) -> Bool { map.contains(note) }

    /// The id key of the transfer that spent the note with id key `note`.
    func spender(key note: Key32) -> Key32? { map[note] }

    /// Records that the transfer with id key `transfer` spent the note with id key `note`.
    mutating func insert(key note: Key32, spentBy transfer: Key32) { map.insert(note, transfer) }

    /// Forgets that the note with id key `note` was spent (undo).
    mutating func remove(key note: Key32) { map.remove(note) }

    /// Makes room for `count` spent notes in all.
    mutating func reserveCapacity(_ count: Int) { map.reserveCapacity(count) }

    public var underestimatedCount: Int { map.count }

    /// Every spent note and its spender, in no particular order.
    public func makeIterator() -> Iterator { Iterator(inner: zip(map.keys, map.values).makeIterator()) }

    /// Iterates the spent notes.
    public struct Iterator: IteratorProtocol {
        fileprivate var inner: Zip2Sequence<[Key32], [Key32]>.Iterator

        public mutating func next() -> (key: NoteID, value: TransferID)? {
            inner.next().map { (NoteID(uncheckedBytes: $0.0.bytes), TransferID(uncheckedBytes: $0.1.bytes)) }
        }
    }
}
