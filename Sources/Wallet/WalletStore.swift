import Foundation

/// Notes of an in-flight transfer, reserved so that no other send spends them.
///
/// Written (fsynced) before the transfer is submitted and removed only once the
/// outcome is known: finalized (then recorded in history), rejected, or found absent on
/// the ledger after `Reservation.settleSeconds`. A crash between the two leaves the
/// reservation in place, and the next command resolves it by asking the validator for
/// the transfer by id.
public struct Reservation: Codable, Sendable, Equatable {
    /// How long a transfer the ledger does not know stays reserved: longer than a
    /// submission can be in flight (request timeout plus batching).
    public static let settleSeconds: UInt64 = 60

    /// The transfer id (hex).
    public var transferID: String
    /// The spent note ids (hex).
    public var noteIDs: [String]
    /// When it was reserved (ms since 1970).
    public var createdMs: UInt64
    /// Units paid to the recipient.
    public var amount: UInt64
    /// The fee.
    public var fee: UInt64
    /// The recipient's address.
    public var recipient: String
    /// The memo text.
    public var memo: String

    public init(transferID: String, noteIDs: [String], createdMs: UInt64, amount: UInt64, fee: UInt64,
                recipient: String, memo: String) {
        self.transferID = transferID
        self.noteIDs = noteIDs
        self.createdMs = createdMs
        self.amount = amount
        self.fee = fee
        self.recipient = recipient
        self.memo = memo
    }
}

/// One line of `zkpay history`.
public struct HistoryEntry: Codable, Sendable, Equatable {
    /// `sent`, `received`, `minted` (received from the issuer) or `issued` (a mint this
    /// wallet signed as the issuer).
    public var kind: String
    /// The transfer or mint id (hex); empty when only the notes are known.
    public var id: String
    /// The ledger sequence, when known.
    public var sequence: UInt64?
    /// When it happened (ms since 1970; the ledger's time when known).
    public var timeMs: UInt64
    /// Units sent or received.
    public var amount: UInt64
    /// The fee (sent only).
    public var fee: UInt64?
    /// The other party: an address, or the hex spend key when the address is unknown.
    public var counterparty: String
    /// The memo text.
    public var memo: String
    /// The notes received (hex ids): keeps a payment from being listed twice when both
    /// a note scan and the event stream report it.
    public var notes: [String]
    /// For `sent`: the notes it spent (hex ids). A send that selected one of them from an
    /// older note list is stopped before it reaches the validator.
    public var inputs: [String]?
    /// The ledger's receipt (hex of its canonical bytes), when this wallet has it: its own
    /// sends and mints, and receipts fetched with `zkpay receipt get`.
    public var receipt: String?

    public init(kind: String, id: String, sequence: UInt64?, timeMs: UInt64, amount: UInt64, fee: UInt64?,
                counterparty: String, memo: String, notes: [String], inputs: [String]? = nil, receipt: String? = nil) {
        self.inputs = inputs
        self.receipt = receipt
        self.kind = kind
        self.id = id
        self.sequence = sequence
        self.timeMs = timeMs
        self.amount = amount
        self.fee = fee
        self.counterparty = counterparty
        self.memo = memo
        self.notes = notes
    }
}

/// Everything a wallet keeps besides its keystore. Holds no secret: note encodings
/// are public ledger data, and amounts are learned again from the memos with the view key.
public struct WalletState: Codable, Sendable, Equatable {
    /// Format version.
    public var version = 1
    /// The last event sequence this wallet has shown its user: `watch`, `balance` and
    /// `send` all advance it when they process events, so none shows a payment twice.
    public var cursor: UInt64 = 0
    /// The ledger sequence of the last note sync.
    public var syncedSequence: UInt64 = 0
    /// Owned note encodings (hex) as of the last sync: the note cache.
    public var notes: [String] = []
    /// Ids of notes owned by this wallet whose memo did not open (reported, never spent).
    public var unreadable: [String] = []
    /// In-flight transfers.
    public var reservations: [Reservation] = []
    /// Past payments, oldest first.
    public var history: [HistoryEntry] = []
    /// The last mint serial this wallet used as issuer.
    public var lastMintSerial: UInt64 = 0
    /// Digests of the notes checked against their settled transfer or mint and its receipt
    /// (`NoteVerifier.digest`), oldest first, at most `verifiedNotesLimit`: a note is
    /// verified once. Optional so that a state written before it still reads.
    public var verifiedNotes: [String]?

    public init() {}

    /// Ids of every reserved note.
    public var reservedNoteIDs: Set<String> { Set(reservations.flatMap(\.noteIDs)) }

    /// Ids of every note this wallet's recorded sends spent.
    public var spentNoteIDs: Set<String> { Set(history.flatMap { $0.inputs ?? [] }) }

    /// Appends `entry` unless history already holds it (same kind and id, or the same
    /// received notes). An event that completes an entry (sequence, sender) updates it.
    public mutating func record(_ entry: HistoryEntry) {
        // A note scan cannot tell a mint from a transfer; the event can, so `received`
        // and `minted` are one family and the event's kind wins.
        let incoming = ["received", "minted"]
        func family(_ kind: String) -> String { incoming.contains(kind) ? "in" : kind }
        if let i = history.firstIndex(where: { old in
            family(old.kind) == family(entry.kind) && ((!entry.id.isEmpty && old.id == entry.id)
                || (!entry.notes.isEmpty && !Set(old.notes).isDisjoint(with: entry.notes)))
        }) {
            var merged = history[i]
            if entry.sequence != nil { merged.kind = entry.kind }
            if merged.id.isEmpty { merged.id = entry.id }
            if merged.sequence == nil { merged.sequence = entry.sequence }
            if entry.sequence != nil { merged.timeMs = entry.timeMs }
            if merged.counterparty.isEmpty { merged.counterparty = entry.counterparty }
            if merged.memo.isEmpty { merged.memo = entry.memo }
            merged.notes = Array(Set(merged.notes).union(entry.notes)).sorted()
            if let inputs = entry.inputs { merged.inputs = Array(Set(merged.inputs ?? []).union(inputs)).sorted() }
            if merged.receipt == nil { merged.receipt = entry.receipt }
            history[i] = merged
        } else {
            history.append(entry)
        }
    }
}

/// A wallet's `WalletState` on disk, updated under an exclusive lock so that concurrent
/// zkpay processes (a `watch` and a `send`, or two sends) never lose each other's writes
/// and never select the same note.
public struct WalletStore: Sendable {
    /// The state directory.
    public let directory: String
    var statePath: String { directory + "/state.json" }
    var lockPath: String { directory + "/lock" }

    /// The state as stored (a fresh state if none yet).
    public func load() throws(WalletError) -> WalletState { try readJSON(statePath) ?? WalletState() }

    /// Reads the state, lets `body` change it and writes it back (only if changed), all
    /// under the wallet's lock. Nothing is written when `body` throws.
    public func update<R>(_ body: (inout WalletState) throws -> R) throws -> R {
        try Files.withLock(lockPath) {
            let before = try load()
            var state = before
            let result = try body(&state)
            if state != before { try writeJSON(state, to: statePath) }
            return result
        }
    }
}
