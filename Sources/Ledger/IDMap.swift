/// A hash map from 32-byte ids (`Key32`) to values: the ledger's spent notes and the
/// sequence of every settled object, which every transfer looks up and extends (four to
/// six operations per transfer, a million entries after a million transfers).
///
/// Layout: entries are dense (`keys[i]`, `values[i]`; a removal moves the last entry into
/// the hole), and `table` (`SlotTable`) finds an entry's slot by open addressing with linear
/// probing over 8-byte buckets that hold the key's hash (32 bits) beside the slot. Probes compare
/// stored hashes before they touch a key, and growing the table or closing a hole moves
/// buckets by their stored hashes without reading a key or hashing it again. The
/// `Dictionary` this replaces hashed every key again when it grew (a doubling at a million
/// entries rehashed all of them in one call) and compared keys on every probe.
///
/// Hashes come from `Key32.tableHash`, keyed per process, so ids chosen to collide cannot
/// be precomputed. At most 3/4 of the buckets are in use.
struct IDMap<Value: Sendable>: Sendable {
    private var table = SlotTable()
    private(set) var keys: [Key32] = []
    private(set) var values: [Value] = []

    init() {}

    /// Number of entries.
    var count: Int { keys.count }

    /// True if there is no entry.
    var isEmpty: Bool { keys.isEmpty }

    /// The bucket holding `key` and its slot, or the empty bucket where it would go (slot
    /// nil). The table must have buckets.
    @inline(__always)
    private func find(_ key: Key32, hash h: UInt64) -> (bucket: Int, slot: Int?) {
        keys.withUnsafeBufferPointer { k in table.find(hash: h) { k[$0] == key } }
    }

    /// The value of `key`; setting nil removes it.
    subscript(key: Key32) -> Value? {
        get {
            guard !table.isEmpty, let slot = find(key, hash: SlotTable.hash(key)).slot else { return nil }
            return values[slot]
        }
        set {
            if let newValue { insert(key, newValue) } else { remove(key) }
        }
    }

    /// True if `key` has a value.
    func contains(_ key: Key32) -> Bool {
        !table.isEmpty && find(key, hash: SlotTable.hash(key)).slot != nil
    }

    /// Sets the value of `key` (adding the key if it is new).
    mutating func insert(_ key: Key32, _ value: Value) {
        table.reserve(keys.count + 1)
        let h = SlotTable.hash(key)
        let (bucket, found) = find(key, hash: h)
        if let found {
            values[found] = value
            return
        }
        table.place(bucket, hash: h, slot: keys.count)
        keys.append(key)
        values.append(value)
    }

    /// Removes `key` and its value (no-op if absent).
    mutating func remove(_ key: Key32) {
        guard !table.isEmpty else { return }
        let (bucket, found) = find(key, hash: SlotTable.hash(key))
        guard let slot = found else { return }
        table.vacate(bucket)
        let last = keys.count - 1
        if slot != last {
            // Move the last entry into the hole and point its bucket at the new slot.
            let moved = keys[last]
            let (movedBucket, movedSlot) = find(moved, hash: SlotTable.hash(moved))
            precondition(movedSlot == last, "every entry is in the table")
            table.repoint(movedBucket, to: slot)
            keys[slot] = moved
            values[slot] = values[last]
        }
        keys.removeLast()
        values.removeLast()
    }

    /// Makes room for `n` entries in all without growing again.
    mutating func reserveCapacity(_ n: Int) {
        table.reserve(n)
        // Geometric, as appends grow: the ledger reserves a little more before every batch,
        // and an exact reservation would copy the whole arrays each time.
        if n > keys.capacity { keys.reserveCapacity(Swift.max(n, 2 * keys.capacity)) }
        if n > values.capacity { values.reserveCapacity(Swift.max(n, 2 * values.capacity)) }
    }
}

/// The bucket array of an open-addressing hash table with linear probing that maps 32-byte
/// ids to slot numbers of the caller's own storage (`IDMap`, `UnspentNotes`). A bucket
/// is 0 (empty) or the key's hash (low 32 bits of `Key32.tableHash`) << 32 | (slot + 1);
/// a power of two of buckets (or none yet), at most 3/4 in use. Keeping the hash in the
/// bucket lets a probe skip other keys' buckets without reading their keys, and lets the
/// table grow and close holes without reading or hashing any key.
struct SlotTable: Sendable {
    private var buckets: [UInt64] = []

    /// True before the first bucket is allocated.
    var isEmpty: Bool { buckets.isEmpty }

    /// Number of buckets.
    var capacity: Int { buckets.count }

    /// The hash bits a bucket keeps of `key`.
    @inline(__always)
    static func hash(_ key: Key32) -> UInt64 { key.tableHash & 0xFFFF_FFFF }

    /// The slot of a nonempty bucket value.
    @inline(__always)
    static func slot(_ entry: UInt64) -> Int { Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1 }

    /// The bucket holding the key with hash `h` for which `matches(slot)` is true and that
    /// slot, or the empty bucket where such a key would go (slot nil). The table must have
    /// buckets.
    @inline(__always)
    func find(hash h: UInt64, matches: (Int) -> Bool) -> (bucket: Int, slot: Int?) {
        let mask = buckets.count - 1
        var b = Int(truncatingIfNeeded: h) & mask
        return buckets.withUnsafeBufferPointer { t in
            while true {
                let entry = t[b]
                if entry == 0 { return (b, nil) }
                if entry >> 32 == h, matches(Self.slot(entry)) { return (b, Self.slot(entry)) }
                b = (b + 1) & mask
            }
        }
    }

    /// Fills the empty bucket `bucket` (from `find`) with `slot` of a key with hash `h`.
    mutating func place(_ bucket: Int, hash h: UInt64, slot: Int) {
        precondition(slot < Int(UInt32.max) - 1, "too many entries for 32-bit slots")
        buckets[bucket] = h << 32 | UInt64(slot + 1)
    }

    /// Points the nonempty bucket `bucket` at `slot` (its key moved there).
    mutating func repoint(_ bucket: Int, to slot: Int) {
        buckets[bucket] = (buckets[bucket] & 0xFFFF_FFFF_0000_0000) | UInt64(slot + 1)
    }

    /// Grows the table (doubling, at least 16 buckets) until `n` entries fit.
    mutating func reserve(_ n: Int) {
        guard n * 4 > buckets.count * 3 else { return }
        var size = Swift.max(16, buckets.count * 2)
        while n * 4 > size * 3 { size *= 2 }
        let old = buckets
        buckets = [UInt64](repeating: 0, count: size)
        let mask = size - 1
        buckets.withUnsafeMutableBufferPointer { t in
            for entry in old where entry != 0 {
                var b = Int(truncatingIfNeeded: entry >> 32) & mask
                while t[b] != 0 { b = (b + 1) & mask }
                t[b] = entry
            }
        }
    }

    /// Empties bucket `bucket` and moves later buckets of its run back so that every entry
    /// stays reachable from its home bucket without a hole (deletion without tombstones).
    mutating func vacate(_ bucket: Int) {
        let mask = buckets.count - 1
        buckets.withUnsafeMutableBufferPointer { t in
            var i = bucket
            var j = bucket
            t[i] = 0
            while true {
                j = (j + 1) & mask
                let entry = t[j]
                if entry == 0 { return }
                let home = Int(truncatingIfNeeded: entry >> 32) & mask
                // The entry at j may stay if its home lies cyclically in (i, j].
                let stays = i <= j ? (i < home && home <= j) : (i < home || home <= j)
                if !stays {
                    t[i] = entry
                    t[j] = 0
                    i = j
                }
            }
        }
    }

    /// The slot in the first used bucket at or after `bucket`, which moves past it.
    func nextSlot(from bucket: inout Int) -> Int? {
        while bucket < buckets.count {
            let entry = buckets[bucket]
            bucket += 1
            if entry != 0 { return Self.slot(entry) }
        }
        return nil
    }

    /// Every used slot, in bucket order.
    var slots: [Int] { buckets.compactMap { $0 == 0 ? nil : Self.slot($0) } }
}

extension IDMap: Equatable where Value: Equatable {
    /// Equal if the same keys have equal values (whatever the slot or bucket order).
    static func == (a: IDMap, b: IDMap) -> Bool {
        guard a.count == b.count else { return false }
        for (key, value) in zip(a.keys, a.values) where b[key] != value { return false }
        return true
    }
}
