import Testing
@testable import Ledger
import TestSupport
import ZKPayCore

@Suite("The compact unspent-note store against a dictionary model")
struct UnspentNotesTests {
    /// A model of the store: the maps the ledger state held before `UnspentNotes`.
    struct Model {
        var outputs: [NoteID: [UInt8]] = [:]
        var positions: [NoteID: NotePosition] = [:]

        /// An owner's notes in the order `unspentNotes(owner:)` promises: by position
        /// (none as (0, 0)), then by id.
        func notes(owner: [UInt8]) -> [NoteID] {
            outputs.filter { $0.value.prefix(32).elementsEqual(owner) }.keys.sorted { a, b in
                let pa = positions[a] ?? NotePosition(sequence: 0, index: 0)
                let pb = positions[b] ?? NotePosition(sequence: 0, index: 0)
                return pa != pb ? pa < pb : a < b
            }
        }
    }

    static func bytes(_ count: Int, _ rng: inout SeededRNG) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    @Test("random inserts, removals and replacements keep notes, positions, owner lists and counts equal to the model",
          arguments: [UInt64(0x0a5e_0001), 0x0a5e_0002, 0x0a5e_0003])
    func randomHistory(seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        print("UnspentNotesTests seed \(rng.seed)")
        let owners = (0..<6).map { _ in Self.bytes(32, &rng) }
        var store = UnspentNotes()
        var model = Model()
        var live: [NoteID] = []
        for step in 0..<testIterations(3_000) {
            let roll = Int.random(in: 0..<100, using: &rng)
            if roll < 55 || live.isEmpty {
                let id = NoteID(uncheckedBytes: Self.bytes(32, &rng))
                let output = owners[Int.random(in: 0..<owners.count, using: &rng)] + Self.bytes(Output.encodedLength - 32, &rng)
                // Some positions collide (same sequence and index) so that ties fall to the id.
                let position: NotePosition? = Int.random(in: 0..<5, using: &rng) == 0 ? nil
                    : NotePosition(sequence: UInt64.random(in: 1...20, using: &rng), index: UInt16.random(in: 0...2, using: &rng))
                store.insert(id, output, at: position)
                model.outputs[id] = output
                model.positions[id] = position
                live.append(id)
            } else if roll < 90 {
                let id = live.remove(at: Int.random(in: 0..<live.count, using: &rng))
                let removed = store.remove(id)
                #expect(removed?.output == model.outputs[id], "step \(step)")
                #expect(removed?.position == model.positions[id], "step \(step)")
                model.outputs[id] = nil
                model.positions[id] = nil
                #expect(store.remove(id) == nil, "step \(step): removed twice")
            } else {
                // Replace an output through the subscript (moves the note to another owner).
                let id = live[Int.random(in: 0..<live.count, using: &rng)]
                let output = owners[Int.random(in: 0..<owners.count, using: &rng)] + Self.bytes(Output.encodedLength - 32, &rng)
                store[id] = output
                model.outputs[id] = output
            }
            #expect(store.count == model.outputs.count, "step \(step)")
            if step % 50 == 0 || step < 100 {
                #expect(Set(store.keys) == Set(model.outputs.keys), "step \(step)")
                #expect(Dictionary(uniqueKeysWithValues: store.map { ($0.key, $0.value) }) == model.outputs, "step \(step)")
                #expect(store.positioned == model.positions.count, "step \(step)")
                for (id, output) in model.outputs {
                    #expect(store[id] == output, "step \(step)")
                    #expect(store.position(id) == model.positions[id], "step \(step)")
                    #expect(store.contains(id), "step \(step)")
                }
                for owner in owners {
                    let expected = model.notes(owner: owner)
                    let found = store.notes(owner: owner)
                    #expect(found.map { $0.id } == expected, "step \(step): owner order")
                    #expect(found.map { $0.output } == expected.map { model.outputs[$0] }, "step \(step)")
                    #expect(store.count(owner: owner) == expected.count, "step \(step)")
                }
                var sorted: [NoteID] = []
                store.forEachSortedByID { id, output, position in
                    sorted.append(id)
                    #expect(Array(output) == model.outputs[id], "step \(step)")
                    #expect(position == model.positions[id], "step \(step)")
                }
                #expect(sorted == model.outputs.keys.sorted(), "step \(step): snapshot order")
            }
        }
        // Equality is the dictionary's: same ids and outputs, whatever the positions and slots.
        var rebuilt = UnspentNotes()
        for (id, output) in model.outputs.sorted(by: { $0.key < $1.key }) { rebuilt.insert(id, output, at: nil) }
        #expect(rebuilt == store)
        if let id = model.outputs.keys.first {
            var changed = rebuilt
            changed[id] = nil
            #expect(changed != store)
            var other = rebuilt
            other[id] = owners[0] + Self.bytes(Output.encodedLength - 32, &rng)
            #expect(other != store)
        }
        let never = NoteID(uncheckedBytes: Self.bytes(32, &rng))
        #expect(store[never] == nil && !store.contains(never) && store.position(never) == nil)
        #expect(store[NoteID(uncheckedBytes: [1, 2, 3])] == nil, "an id of another length is never unspent")
        #expect(store.count(owner: [1, 2, 3]) == 0)
    }

    @Test("the inline id key orders like the id bytes and gives the same bytes back")
    func keyOrder() {
        var rng = SeededRNG(seed: 0x0a5e_0100)
        print("UnspentNotesTests seed \(rng.seed)")
        for _ in 0..<500 {
            // Ids that share a prefix of random length, so every word is compared somewhere.
            let a = Self.bytes(32, &rng)
            var b = a
            let from = Int.random(in: 0..<32, using: &rng)
            for i in from..<32 { b[i] = UInt8.random(in: 0...255, using: &rng) }
            guard let ka = Key32(a), let kb = Key32(b), let ks = Key32(a[0..<32]) else {
                Issue.record("32 bytes must make a key")
                return
            }
            #expect(ka.bytes == a && kb.bytes == b && ks == ka)
            #expect((ka < kb) == a.lexicographicallyPrecedes(b))
            #expect((ka == kb) == (a == b))
        }
        #expect(Key32([UInt8](repeating: 0, count: 31)) == nil)
        #expect(Key32([UInt8](repeating: 0, count: 33)) == nil)
    }
}
