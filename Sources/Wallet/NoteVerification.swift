public import ZKPayAPI
public import ZKPayCore
import Sodium

/// The transfer or mint a note claims to come from.
public enum NoteParent: Sendable, Hashable, CustomStringConvertible {
    case transfer(TransferID)
    case mint(MintID)
    /// A redemption: its change notes (every output of its inner transfer but the burned one).
    case redemption(RedemptionID)

    /// The parent an event names: its id under the event's kind (a redemption's events carry its burn).
    init(event: EventBody) {
        if event.burn != nil {
            self = .redemption(RedemptionID(uncheckedBytes: event.id))
        } else if event.kind == .minted {
            self = .mint(MintID(uncheckedBytes: event.id))
        } else {
            self = .transfer(TransferID(uncheckedBytes: event.id))
        }
    }

    /// The id bytes.
    public var bytes: [UInt8] {
        switch self {
        case let .transfer(id): id.bytes
        case let .mint(id): id.bytes
        case let .redemption(id): id.bytes
        }
    }

    /// "transfer 0123abcd…" / "mint 0123abcd…".
    public var description: String {
        switch self {
        case let .transfer(id): "transfer \(id.hex.prefix(16))…"
        case let .mint(id): "mint \(id.hex.prefix(16))…"
        case let .redemption(id): "redemption \(id.hex.prefix(16))…"
        }
    }

    /// The parent named by a history entry of `kind` (`sent`, `received`: a transfer;
    /// `minted`, `issued`: a mint) and hex `id`; nil when the entry has no id.
    init?(historyKind kind: String, id hex: String) {
        guard let b = ProtocolHex.decode(hex), b.count == 32 else { return nil }
        switch kind {
        case "sent", "received": self = .transfer(TransferID(uncheckedBytes: b))
        case "minted", "issued": self = .mint(MintID(uncheckedBytes: b))
        case "redeemed": self = .redemption(RedemptionID(uncheckedBytes: b))
        default: return nil
        }
    }
}

/// Where a verified note comes from: facts taken from the settled object and its receipt
/// (never from the event or note list that announced it).
public struct NoteOrigin: Sendable, Equatable {
    /// The transfer or mint.
    public let parent: NoteParent
    /// Its receipt's sequence and time (ms since 1970).
    public let sequence: UInt64
    public let time: UInt64
    /// The sender's spend key P (empty for a mint).
    public let sender: [UInt8]
    /// The transfer's fee (0 for a mint).
    public let fee: UInt64
    /// The receipt (canonical bytes), verified under the pinned key.
    public let receipt: Receipt
}

/// Why a note the validator showed was not credited. Each description says what did not
/// hold and what to do; a rejected note is never counted, shown as received or spent.
public enum NoteRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The ledger has no settled transfer or mint of that id (404): the payment never settled.
    case notSettled(note: NoteID, parent: NoteParent)
    /// The lookup's answer does not decode, or its object, id and receipt disagree.
    case unreadableLookup(note: NoteID, parent: NoteParent, reason: String)
    /// The receipt is for another object (another id or kind) than the one asked for.
    case receiptForOtherObject(note: NoteID, parent: NoteParent)
    /// The object's id recomputed from its bytes is not the id its receipt settles.
    case objectIDMismatch(note: NoteID, parent: NoteParent)
    /// The receipt is not certified by the validators of the pinned ledger.
    case badReceiptSignature(note: NoteID, parent: NoteParent, pinnedChain: String, reason: String)
    /// The note id is not the id of any output of the settled object.
    case noteIDNotDerived(note: NoteID, parent: NoteParent)
    /// The note's bytes differ from the settled object's output of the same id.
    case noteBytesMismatch(note: NoteID, parent: NoteParent, outputIndex: Int)
    /// Nothing names the transfer or mint that created the note (no event, no history).
    case unknownOrigin(note: NoteID)

    /// The note concerned.
    public var note: NoteID {
        switch self {
        case let .notSettled(n, _), let .unreadableLookup(n, _, _), let .receiptForOtherObject(n, _),
             let .objectIDMismatch(n, _), let .badReceiptSignature(n, _, _, _), let .noteIDNotDerived(n, _),
             let .noteBytesMismatch(n, _, _), let .unknownOrigin(n):
            n
        }
    }

    static let advice = "the answer may come from a man in the middle or a dishonest validator; nothing was "
        + "credited. If this persists, check the validator URL and pin its ledger out of band (`zkpay pin`)"

    public var description: String {
        let n = "note \(note.hex.prefix(16))…"
        return switch self {
        case let .notSettled(_, parent):
            "\(n) was not credited: the validator shows it as an output of \(parent), but the ledger has not settled "
                + "that \(parent.kindName); " + Self.advice
        case let .unreadableLookup(_, parent, reason):
            "\(n) was not credited: the validator's answer for \(parent) cannot be checked (\(reason)); " + Self.advice
        case let .receiptForOtherObject(_, parent):
            "\(n) was not credited: the receipt served for \(parent) settles another object; " + Self.advice
        case let .objectIDMismatch(_, parent):
            "\(n) was not credited: the \(parent.kindName) served as \(parent) does not hash to the id its receipt "
                + "settles (its bytes were changed); " + Self.advice
        case let .badReceiptSignature(_, parent, chain, reason):
            "\(n) was not credited: the receipt of \(parent) is not certified by the validators of the ledger pinned "
                + "for this validator (chain id \(chain)): \(reason); " + Self.advice
        case let .noteIDNotDerived(_, parent):
            "\(n) was not credited: its id is not the id of any output of \(parent); " + Self.advice
        case let .noteBytesMismatch(_, parent, index):
            "\(n) was not credited: its bytes differ from output \(index) of the settled \(parent); " + Self.advice
        case .unknownOrigin:
            "\(n) was not credited: no event of the validator names the transfer or mint that created it, so it "
                + "cannot be checked against a receipt; run the command again (if it persists, " + Self.advice + ")"
        }
    }
}

extension NoteParent {
    var kindName: String {
        switch self {
        case .transfer: "transfer"
        case .mint: "mint"
        case .redemption: "redemption"
        }
    }
}

/// Checks notes the validator showed (in `GET /v1/notes` or an event) against the
/// settled transfer or mint they claim to come from (docs/notes/wallet.md, "Received
/// notes"): fetches the object and its receipt (`GET /v1/transfers/{id}`,
/// `GET /v1/mints/{id}`), verifies the receipt's certificate under the validators in office at
/// its batch (the chain of authorities from the pinned genesis), recomputes the
/// object's id from its bytes and compares it with the receipt's, and checks that each
/// note's id derives from that id and its bytes are the object's output.
public struct NoteVerifier {
    /// The validator's client.
    let client: ValidatorClient
    /// Checks receipts against the validators in office at their batch, from the pinned genesis.
    let receipts: ReceiptChecker
    var genesis: Genesis { receipts.genesis }

    public init(client: ValidatorClient, receipts: ReceiptChecker) {
        self.client = client
        self.receipts = receipts
    }

    /// Verifies `notes`, all claimed to be outputs of `parent` (one lookup).
    /// - Returns: per note (in order), its origin or why it is rejected.
    /// - Throws: `ValidatorClientError` when the validator cannot be asked (unreachable,
    ///   connection lost, an error status other than 404): nothing is decided then.
    public func verify(_ notes: [Note], from parent: NoteParent) throws(ValidatorClientError)
        -> [Result<NoteOrigin, NoteRejection>]
    {
        let settled: (receipt: Receipt, id: [UInt8], sender: [UInt8], fee: UInt64, created: [Note])?
        do {
            switch parent {
            case let .transfer(id):
                settled = try client.transfer(id: id).map { ($0.receipt, $0.transfer.id.bytes, $0.transfer.sender.encoding,
                                                            $0.transfer.fee, $0.transfer.createdNotes) }
            case let .mint(id):
                settled = try client.mint(id: id).map { ($0.receipt, $0.mint.id.bytes, [], 0, $0.mint.createdNotes) }
            case let .redemption(id):
                settled = try client.redemption(id: id).map {
                    ($0.receipt, $0.redemption.id.bytes, $0.redemption.holder.encoding, $0.redemption.transfer.fee,
                     $0.redemption.createdNotes)
                }
            }
        } catch {
            if case let .malformedResponse(reason) = error {
                return notes.map { .failure(.unreadableLookup(note: $0.id, parent: parent, reason: reason)) }
            }
            throw error
        }
        guard let settled else { return notes.map { .failure(.notSettled(note: $0.id, parent: parent)) } }
        let kind: Receipt.Kind = switch parent {
        case .transfer: .transfer
        case .mint: .mint
        case .redemption: .redemption
        }
        let receipt = settled.receipt
        guard receipt.kind == kind, receipt.id == parent.bytes else {
            return notes.map { .failure(.receiptForOtherObject(note: $0.id, parent: parent)) }
        }
        guard settled.id == receipt.id else { return notes.map { .failure(.objectIDMismatch(note: $0.id, parent: parent)) } }
        let certificate: CertificateError?
        do { certificate = try receipts.certificateError(receipt) } catch {
            if case let .malformedResponse(reason) = error {
                return notes.map { .failure(.unreadableLookup(note: $0.id, parent: parent, reason: reason)) }
            }
            throw error
        }
        if let error = certificate {
            return notes.map {
                .failure(.badReceiptSignature(note: $0.id, parent: parent, pinnedChain: genesis.chainID.hex,
                                              reason: error.description))
            }
        }
        let origin = NoteOrigin(parent: parent, sequence: receipt.sequence, time: receipt.time, sender: settled.sender,
                                fee: settled.fee, receipt: receipt)
        return notes.map { note in
            guard let index = settled.created.firstIndex(where: { $0.id == note.id }) else {
                return .failure(.noteIDNotDerived(note: note.id, parent: parent))
            }
            guard settled.created[index].bytes == note.bytes else {
                return .failure(.noteBytesMismatch(note: note.id, parent: parent, outputIndex: index))
            }
            return .success(origin)
        }
    }

    /// The cache key of a verified note: BLAKE2b-128 of its canonical bytes (id and
    /// output), so that a cached id with other bytes is checked again.
    public static func digest(_ note: Note) -> String {
        ProtocolHex.encode(Hash.blake2b(note.bytes, outputLength: 16, key: cacheKey))
    }

    static let cacheKey = Array("zkpay-wallet/verified-note/v1".utf8)
}

extension WalletState {
    /// Most verified-note digests kept; a wallet with more unspent notes checks the oldest
    /// again when it meets them.
    public static let verifiedNotesLimit = 4096

    /// Whether `note` (these exact bytes) was verified before.
    public func isVerified(_ note: Note) -> Bool {
        verifiedNotes?.contains(NoteVerifier.digest(note)) ?? false
    }

    /// Records `notes` as verified, dropping the oldest entries past the limit.
    public mutating func markVerified(_ notes: [Note]) {
        var list = verifiedNotes ?? []
        for n in notes {
            let d = NoteVerifier.digest(n)
            if !list.contains(d) { list.append(d) }
        }
        if list.count > Self.verifiedNotesLimit { list.removeFirst(list.count - Self.verifiedNotesLimit) }
        verifiedNotes = list
    }
}
