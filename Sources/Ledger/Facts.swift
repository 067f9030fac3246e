import Sodium
import ZKPayCore

/// What the ledger rules and the state need of a transfer, as bytes: no point is decoded,
/// so applying and replaying cost hashes and table updates only. Built from a decoded
/// (verified) `Transfer`, or by `parse` from logged bytes during replay, where the proofs
/// are not checked again.
struct TransferFacts: Sendable {
    let id: TransferID
    /// `id` as a hash key (computed once).
    let idKey: Key32
    let inputs: [NoteID]
    /// Output encodings (owner 32 ‖ commitment 32 ‖ memo 153), in output order.
    let outputs: [[UInt8]]
    let outputIDs: [NoteID]
    let fee: UInt64
    /// E's encoding.
    let excess: [UInt8]
    /// P's encoding.
    let sender: [UInt8]

    init(id: TransferID, inputs: [NoteID], outputs: [[UInt8]], fee: UInt64, excess: [UInt8], sender: [UInt8]) {
        self.id = id
        idKey = Key32(id: id)
        self.inputs = inputs
        self.outputs = outputs
        outputIDs = outputs.indices.map { NoteID(transfer: id, outputIndex: $0) }
        self.fee = fee
        self.excess = excess
        self.sender = sender
    }

    /// The facts of a decoded transfer (its encodings are sliced from its bytes).
    init(_ t: Transfer) {
        let start = 3 + 32 * t.inputs.count + 1
        let outputs = t.outputs.indices.map { j in
            Array(t.bytes[(start + j * Output.encodedLength)..<(start + (j + 1) * Output.encodedLength)])
        }
        self.init(id: t.id, inputs: t.inputs, outputs: outputs, fee: t.fee, excess: t.excessKey.bytes,
                  sender: t.senderKey.bytes)
    }

    /// Reads the fields the ledger needs from a canonical transfer encoding without
    /// decoding points, proofs or signatures (replay of records verified before logging).
    static func parse(_ bytes: some Collection<UInt8>) throws(ProtocolError) -> TransferFacts {
        let all = Array(bytes)
        var r = ByteReader(all)
        guard try r.u8("type") == Transfer.objectType else {
            throw .unexpectedObjectType(expected: "transfer", found: Int(all.first ?? 0))
        }
        guard try r.u8("version") == Transfer.version else { throw .unknownVersion(object: "transfer", version: 0) }
        let n = try r.count("inputs count", allowed: Transfer.inputCounts)
        var inputs: [NoteID] = []
        inputs.reserveCapacity(n)
        for i in 0..<n { inputs.append(NoteID(uncheckedBytes: try r.raw(32, "inputs[\(i)]"))) }
        let m = try r.count("outputs count", oneOf: Transfer.outputCounts)
        var outputs: [[UInt8]] = []
        outputs.reserveCapacity(m)
        for j in 0..<m { outputs.append(try r.raw(Output.encodedLength, "outputs[\(j)]")) }
        let fee = try r.u64("fee")
        let proofLength = Int(try r.u16("range_proof length"))
        _ = try r.raw(proofLength, "range_proof")
        let excess = try r.raw(32, "excess")
        _ = try r.raw(64, "balance_signature")
        let sender = try r.raw(32, "sender")
        _ = try r.raw(64, "authorization")
        try r.finish()
        let id = TransferID(uncheckedBytes: Hash.blake2b(all, outputLength: 32, key: Array(Domain.transferID.utf8)))
        return TransferFacts(id: id, inputs: inputs, outputs: outputs, fee: fee, excess: excess, sender: sender)
    }
}

/// The encoding of an output as the state stores it.
func outputBytes(_ o: Output) -> [UInt8] {
    var w = ByteWriter(capacity: Output.encodedLength)
    o.encode(to: &w)
    return w.bytes
}
