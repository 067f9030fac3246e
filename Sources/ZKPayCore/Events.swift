/// One event of an address's stream (docs/PROTOCOL.md §11.4): what a wallet learns about
/// a settled transfer or mint. Every event is derived by `transferEvents` or `mintEvents`,
/// whether from a log record (replay) or from a batch just settled (live), so the two cannot
/// differ.
public struct LedgerEvent: Sendable, Equatable {
    /// What happened.
    public enum Kind: String, Sendable {
        /// The address (as sender) spent notes in a transfer.
        case sent
        /// A transfer created notes owned by the address.
        case received
        /// A mint created notes owned by the address.
        case minted
        /// A redemption burned an amount to be paid out against a bank reference: the
        /// issuer's stream (docs/PROTOCOL.md §7.11).
        case burned
    }

    /// What a redemption burned: the amount paid out, the bank reference and the holder.
    public struct Burn: Sendable, Equatable {
        /// The amount to pay out.
        public let amount: UInt64
        /// The bank reference (printable ASCII, 1...140 bytes).
        public let reference: String
        /// The holder's P encoding.
        public let holder: [UInt8]

        /// A burn as a redemption states it.
        public init(amount: UInt64, reference: String, holder: [UInt8]) {
            self.amount = amount
            self.reference = reference
            self.holder = holder
        }
    }

    /// The record (and receipt) sequence.
    public let sequence: UInt64
    /// Sent, received or minted.
    public let kind: Kind
    /// The owner spend key encoding (P, 32 bytes) whose stream this event belongs to.
    public let owner: [UInt8]
    /// The transfer or mint id.
    public let objectID: [UInt8]
    /// The notes involved: spent inputs for `sent`, the address's new notes otherwise.
    public let notes: [NoteID]
    /// Settlement time (milliseconds since 1970).
    public let time: UInt64
    /// The sender's P encoding (empty for mints).
    public let sender: [UInt8]
    /// The transfer's fee (0 for mints).
    public let fee: UInt64
    /// `received`/`minted`: the address's new notes in full (so a wallet can open the memos
    /// at once); `sent`: every output of the transfer (so the sender finds its change).
    public let outputs: [Note]
    /// `sent` by a redemption's holder and `burned`: what was burned (nil otherwise).
    public var burn: Burn? = nil

    /// The events of a transfer settled at `sequence`, for every address it concerns, in
    /// stream order: `sent` for the sender, then `received` for each distinct output owner in
    /// output order (a transfer paying its own sender gives `sent` then `received`).
    /// - Parameters:
    ///   - id: the transfer id; `time`: its receipt time.
    ///   - sender: the sender's P encoding; `inputs`: the spent note ids.
    ///   - outputs: every output note of the transfer, in order.
    public static func transferEvents(sequence: UInt64, id: [UInt8], time: UInt64, sender: [UInt8], inputs: [NoteID],
                                      fee: UInt64, outputs: [Note]) -> [LedgerEvent]
    {
        var out = [LedgerEvent(sequence: sequence, kind: .sent, owner: sender, objectID: id, notes: inputs, time: time,
                               sender: sender, fee: fee, outputs: outputs)]
        for owner in distinctOwners(outputs) {
            let mine = outputs.filter { $0.owner.encoding == owner }
            out.append(LedgerEvent(sequence: sequence, kind: .received, owner: owner, objectID: id, notes: mine.map(\.id),
                                   time: time, sender: sender, fee: fee, outputs: mine))
        }
        return out
    }

    /// The events of a redemption settled at `sequence` (docs/PROTOCOL.md §7.11): the events
    /// of its inner transfer under the redemption id `id`, with `outputs` the notes it created
    /// (every output but the burned one) and `burn` on the holder's `sent`, then `burned` for
    /// the issuer `issuer` (P encoding; none if empty), which pays the amount out.
    public static func redemptionEvents(sequence: UInt64, id: [UInt8], time: UInt64, sender: [UInt8], inputs: [NoteID],
                                        fee: UInt64, outputs: [Note], burn: Burn, issuer: [UInt8]) -> [LedgerEvent]
    {
        var out = transferEvents(sequence: sequence, id: id, time: time, sender: sender, inputs: inputs, fee: fee,
                                 outputs: outputs)
        // Every event of a redemption says so (a wallet then looks the redemption up, not a transfer).
        for i in out.indices { out[i].burn = burn }
        if !issuer.isEmpty {
            out.append(LedgerEvent(sequence: sequence, kind: .burned, owner: issuer, objectID: id, notes: [], time: time,
                                   sender: sender, fee: fee, outputs: [], burn: burn))
        }
        return out
    }

    /// The events of a mint settled at `sequence`: `minted` for each distinct owner of its
    /// notes, in note order.
    public static func mintEvents(sequence: UInt64, id: [UInt8], time: UInt64, notes: [Note]) -> [LedgerEvent] {
        distinctOwners(notes).map { owner in
            let mine = notes.filter { $0.owner.encoding == owner }
            return LedgerEvent(sequence: sequence, kind: .minted, owner: owner, objectID: id, notes: mine.map(\.id),
                               time: time, sender: [], fee: 0, outputs: mine)
        }
    }

    /// The owners of `notes` (P encodings), each once, in order of first appearance.
    static func distinctOwners(_ notes: [Note]) -> [[UInt8]] {
        var owners: [[UInt8]] = []
        for n in notes where !owners.contains(n.owner.encoding) { owners.append(n.owner.encoding) }
        return owners
    }
}
