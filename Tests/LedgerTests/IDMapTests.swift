import Testing
@testable import Ledger
import TestSupport

/// The ledger's id-keyed hash map against a `Dictionary` model.
@Suite("IDMap")
struct IDMapTests {
    static func key(_ rng: inout SeededRNG, pool: [Key32]) -> Key32 { pool[Int.random(in: 0..<pool.count, using: &rng)] }

    @Test("random inserts, overwrites, removals, reservations and lookups match a Dictionary", arguments: [1, 2, 3])
    func matchesModel(seed: UInt64) throws {
        var rng = SeededRNG(seed: 0x1d_3a_9000 + seed)
        // A pool small enough that keys come back after removal, large enough for long probe runs.
        let pool = (0..<3000).map { _ in Key32(rng.bytes(32))! }
        var map = IDMap<UInt64>()
        var model: [Key32: UInt64] = [:]
        for step in 0..<40_000 {
            let k = Self.key(&rng, pool: pool)
            switch Int.random(in: 0..<10, using: &rng) {
            case 0...4:
                let v = UInt64(step)
                map.insert(k, v)
                model[k] = v
            case 5...7:
                map.remove(k)
                model[k] = nil
            case 8:
                map.reserveCapacity(map.count + Int.random(in: 0...600, using: &rng))
            default:
                map[k] = nil
                model[k] = nil
            }
            #expect(map[k] == model[k])
            if step % 4000 == 0 || step == 39_999 {
                #expect(map.count == model.count)
                for p in pool { #expect(map[p] == model[p] && map.contains(p) == (model[p] != nil)) }
                #expect(Dictionary(uniqueKeysWithValues: zip(map.keys, map.values)) == model)
            }
        }
    }

    @Test("equality ignores insertion order and slots; removing everything empties the map")
    func equalityAndEmptying() {
        var rng = SeededRNG(seed: 0x1d_3a_9100)
        let keys = (0..<500).map { _ in Key32(rng.bytes(32))! }
        var a = IDMap<Key32>(), b = IDMap<Key32>()
        for k in keys { a.insert(k, k) }
        for k in keys.reversed() { b.insert(k, k) }
        #expect(a == b)
        b.insert(keys[7], keys[8])
        #expect(a != b)
        for k in keys.shuffled(using: &rng) { a.remove(k) }
        #expect(a.isEmpty && a.count == 0 && !a.contains(keys[0]) && a[keys[1]] == nil)
        a.insert(keys[2], keys[3])
        #expect(a[keys[2]] == keys[3] && a.count == 1)
    }
}
