import Sodium
import ZKPayCore

/// What the ledger rules and the state need of a transfer, read in place from its canonical
/// encoding: no point is decoded, so applying and replaying cost hashes and table updates
/// only. Built from a decoded (verified) `Transfer`, or by `parse` from logged bytes during
/// replay, where the proofs are not checked again.
///
/// Layout: the encoding (shared with the `Transfer`, not copied) plus one small array of
/// inline note-id keys. Applying a batch whose transfers are not in the CPU cache costs a
/// cache miss per separate heap object it touches, so the facts hold two objects rather
/// than an array per id, per output, for the excess and the sender.
struct TransferFacts: Sendable {
    let id: TransferID
    /// `id` as a hash key.
    let idKey: Key32
    /// The canonical transfer encoding the fields below are read from.
    let encoding: [UInt8]
    let fee: UInt64
    /// The inputs' note ids, then the outputs' (`NoteID(transfer: id, outputIndex: j)`), as keys.
    private let noteKeys: [Key32]
    /// The sender's P encoding as a key (input owners are compared with it).
    let senderKey: Key32
    /// Where the fields lie in `encoding`.
    private let layout: TransferLayout
    /// Number of inputs and of outputs.
    var inputCount: Int { layout.inputCount }
    var outputCount: Int { layout.outputCount }

    /// The facts of a decoded transfer.
    init(_ t: Transfer) {
        do { self = try Self.parse(t.bytes, id: t.id) } catch {
            preconditionFailure("a decoded transfer's encoding parses: \(error)")
        }
    }

    private init(id: TransferID, encoding: [UInt8], layout: TransferLayout, fee: UInt64) {
        self.id = id
        idKey = Key32(id: id)
        self.encoding = encoding
        self.layout = layout
        self.fee = fee
        var keys: [Key32] = []
        keys.reserveCapacity(layout.inputCount + layout.outputCount)
        for k in 0..<layout.inputCount {
            let start = layout.input(k)
            guard let key = Key32(encoding[start..<(start + 32)]) else { preconditionFailure("ids are 32 bytes") }
            keys.append(key)
        }
        for j in 0..<layout.outputCount { keys.append(Self.noteKey(transfer: idKey, outputIndex: j)) }
        noteKeys = keys
        guard let sender = Key32(encoding[layout.sender..<(layout.sender + 32)]) else { preconditionFailure("keys are 32 bytes") }
        senderKey = sender
    }

    /// The note id hash (`NoteID(transfer:outputIndex:)`: keyed BLAKE2b-256 of the transfer id
    /// ‖ LE32(index)), its key block compressed once: replay computes two per transfer.
    static let noteIDHasher = KeyedBLAKE2b(key: Domain.noteIDKey)

    /// The key of the id of output `index` of the transfer whose id key is `transfer`.
    static func noteKey(transfer: Key32, outputIndex index: Int) -> Key32 {
        precondition((0..<Int(UInt32.max)).contains(index), "output index out of range")
        var suffix = UInt32(index).littleEndian
        let d = transfer.withBytes { t in withUnsafeBytes(of: &suffix) { noteIDHasher.digest(t, UnsafeRawBufferPointer($0)) } }
        return Key32(digest: d)
    }

    /// Reads the fields the ledger needs from a canonical transfer encoding without
    /// decoding points, proofs or signatures (replay of records verified before logging).
    /// `id`: the transfer id if known (else it is computed).
    static func parse(_ bytes: some Collection<UInt8>, id known: TransferID? = nil) throws(ProtocolError) -> TransferFacts {
        let all = Array(bytes)
        let layout = try TransferLayout(reading: all)
        var fee: UInt64 = 0
        for i in (0..<8).reversed() { fee = fee << 8 | UInt64(all[layout.fee + i]) }
        let id = known ?? TransferID(uncheckedBytes: Hash.blake2b(all, outputLength: 32, key: Array(Domain.transferID.utf8)))
        return TransferFacts(id: id, encoding: all, layout: layout, fee: fee)
    }

    /// Where the note-id keys, the encoding and the id lie, for `VerifiedTransfer`'s prefetching.
    var prefetchRegions: (keys: PrefetchRegion, encoding: PrefetchRegion, id: PrefetchRegion) {
        (noteKeys.withUnsafeBytes(PrefetchRegion.init), encoding.withUnsafeBytes(PrefetchRegion.init),
         id.bytes.withUnsafeBytes(PrefetchRegion.init))
    }

    /// The key of input `k`'s note id.
    func inputKey(_ k: Int) -> Key32 { noteKeys[k] }
    /// The key of output `j`'s note id.
    func outputKey(_ j: Int) -> Key32 { noteKeys[inputCount + j] }
    /// The keys of the outputs' note ids (sharing the storage).
    var outputKeys: ArraySlice<Key32> { noteKeys[inputCount...] }

    /// Output `j`'s encoding (owner 32 ‖ commitment 32 ‖ memo 153), a slice of the encoding.
    func output(_ j: Int) -> ArraySlice<UInt8> {
        encoding[layout.output(j)..<(layout.output(j) + Output.encodedLength)]
    }

    /// The chain id's encoding.
    var chainID: ArraySlice<UInt8> { encoding[TransferLayout.chainID..<(TransferLayout.chainID + 32)] }
    /// E's encoding.
    var excess: ArraySlice<UInt8> { encoding[layout.excess..<(layout.excess + 32)] }
    /// P's encoding.
    var sender: ArraySlice<UInt8> { encoding[layout.sender..<(layout.sender + 32)] }

    /// The input note ids (built on each call; the rules use the keys).
    var inputs: [NoteID] { (0..<inputCount).map { NoteID(uncheckedBytes: Array(encoding[layout.input($0)..<(layout.input($0) + 32)])) } }
    /// The output note ids (built on each call).
    var outputIDs: [NoteID] { (0..<outputCount).map { NoteID(uncheckedBytes: outputKey($0).bytes) } }
    /// The output encodings as arrays (built on each call).
    var outputs: [[UInt8]] { (0..<outputCount).map { Array(output($0)) } }
}

/// The encoding of an output as the state stores it.
func outputBytes(_ o: Output) -> [UInt8] {
    var w = ByteWriter(capacity: Output.encodedLength)
    o.encode(to: &w)
    return w.bytes
}
