public import Foundation
public import Ristretto255
import ZKPayAPI
public import ZKPayCore

/// Failures of the wallet's conversations with the validator. Descriptions are the
/// messages `zkpay` prints after `error: `.
public enum WalletOperationError: Error, CustomStringConvertible {
    /// Nothing answers at the validator URL (`reason`: what the connection attempt said);
    /// nothing was sent and nothing stays reserved.
    case validatorDown(url: String, reason: String = "")
    /// The URL does not parse.
    case invalidValidatorURL(String)
    /// The spendable notes do not cover amount + fee.
    case insufficientFunds(spendable: UInt64, needed: UInt64, reserved: UInt64, format: AmountFormat)
    /// The validator refused the transfer or mint; its notes are free again.
    case rejected(what: String, code: String, message: String)
    /// The reply was lost and the validator does not know the transfer yet: its notes
    /// stay reserved until a later command finds out.
    case unconfirmed(transferID: String)
    /// A receipt that does not verify under the pinned key, or is for another object.
    case badReceipt(String)
    /// Another send of this wallet reserved or spent a chosen note after this one
    /// listed its notes; nothing was sent (sync and build again).
    case notesTaken
    /// A mint from a wallet that is not the ledger's issuer.
    case notIssuer(ledgerIssuer: String)
    /// Another request-level failure (malformed answer, transport error, bad input).
    case failed(String)

    public var description: String {
        switch self {
        case let .validatorDown(url, reason):
            "cannot reach the validator at \(url)" + (reason.isEmpty ? "" : " (\(reason))")
                + "; is `zkpay validator run` running there? Name another one with --validator URL or ZKPAY_VALIDATOR"
        case let .invalidValidatorURL(text):
            "'\(text)' is not a validator URL; expected http://HOST:PORT (for example http://127.0.0.1:7878)"
        case let .insufficientFunds(spendable, needed, reserved, f):
            "insufficient funds: the spendable balance is \(f.format(spendable)), this transfer needs "
                + "\(f.format(needed)) (amount plus fee)"
                + (reserved > 0 ? "; \(f.format(reserved)) more is reserved by transfers in flight" : "")
        case let .rejected(what, code, message):
            "the validator rejected the \(what): \(message) (\(code)); its notes are free again"
        case let .unconfirmed(id):
            "the validator did not confirm transfer \(id.prefix(16))…; its notes stay reserved until zkpay learns "
                + "the outcome: run `zkpay balance` again in a minute"
        case let .badReceipt(why):
            "the validator's receipt is not valid: \(why)"
        case .notesTaken:
            "a concurrent send from this wallet took the same notes; nothing was sent, run the command again"
        case let .notIssuer(issuer):
            "this wallet is not the ledger's issuer (the issuer is \(issuer)); mint with the issuer's wallet"
        case let .failed(why):
            why
        }
    }
}

extension WalletOperationError {
    /// Why building the same request again may succeed where nothing was sent or settled:
    /// another send of this wallet took the chosen notes, or the ledger's auditors changed
    /// before the transfer settled (docs/PROTOCOL.md §7.12); nil for every other error.
    public var rebuildReason: String? {
        switch self {
        case .notesTaken: "a concurrent send took the chosen notes; choosing again…"
        case let .rejected(_, code, _) where code == "authority_changed":
            "the ledger's auditor keys changed before it settled; building it again for the auditors in office…"
        default: nil
        }
    }
}

/// An owned note with its opening.
public struct OpenedNote: Sendable {
    /// The note.
    public let note: Note
    /// Amount, blinding and memo text.
    public let contents: MemoContents
    /// The memo text as shown to people.
    public var memoText: String { String(decoding: contents.text, as: UTF8.self) }
}

/// What a sync learned.
public struct SyncResult: Sendable {
    /// The ledger sequence the note list is from.
    public let sequence: UInt64
    /// Every note of this wallet that opened (reserved ones included).
    public let owned: [OpenedNote]
    /// Notes owned by this wallet's spend key whose memo does not open with its view key
    /// (or does not open the commitment): never spent, reported.
    public let unreadable: [NoteID]
    /// Ids of notes reserved by transfers in flight.
    public let reserved: Set<NoteID>
    /// Payments found for the first time that no event after the cursor announced (found
    /// by their parent in the whole event history), verified and recorded in history.
    public let newlyReceived: [OpenedNote]
    /// Events read after the shared cursor while syncing (new payments with their details).
    public let events: [WalletEvent]
    /// Notes the validator listed (or an event read while syncing announced) that failed
    /// verification against a settled transfer or mint and its receipt: not in `owned`,
    /// never counted or spent.
    public var rejected: [NoteRejection] = []

    /// Notes that can be spent now: opened, not reserved, not zero.
    public var spendable: [OpenedNote] { owned.filter { !reserved.contains($0.note.id) && $0.contents.amount > 0 } }
    /// Σ amounts of every owned note.
    public var total: UInt64 { Self.sum(owned.map(\.contents.amount)) }
    /// Σ amounts of the spendable notes.
    public var spendableTotal: UInt64 { Self.sum(spendable.map(\.contents.amount)) }
    /// Σ amounts of the reserved notes.
    public var reservedTotal: UInt64 { Self.sum(owned.filter { reserved.contains($0.note.id) }.map(\.contents.amount)) }

    static func sum(_ values: [UInt64]) -> UInt64 {
        values.reduce(0) { s, v in s.addingReportingOverflow(v).overflow ? .max : s + v }
    }
}

/// A settled transfer or mint.
public struct Settlement: Sendable {
    /// The transfer or mint id (hex).
    public let id: String
    /// The verified receipt.
    public let receipt: Receipt
    /// False when the validator had settled it before (idempotent resubmission).
    public let isNew: Bool
    /// Submission to verified receipt, in milliseconds.
    public let latencyMs: UInt64
    /// Units returned as change (transfers).
    public let change: UInt64
    /// The fee paid.
    public let fee: UInt64
    /// How a lost reply was resolved, when it was (for a note to the user).
    public var recovery: String? = nil
}

/// How an earlier in-flight transfer turned out.
public enum ReservationOutcome: Sendable {
    /// The ledger finalized it (now in history).
    case finalized(transferID: String, sequence: UInt64)
    /// The ledger never got it; its notes are free again.
    case released(transferID: String)
    /// Still unknown and recent: stays reserved.
    case pending(transferID: String)
}

/// One event of the wallet's stream, decoded for people.
public struct WalletEvent: Sendable {
    /// The event sequence (the watch cursor after it).
    public let sequence: UInt64
    /// `received`, `minted` or `sent`.
    public let kind: String
    /// The transfer or mint id (hex).
    public let id: String
    /// Units received or sent (nil when a sent amount is unknown to this wallet).
    public let amount: UInt64?
    /// The fee (sent).
    public let fee: UInt64
    /// Who paid or was paid: a contact or wallet name, an address, or a key prefix.
    public let counterparty: String
    /// The memo text.
    public let memo: String
    /// Settlement time, ms since 1970.
    public let time: UInt64
    /// Notes of the event this wallet could not open (reported, never spent).
    public let unreadable: Int
    /// `sent`: the recipient's full address, when this wallet recorded it.
    public var counterpartyAddress: String? = nil
    /// Notes of the event that failed verification (not credited; each says why).
    public var rejections: [NoteRejection] = []
    /// False when every note of a `received`/`minted` event failed verification: nothing
    /// was credited or recorded, and people should see only the warnings.
    public var credited = true
    /// `sent` from elsewhere (another wallet with the same seed) whose transfer and
    /// certified receipt could not be confirmed: why. Such an event is not recorded.
    public var unverifiedReason: String? = nil
}

/// A wallet unlocked and talking to one validator: sync, send, mint and watch, with
/// notes reserved while a transfer is in flight (docs/notes/wallet.md).
public final class WalletSession {
    /// The wallet home.
    public let home: WalletHome
    /// The wallet's name.
    public let name: String
    /// Its keys.
    public let keys: WalletKeys
    /// Its state store.
    public let store: WalletStore
    /// The validator URL, normalized (the key receipts are pinned under).
    public let validator: String
    let url: ValidatorURL
    let client: ValidatorClient
    /// The pinned ledger's genesis (validator set, quorum, chain id), after `connect`.
    public private(set) var genesis: Genesis?
    /// The validator's status, after `connect`.
    public private(set) var status: StatusBody?
    /// The session's receipt checker (`receiptChecker()`).
    private var checker: ReceiptChecker?
    /// The backend the range proofs are built on (one the CPU runs).
    public let backend: Backend

    /// A session; nothing is sent until a method is called.
    /// - Parameter backend: the arithmetic backend of the transfers it builds.
    public init(home: WalletHome, name: String, keys: WalletKeys, validator text: String,
                timeout: Double = 30, backend: Backend = .portable) throws(WalletOperationError) {
        self.backend = backend
        do { url = try ValidatorURL(parsing: text) } catch { throw .invalidValidatorURL(text) }
        validator = url.description
        client = ValidatorClient(url: url, timeout: timeout)
        self.home = home
        self.name = name
        self.keys = keys
        do { store = try home.state(name) } catch { throw .failed("\(error)") }
    }

    /// Maps a client error to the wallet's.
    func map(_ error: ValidatorClientError, what: String = "request") -> WalletOperationError {
        switch error {
        case let .unreachable(_, reason): .validatorDown(url: validator, reason: reason)
        case let .invalidURL(u): .invalidValidatorURL(u)
        case let .rejected(body): .rejected(what: what, code: body.code, message: body.message)
        case .transport, .malformedResponse: .failed("\(error)")
        }
    }

    /// `GET /v1/status` and `GET /v1/genesis`, pinning the ledger's chain id on first use
    /// (trust on first use; `zkpay pin` pins out of band) and refusing a validator that
    /// serves another ledger than the pin.
    @discardableResult
    public func connect() throws -> StatusBody {
        let s: StatusBody
        let g: Genesis
        do {
            s = try client.status()
            g = try Genesis(bytes: try client.genesisBytes())
        } catch let e as ValidatorClientError {
            throw map(e)
        } catch {
            throw WalletOperationError.failed("the validator at \(validator) serves an unreadable genesis: \(error)")
        }
        guard g.chainID.bytes == s.chainID else {
            throw WalletOperationError.failed("the validator at \(validator) serves a genesis whose hash is not the "
                + "chain id its status names")
        }
        try home.pin(chain: g.chainID, for: validator)
        try home.save(genesis: g)
        genesis = g
        status = s
        return s
    }

    /// How the pinned ledger writes amounts (its genesis decimals; the standard format
    /// before `connect`).
    public var amounts: AmountFormat { genesis.map(AmountFormat.init(genesis:)) ?? .standard }

    /// The pinned genesis (after `connect`).
    func ledger() throws(WalletOperationError) -> Genesis {
        guard let genesis else { throw .failed("not connected to a validator yet") }
        return genesis
    }

    /// The auditor keys a transfer or burn built now must disclose to: those of the authority
    /// governing the ledger's next sequence (docs/PROTOCOL.md §7.12), from the validator's
    /// statements checked from the pinned genesis. A statement settling between this read
    /// and the settlement makes the validator answer `authority_changed`; building again
    /// reads the new auditors. The session's receipt checker reads them and keeps the chain,
    /// so the receipt of a transfer built from it usually needs no second read.
    func auditorsInOffice() throws(WalletOperationError) -> [AuditorKey] {
        let checker = try receiptChecker()
        do { return try checker.auditorsInOffice() } catch { throw map(error) }
    }

    /// The checker of receipts against the validators in office at their batch (§7.12), from
    /// the pinned genesis: one per session, so the chain of statements is read once unless a
    /// receipt is past what it covers.
    func receiptChecker() throws(WalletOperationError) -> ReceiptChecker {
        if let checker, checker.genesis == genesis { return checker }
        let made = ReceiptChecker(client: client, genesis: try ledger())
        checker = made
        return made
    }

    /// Why `receipt` is not certified by the validators in office at its batch (nil if it is).
    func certificateError(_ receipt: Receipt) throws(WalletOperationError) -> CertificateError? {
        let checker = try receiptChecker()
        do { return try checker.certificateError(receipt) } catch { throw map(error) }
    }

    /// `receipt`'s certificate checked once, for a settlement that records the receipt
    /// whatever the verdict and then reports it: success, `badReceipt` when the validators
    /// in office did not certify it, or why the chain of statements could not be read.
    func checkCertificate(_ receipt: Receipt) -> Result<Void, WalletOperationError> {
        do {
            if let error = try certificateError(receipt) {
                return .failure(.badReceipt("it is not certified by the pinned ledger's validators: \(error)"))
            }
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// Whether `receipt` is certified by the validators in office at its batch (false when
    /// that cannot be read).
    func certified(_ receipt: Receipt) -> Bool {
        do { return try certificateError(receipt) == nil } catch { return false }
    }

    func now() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

    // MARK: sync

    /// Settles earlier in-flight transfers by asking the validator for each by id.
    public func resolveReservations() throws -> [ReservationOutcome] {
        let pending = try store.load().reservations
        var outcomes: [ReservationOutcome] = []
        for r in pending {
            guard let id = ProtocolHex.decode(r.transferID), id.count == 32 else { continue }
            let found: TransferLookupBody?
            do { found = try client.transfer(id: TransferID(uncheckedBytes: id)) } catch { throw map(error) }
            let redeemed: RedemptionLookupBody?
            if found == nil {
                do { redeemed = try client.redemption(id: RedemptionID(uncheckedBytes: id)) } catch { throw map(error) }
            } else {
                redeemed = nil
            }
            if let redeemed {
                guard certified(redeemed.receipt), redeemed.receipt.id == id else {
                    throw WalletOperationError.badReceipt("the receipt of redemption \(r.transferID) is not certified by "
                        + "the pinned ledger's validators; its notes stay reserved")
                }
                try store.update { s in
                    s.reservations.removeAll { $0.transferID == r.transferID }
                    s.record(redeemedEntry(r, redemption: redeemed.redemption, receipt: redeemed.receipt))
                    s.markVerified(redeemed.redemption.createdNotes.filter { $0.owner == keys.spend.publicKey })
                }
                outcomes.append(.finalized(transferID: r.transferID, sequence: redeemed.receipt.sequence))
            } else if let found {
                guard certified(found.receipt), found.receipt.id == id else {
                    throw WalletOperationError.badReceipt("the receipt of transfer \(r.transferID) is not certified by "
                        + "the pinned ledger's validators; its notes stay reserved")
                }
                try store.update { s in
                    s.reservations.removeAll { $0.transferID == r.transferID }
                    s.record(sentEntry(r, transfer: found.transfer, receipt: found.receipt))
                    if found.transfer.id.hex == r.transferID { s.markVerified(ownNotes(of: found.transfer)) }
                }
                outcomes.append(.finalized(transferID: r.transferID, sequence: found.receipt.sequence))
            } else if now() >= r.createdMs + Reservation.settleSeconds * 1000 {
                try store.update { s in s.reservations.removeAll { $0.transferID == r.transferID } }
                outcomes.append(.released(transferID: r.transferID))
            } else {
                outcomes.append(.pending(transferID: r.transferID))
            }
        }
        return outcomes
    }

    /// The outputs of `transfer` this wallet owns (change, payments to itself).
    func ownNotes(of transfer: Transfer) -> [Note] {
        transfer.createdNotes.filter { $0.owner == keys.spend.publicKey }
    }

    func sentEntry(_ r: Reservation, transfer: Transfer, receipt: Receipt) -> HistoryEntry {
        HistoryEntry(kind: "sent", id: r.transferID, sequence: receipt.sequence, timeMs: receipt.time, amount: r.amount,
                     fee: r.fee, counterparty: r.recipient, memo: r.memo, notes: transfer.outputIDs.map(\.hex),
                     inputs: r.noteIDs, receipt: ProtocolHex.encode(receipt.bytes))
    }

    /// Opens `note` with this wallet's keys; nil if it is not this wallet's or does not open.
    func open(_ note: Note) -> OpenedNote? {
        guard let contents = try? keys.open(note.output) else { return nil }
        return OpenedNote(note: note, contents: contents)
    }

    /// Fetches this wallet's unspent notes (`GET /v1/notes`), opens their memos with the
    /// view key and updates the note cache.
    ///
    /// Only verified notes count (`NoteVerifier`: the settled transfer or mint, its receipt
    /// under the pinned key, the note's id and bytes); each is verified once and its digest
    /// kept in the state. Payments found for the first time are read from the event stream
    /// after the shared cursor (`catchUp`), so that they are verified, recorded and reported
    /// with sender and sequence exactly as `watch` reports them, and the cursor moves past
    /// them. A note no event after the cursor names is looked for in the whole event history
    /// (`findParents`) and, verified, recorded (`SyncResult.newlyReceived`); one that fails
    /// or whose parent stays unknown is left out (`SyncResult.rejected`).
    public func sync(catchUpSeconds: Double = 10) throws -> SyncResult {
        let body: NotesBody
        do { body = try client.notes(owner: keys.address) } catch { throw map(error) }
        var opened: [OpenedNote] = []
        var unreadable: [NoteID] = []
        for note in body.notes where note.owner == keys.spend.publicKey {
            if let o = open(note) { opened.append(o) } else { unreadable.append(note.id) }
        }
        // Only notes verified against a settled transfer or mint and its receipt count.
        // Payments whose parent history does not name are read from the event stream after
        // the shared cursor first (processed as `watch` does, which verifies them).
        var state = try store.load()
        var pending = opened.filter { !state.isVerified($0.note) }
        let fresh = pending.filter { Self.parent(of: $0.note.id, in: state) == nil }
        var events: [WalletEvent] = []
        var rejected: [NoteRejection] = []
        if !fresh.isEmpty {
            events = try catchUp(notes: Set(fresh.map(\.note.id.hex)), seconds: catchUpSeconds)
            rejected = events.flatMap(\.rejections)
            let refusedInEvents = Set(rejected.map(\.note))
            state = try store.load()
            pending = pending.filter { !state.isVerified($0.note) && !refusedInEvents.contains($0.note.id) }
        }
        var parents: [NoteID: NoteParent] = [:]
        for o in pending { parents[o.note.id] = Self.parent(of: o.note.id, in: state) }
        let orphans = Set(pending.map(\.note.id).filter { parents[$0] == nil })
        if !orphans.isEmpty {
            parents.merge(findParents(of: orphans, seconds: catchUpSeconds)) { old, _ in old }
        }
        var verified: [(note: OpenedNote, origin: NoteOrigin)] = []
        let verifier = NoteVerifier(client: client, receipts: try receiptChecker())
        var byParent: [NoteParent: [OpenedNote]] = [:]
        for o in pending {
            if let parent = parents[o.note.id] { byParent[parent, default: []].append(o) }
        }
        for (parent, group) in byParent {
            let results: [Result<NoteOrigin, NoteRejection>]
            do { results = try verifier.verify(group.map(\.note), from: parent) } catch { throw map(error) }
            for (o, r) in zip(group, results) {
                switch r {
                case let .success(origin): verified.append((o, origin))
                case let .failure(why): rejected.append(why)
                }
            }
        }
        for o in pending where parents[o.note.id] == nil { rejected.append(.unknownOrigin(note: o.note.id)) }
        let refused = Set(rejected.map(\.note))
        let owned = opened.filter { !refused.contains($0.note.id) }
        let (reserved, recorded) = try store.update { s -> (Set<String>, [OpenedNote]) in
            s.markVerified(verified.map(\.note.note))
            // Payments no event after the cursor announced: recorded from their settled object.
            let known = Set(s.history.flatMap(\.notes))
            var recorded: [OpenedNote] = []
            for (o, origin) in verified where !known.contains(o.note.id.hex) && o.contents.amount > 0 {
                let minted = if case .mint = origin.parent { true } else { false }
                s.record(HistoryEntry(kind: minted ? "minted" : "received", id: ProtocolHex.encode(origin.parent.bytes),
                                      sequence: origin.sequence, timeMs: origin.time, amount: o.contents.amount, fee: nil,
                                      counterparty: minted ? "the issuer" : describe(spendKey: origin.sender),
                                      memo: o.memoText, notes: [o.note.id.hex]))
                recorded.append(o)
            }
            s.notes = owned.map { ProtocolHex.encode($0.note.bytes) }
            s.unreadable = unreadable.map(\.hex)
            s.syncedSequence = body.sequence
            return (s.reservedNoteIDs, recorded)
        }
        let reservedIDs = Set(owned.map(\.note.id).filter { reserved.contains($0.hex) })
        var result = SyncResult(sequence: body.sequence, owned: owned, unreadable: unreadable, reserved: reservedIDs,
                                newlyReceived: recorded, events: events)
        result.rejected = rejected
        return result
    }

    /// The transfer or mint that history says created note `id` (an own send's outputs, a
    /// payment recorded from its event); nil when no entry with an id names the note.
    static func parent(of id: NoteID, in state: WalletState) -> NoteParent? {
        for entry in state.history where !entry.id.isEmpty && entry.notes.contains(id.hex) {
            if let p = NoteParent(historyKind: entry.kind, id: entry.id) { return p }
        }
        return nil
    }

    /// Reads the address's whole event history (without processing it) for the transfers or
    /// mints that created `notes`, until each is found or `seconds` pass. Only for notes
    /// nothing else names (an event after the cursor was lost or refused earlier).
    func findParents(of notes: Set<NoteID>, seconds: Double) -> [NoteID: NoteParent] {
        var found: [NoteID: NoteParent] = [:]
        let deadline = Date(timeIntervalSinceNow: seconds)
        // The replay of the history comes without pauses; an idle stream has finished it.
        let streamClient = ValidatorClient(url: url, timeout: min(seconds, 2))
        defer { streamClient.close() }
        guard let stream = try? streamClient.events(address: keys.address, after: 0) else { return found }
        stream.setDeadline(deadline)
        while found.count < notes.count, deadline.timeIntervalSinceNow > 0, let event = try? stream.next() {
            for n in event.notes + event.outputs where notes.contains(n.id) && found[n.id] == nil {
                found[n.id] = NoteParent(event: event)
            }
        }
        return found
    }

    /// Reads the event stream after the shared cursor, processing each event as `watch`
    /// does, until every note of `notes` has been seen in an event or `seconds` pass.
    /// - Returns: the events people should see, in order.
    func catchUp(notes: Set<String>, seconds: Double) throws -> [WalletEvent] {
        guard !notes.isEmpty else { return [] }
        var waiting = notes
        return try readEvents(seconds: seconds) { event in
            for n in event.notes { waiting.remove(n.id.hex) }
            return waiting.isEmpty
        }
    }

    /// Reads this address's events after the shared cursor through ledger sequence
    /// `sequence`, processed as `watch` does (so history holds them): a statement needs every
    /// event, including those that bring no note (the burns an issuer pays out). Stops at
    /// the first event at or past `sequence`, or when the stream stays idle until the
    /// deadline.
    public func catchUpEvents(through sequence: UInt64, seconds: Double = 10) throws -> [WalletEvent] {
        guard try store.load().cursor < sequence else { return [] }
        return try readEvents(seconds: seconds) { $0.sequence >= sequence }
    }

    /// Processes the events after the shared cursor (the log replays them at once) until
    /// `done` says so, the deadline passes or the stream goes idle; returns those to show.
    private func readEvents(seconds: Double, done: (EventBody) -> Bool) throws -> [WalletEvent] {
        var shown: [WalletEvent] = []
        let streamClient = ValidatorClient(url: url, timeout: min(seconds, 3))
        defer { streamClient.close() }
        do {
            let stream = try streamClient.events(address: keys.address, after: try store.load().cursor)
            stream.setDeadline(Date(timeIntervalSinceNow: seconds))
            while let event = try stream.next() {
                if let e = try process(event) { shown.append(e) }
                if done(event) { break }
            }
        } catch _ as ValidatorClientError {
            // The stream failed, idled or timed out: what was read is recorded; the caller
            // reports what is still missing.
        }
        return shown
    }

    // MARK: send

    /// Builds a signed transfer paying `amount` to `recipient` from the spendable notes.
    /// - Throws: `insufficientFunds` naming the spendable balance; `failed` for a
    ///   request the builder refuses (too many notes, memo too long).
    public func build(to recipient: Address, amount: UInt64, fee: UInt64, memo: [UInt8],
                      sync: SyncResult) throws -> BuiltTransfer {
        let (needed, overflow) = amount.addingReportingOverflow(fee)
        guard !overflow else { throw WalletOperationError.failed("the amount plus the fee exceeds the largest amount") }
        guard sync.spendableTotal >= needed else {
            throw WalletOperationError.insufficientFunds(spendable: sync.spendableTotal, needed: needed,
                                                         reserved: sync.reservedTotal, format: amounts)
        }
        let available = sync.spendable.map { OwnedNote(note: $0.note, contents: $0.contents) }
        let genesis = try ledger()
        let auditors = try auditorsInOffice()
        do {
            return try TransferBuilder.build(chain: genesis.chainID, auditors: auditors, from: keys, spending: available,
                                             payments: [Payment(to: recipient, amount: amount, text: memo)],
                                             fee: fee, changeText: Array("change".utf8), backend: backend)
        } catch {
            if case let .insufficientFunds(available, needed) = error {
                throw WalletOperationError.insufficientFunds(spendable: available, needed: needed, reserved: sync.reservedTotal,
                                                             format: amounts)
            }
            throw WalletOperationError.failed("cannot build the transfer: \(error)")
        }
    }

    /// Reserves the notes of `built`, submits it and books the result.
    ///
    /// The reservation is on disk before the request leaves. A definite answer (receipt
    /// or refusal, or no connection at all) settles it at once; a lost reply is resolved
    /// by looking the transfer up by id and, if the validator does not have it, resubmitting
    /// the same bytes once (the ledger settles a transfer at most once). If that too stays
    /// unanswered, the notes stay reserved (`unconfirmed`) until a later command knows.
    public func submit(_ built: BuiltTransfer, recipient: Address, amount: UInt64, memo: String) throws -> Settlement {
        let transfer = built.transfer
        let id = transfer.id.hex
        let reservation = Reservation(transferID: id, noteIDs: built.spent.map(\.input.id.hex), createdMs: now(),
                                      amount: amount, fee: transfer.fee, recipient: recipient.encoded, memo: memo)
        // Checked and reserved in one locked update. A concurrent send of this wallet either
        // still holds its reservation or has recorded the notes as spent in the same update
        // that dropped it, so a note chosen from an older note list is always caught here.
        try store.update { s in
            guard s.reservedNoteIDs.union(s.spentNoteIDs).isDisjoint(with: reservation.noteIDs) else {
                throw WalletOperationError.notesTaken
            }
            s.reservations.append(reservation)
        }
        let started = DispatchTime.now().uptimeNanoseconds
        let body: FinalizedBody
        var recovery: String?
        do {
            body = try client.submit(transfer)
        } catch {
            switch error {
            case let .rejected(refusal) where Self.outcomeUnknown(refusal):
                guard let recovered = try recoverLostReply(transfer) else {
                    throw WalletOperationError.unconfirmed(transferID: id)
                }
                (body, recovery) = recovered
            case .unreachable, .rejected:
                try release(id)
                throw map(error, what: "transfer")
            case .invalidURL:
                try release(id)
                throw map(error)
            case .transport, .malformedResponse:
                guard let recovered = try recoverLostReply(transfer) else {
                    throw WalletOperationError.unconfirmed(transferID: id)
                }
                (body, recovery) = recovered
            }
        }
        let latency = (DispatchTime.now().uptimeNanoseconds - started) / 1_000_000
        let receipt = body.receipt
        let matches = receipt.kind == .transfer && receipt.id == transfer.id.bytes
        let check = matches ? checkCertificate(receipt) : .failure(.badReceipt("it is for another object than transfer \(id)"))
        let receiptValid = (try? check.get()) != nil
        try store.update { s in
            s.reservations.removeAll { $0.transferID == id }
            s.record(sentEntry(reservation, transfer: transfer, receipt: receipt))
            // This wallet built the outputs and the ledger's receipt settles them: its change
            // counts without a lookup.
            if receiptValid { s.markVerified(ownNotes(of: transfer)) }
            let spent = Set(reservation.noteIDs)
            s.notes.removeAll { hex in
                ProtocolHex.decode(hex).flatMap { try? Note(bytes: $0) }.map { spent.contains($0.id.hex) } ?? false
            }
        }
        try check.get()
        return Settlement(id: id, receipt: receipt, isNew: body.isNew, latencyMs: latency, change: built.change,
                          fee: transfer.fee, recovery: recovery)
    }

    /// Whether a refusal leaves the outcome open: a 5xx other than the ones the API
    /// defines as "nothing settled" (queue_full, shutting_down, storage_full, and in a
    /// cluster not_replicated, no_leader, replica_halted) may come
    /// from a failure after the ledger applied the transfer, or from a proxy.
    static func outcomeUnknown(_ refusal: APIErrorBody) -> Bool {
        refusal.status >= 500
            && !["queue_full", "shutting_down", "storage_full", "not_replicated", "no_leader", "replica_halted"].contains(refusal.code)
    }

    func release(_ transferID: String) throws {
        try store.update { s in s.reservations.removeAll { $0.transferID == transferID } }
    }

    /// After a lost reply: the transfer by id, else a resubmission of the same bytes over
    /// a new connection (the ledger settles a transfer at most once). Returns nil when the
    /// outcome stays unknown (the caller keeps the notes reserved).
    func recoverLostReply(_ transfer: Transfer) throws -> (FinalizedBody, String)? {
        for attempt in 0..<3 {
            client.close()
            if attempt > 0 { Thread.sleep(forTimeInterval: 0.5 * Double(attempt)) }
            let found: TransferLookupBody?
            do { found = try client.transfer(id: transfer.id) } catch { continue }
            if let found {
                return (FinalizedBody(isNew: true, receipt: found.receipt), "the reply was lost; the ledger has the transfer (looked up by id)")
            }
            do { return (try client.submit(transfer), "the request was lost; the ledger did not have it, so it was submitted again") } catch {
                guard case let .rejected(refusal) = error, !Self.outcomeUnknown(refusal) else { continue }
                if refusal.code == "double_spend", let mine = try? client.transfer(id: transfer.id) {
                    // Our own first submission settled in the meantime.
                    return (FinalizedBody(isNew: false, receipt: mine.receipt), "the reply was lost; the ledger has the transfer (looked up by id)")
                }
                // A definite refusal of these exact bytes: the ledger does not hold the transfer.
                try release(transfer.id.hex)
                throw map(error, what: "transfer")
            }
        }
        return nil
    }

    // MARK: redeem

    /// Builds a signed redemption paying `amount` out to the bank reference `reference` from
    /// the spendable notes (docs/PROTOCOL.md §7.11).
    /// - Throws: `insufficientFunds` naming the spendable balance; `failed` for a request the
    ///   builder refuses (a bad reference, too many notes).
    public func buildRedemption(amount: UInt64, reference: String, fee: UInt64, sync: SyncResult) throws -> BuiltRedemption {
        let (needed, overflow) = amount.addingReportingOverflow(fee)
        guard !overflow else { throw WalletOperationError.failed("the amount plus the fee exceeds the largest amount") }
        guard sync.spendableTotal >= needed else {
            throw WalletOperationError.insufficientFunds(spendable: sync.spendableTotal, needed: needed,
                                                         reserved: sync.reservedTotal, format: amounts)
        }
        let available = sync.spendable.map { OwnedNote(note: $0.note, contents: $0.contents) }
        do {
            let genesis = try ledger()
            let auditors = try auditorsInOffice()
            return try RedemptionBuilder.build(chain: genesis.chainID, auditors: auditors, from: keys,
                                               spending: available, amount: amount, fee: fee, reference: reference,
                                               backend: backend)
        } catch let error as ProtocolError {
            if case let .insufficientFunds(available, needed) = error {
                throw WalletOperationError.insufficientFunds(spendable: available, needed: needed, reserved: sync.reservedTotal,
                                                             format: amounts)
            }
            throw WalletOperationError.failed("cannot build the redemption: \(error)")
        }
    }

    func redeemedEntry(_ r: Reservation, redemption: Redemption, receipt: Receipt) -> HistoryEntry {
        HistoryEntry(kind: "redeemed", id: r.transferID, sequence: receipt.sequence, timeMs: receipt.time,
                     amount: redemption.amount, fee: redemption.transfer.fee, counterparty: "bank",
                     memo: redemption.reference, notes: redemption.createdNotes.map(\.id.hex), inputs: r.noteIDs,
                     receipt: ProtocolHex.encode(receipt.bytes))
    }

    /// Reserves the notes of `built`, submits it (`POST /v1/redemptions`) and books the
    /// result, as `submit(_:recipient:amount:memo:)` does for a transfer: a lost reply is
    /// resolved by looking the redemption up by id and, if the ledger does not have it,
    /// resubmitting the same bytes (the ledger settles it at most once).
    public func submit(_ built: BuiltRedemption) throws -> Settlement {
        let redemption = built.redemption
        let id = redemption.id.hex
        let reservation = Reservation(transferID: id, noteIDs: built.spent.map(\.input.id.hex), createdMs: now(),
                                      amount: redemption.amount, fee: redemption.transfer.fee, recipient: "",
                                      memo: redemption.reference)
        try store.update { s in
            guard s.reservedNoteIDs.union(s.spentNoteIDs).isDisjoint(with: reservation.noteIDs) else {
                throw WalletOperationError.notesTaken
            }
            s.reservations.append(reservation)
        }
        let started = DispatchTime.now().uptimeNanoseconds
        var body: FinalizedBody?
        var recovery: String?
        do {
            body = try client.submit(redemption: redemption)
        } catch {
            switch error {
            case let .rejected(refusal) where !Self.outcomeUnknown(refusal):
                try release(id)
                throw map(error, what: "redemption")
            case .unreachable, .invalidURL:
                try release(id)
                throw map(error, what: "redemption")
            case .rejected, .transport, .malformedResponse:
                for attempt in 0..<3 where body == nil {
                    client.close()
                    if attempt > 0 { Thread.sleep(forTimeInterval: 0.5 * Double(attempt)) }
                    if let found = try? client.redemption(id: redemption.id) {
                        body = FinalizedBody(isNew: true, receipt: found.receipt)
                        recovery = "the reply was lost; the ledger has the redemption (looked up by id)"
                    } else if let again = try? client.submit(redemption: redemption) {
                        body = again
                        recovery = "the request was lost; the ledger did not have it, so it was submitted again"
                    }
                }
            }
        }
        guard let body else { throw WalletOperationError.unconfirmed(transferID: id) }
        let latency = (DispatchTime.now().uptimeNanoseconds - started) / 1_000_000
        let receipt = body.receipt
        guard receipt.kind == .redemption, receipt.id == redemption.id.bytes else {
            throw WalletOperationError.badReceipt("it is for another object than redemption \(id)")
        }
        let check = checkCertificate(receipt)
        let receiptValid = (try? check.get()) != nil
        try store.update { s in
            s.reservations.removeAll { $0.transferID == id }
            s.record(redeemedEntry(reservation, redemption: redemption, receipt: receipt))
            if receiptValid { s.markVerified(redemption.createdNotes.filter { $0.owner == keys.spend.publicKey }) }
            let spent = Set(reservation.noteIDs)
            s.notes.removeAll { hex in
                ProtocolHex.decode(hex).flatMap { try? Note(bytes: $0) }.map { spent.contains($0.id.hex) } ?? false
            }
        }
        try check.get()
        return Settlement(id: id, receipt: receipt, isNew: body.isNew, latencyMs: latency, change: built.change,
                          fee: redemption.transfer.fee, recovery: recovery)
    }

    // MARK: mint

    /// Mints `amount` to `recipient`; this wallet must be the ledger's issuer.
    public func mint(to recipient: Address, amount: UInt64, memo: [UInt8]) throws -> Settlement {
        let s = try status ?? connect()
        guard let issuer = try? Address(parsing: s.issuer), issuer == keys.address else {
            throw WalletOperationError.notIssuer(ledgerIssuer: s.issuer)
        }
        let serial = try store.update { st -> UInt64 in
            st.lastMintSerial = max(st.lastMintSerial + 1, now())
            return st.lastMintSerial
        }
        let mint: Mint
        do {
            mint = try Mint.create(chain: try ledger().chainID, serial: serial, payments: [Payment(to: recipient, amount: amount, text: memo)],
                                   issuer: keys.spend)
        } catch { throw WalletOperationError.failed("cannot create the mint: \(error)") }
        let started = DispatchTime.now().uptimeNanoseconds
        let body: FinalizedBody
        do { body = try client.submit(mint: mint) } catch { throw map(error, what: "mint") }
        let latency = (DispatchTime.now().uptimeNanoseconds - started) / 1_000_000
        guard body.receipt.kind == .mint, body.receipt.id == mint.id.bytes, certified(body.receipt) else {
            throw WalletOperationError.badReceipt("it does not match mint \(mint.id.hex) or is not certified by the "
                + "pinned ledger's validators")
        }
        try store.update { st in
            st.record(HistoryEntry(kind: "issued", id: mint.id.hex, sequence: body.sequence, timeMs: body.receipt.time,
                                   amount: amount, fee: nil, counterparty: recipient.encoded,
                                   memo: String(decoding: memo, as: UTF8.self), notes: mint.createdNotes.map(\.id.hex),
                                   receipt: ProtocolHex.encode(body.receipt.bytes)))
            st.markVerified(mint.createdNotes.filter { $0.owner == keys.spend.publicKey })
        }
        return Settlement(id: mint.id.hex, receipt: body.receipt, isNew: body.isNew, latencyMs: latency, change: 0, fee: 0)
    }

    // MARK: watch

    /// Who a spend key is, for people: a contact or local wallet name, else a key prefix.
    public func describe(spendKey: [UInt8]) -> String {
        if spendKey.isEmpty { return "the issuer" }
        if spendKey == keys.spend.publicKey.encoding { return "yourself" }
        if let n = home.name(forSpendKey: spendKey) { return n }
        return "key " + ProtocolHex.encode(spendKey.prefix(8)) + "…"
    }

    /// Turns one event into a `WalletEvent`, records it in history and advances the
    /// watch cursor (one state write). Returns nil for events that say nothing new to
    /// people (the change of this wallet's own transfer).
    public func process(_ event: EventBody) throws -> WalletEvent? {
        let id = ProtocolHex.encode(event.id)
        let state = try store.load()
        var result: WalletEvent?
        var entry: HistoryEntry?
        var verifiedNow: [Note] = []
        switch event.kind {
        case .received, .minted:
            let opened = event.notes.compactMap(open)
            let unreadable = event.notes.count - opened.count
            let ownTransfer = state.history.contains { ($0.kind == "sent" || $0.kind == "redeemed") && $0.id == id }
            if ownTransfer || (event.sender == keys.spend.publicKey.encoding
                && SyncResult.sum(opened.map(\.contents.amount)) == 0) {
                result = nil
            } else {
                // Credited only once checked against the settled object and its receipt; the
                // sender, sequence and time shown are the verified object's, not the event's.
                let parent = NoteParent(event: event)
                var good = opened.filter { state.isVerified($0.note) }
                let unchecked = opened.filter { !state.isVerified($0.note) }
                var origin: NoteOrigin?
                var rejections: [NoteRejection] = []
                if !unchecked.isEmpty {
                    let results = try NoteVerifier(client: client, receipts: try receiptChecker())
                        .verify(unchecked.map(\.note), from: parent)
                    for (o, r) in zip(unchecked, results) {
                        switch r {
                        case let .success(o2):
                            good.append(o)
                            origin = o2
                        case let .failure(why): rejections.append(why)
                        }
                    }
                }
                verifiedNow = good.map(\.note)
                let amount = SyncResult.sum(good.map(\.contents.amount))
                let memo = good.map(\.memoText).first { !$0.isEmpty } ?? ""
                let sender = origin?.sender ?? event.sender
                let who = event.kind == .minted ? "the issuer" : describe(spendKey: sender)
                let sequence = origin?.sequence ?? event.sequence
                let time = origin?.time ?? event.time
                var shown = WalletEvent(sequence: sequence, kind: event.kind.rawValue, id: id, amount: amount,
                                        fee: origin?.fee ?? event.fee, counterparty: who, memo: memo, time: time,
                                        unreadable: unreadable)
                shown.rejections = rejections
                shown.credited = !good.isEmpty || rejections.isEmpty
                result = shown
                if !good.isEmpty {
                    entry = HistoryEntry(kind: event.kind.rawValue, id: id, sequence: sequence, timeMs: time,
                                         amount: amount, fee: nil, counterparty: who, memo: memo,
                                         notes: good.map(\.note.id.hex))
                }
            }
        case .burned:
            // The issuer's stream: an amount to pay out against the bank reference.
            let burn = event.burn ?? (0, "")
            let who = describe(spendKey: event.sender)
            result = WalletEvent(sequence: event.sequence, kind: "burned", id: id, amount: burn.amount, fee: event.fee,
                                 counterparty: who, memo: burn.reference, time: event.time, unreadable: 0)
            entry = HistoryEntry(kind: "burned", id: id, sequence: event.sequence, timeMs: event.time, amount: burn.amount,
                                 fee: event.fee, counterparty: ProtocolHex.encode(event.sender), memo: burn.reference, notes: [])
        case .sent where event.burn != nil:
            let burn = event.burn ?? (0, "")
            let known = state.history.contains { $0.kind == "redeemed" && $0.id == id }
            if !known, let why = try confirmRedeemed(event) {
                var shown = WalletEvent(sequence: event.sequence, kind: "redeemed", id: id, amount: nil, fee: event.fee,
                                        counterparty: "", memo: "", time: event.time, unreadable: 0)
                shown.credited = false
                shown.unverifiedReason = why
                try store.update { s in s.cursor = max(s.cursor, event.sequence) }
                return shown
            }
            result = WalletEvent(sequence: event.sequence, kind: "redeemed", id: id, amount: burn.amount, fee: event.fee,
                                 counterparty: "bank", memo: burn.reference, time: event.time, unreadable: 0)
            if !known {
                entry = HistoryEntry(kind: "redeemed", id: id, sequence: event.sequence, timeMs: event.time,
                                     amount: burn.amount, fee: event.fee, counterparty: "bank", memo: burn.reference,
                                     notes: event.outputs.map(\.id.hex), inputs: event.spent.map(\.hex))
            }
        case .sent:
            let known = state.history.first { $0.kind == "sent" && $0.id == id }
            // A send this wallet did not make itself is shown only once the transfer and its
            // certified receipt confirm it: sent by this wallet's key, settled at that sequence.
            if known == nil, let why = try confirmSent(event) {
                var shown = WalletEvent(sequence: event.sequence, kind: "sent", id: id, amount: nil, fee: event.fee,
                                        counterparty: "", memo: "", time: event.time, unreadable: 0)
                shown.credited = false
                shown.unverifiedReason = why
                try store.update { s in s.cursor = max(s.cursor, event.sequence) }
                return shown
            }
            var amount = known?.amount
            var who = known.flatMap { k in (try? Address(parsing: k.counterparty)).flatMap { home.name(for: $0) } ?? k.counterparty }
            var memo = known?.memo ?? ""
            if amount == nil {
                // Sent from elsewhere (same seed): inputs known from the note cache minus change and fee.
                let cached = state.notes.compactMap { ProtocolHex.decode($0).flatMap { try? Note(bytes: $0) } }
                let inputs = cached.filter { event.spent.contains($0.id) }.compactMap(open)
                let change = SyncResult.sum(event.outputs.compactMap(open).map(\.contents.amount))
                if inputs.count == event.spent.count {
                    let total = SyncResult.sum(inputs.map(\.contents.amount))
                    if total >= change + event.fee { amount = total - change - event.fee }
                }
                who = who ?? "another wallet"
                memo = ""
            }
            result = WalletEvent(sequence: event.sequence, kind: "sent", id: id, amount: amount, fee: event.fee,
                                 counterparty: who ?? "", memo: memo, time: event.time, unreadable: 0,
                                 counterpartyAddress: known.map(\.counterparty).flatMap { $0.isEmpty ? nil : $0 })
            entry = HistoryEntry(kind: "sent", id: id, sequence: event.sequence, timeMs: event.time, amount: amount ?? 0,
                                 fee: event.fee, counterparty: known?.counterparty ?? "", memo: memo,
                                 notes: event.outputs.map(\.id.hex), inputs: event.spent.map(\.hex))
        }
        try store.update { s in
            if let entry { s.record(entry) }
            if !verifiedNow.isEmpty { s.markVerified(verifiedNow) }
            s.cursor = max(s.cursor, event.sequence)
        }
        return result
    }

    /// Why the `sent` event cannot be confirmed (nil when it is): the transfer it names must be
    /// settled with a receipt certified by the pinned ledger, at the event's sequence, and be
    /// signed by this wallet's spend key.
    func confirmSent(_ event: EventBody) throws -> String? {
        switch try lookUp("transfer", { () throws(ValidatorClientError) in try client.transfer(id: TransferID(uncheckedBytes: event.id)) }) {
        case let .refused(reason): reason
        case let .found(found):
            try confirmSettled(event, what: "transfer", id: found.transfer.id.bytes, kind: .transfer,
                               receipt: found.receipt, signer: found.transfer.sender, signedBy: "sent")
        }
    }

    /// Why a redemption's `sent` event cannot be confirmed (nil when it is): the redemption
    /// must be settled with a certified receipt at the event's sequence and be this wallet's.
    func confirmRedeemed(_ event: EventBody) throws -> String? {
        switch try lookUp("redemption", { () throws(ValidatorClientError) in
            try client.redemption(id: RedemptionID(uncheckedBytes: event.id))
        }) {
        case let .refused(reason): reason
        case let .found(found):
            try confirmSettled(event, what: "redemption", id: found.redemption.id.bytes, kind: .redemption,
                               receipt: found.receipt, signer: found.redemption.holder, signedBy: "made")
        }
    }

    /// What a lookup of an event's object gave: the object, or why the event cannot be
    /// confirmed.
    private enum Lookup<T> {
        case found(T)
        case refused(String)
    }

    /// Looks up the `what` an event names: a malformed answer or an unsettled object refuses
    /// the event; a validator that cannot be asked throws.
    private func lookUp<T>(_ what: String, _ fetch: () throws(ValidatorClientError) -> T?) throws -> Lookup<T> {
        let found: T?
        do { found = try fetch() } catch {
            if case .malformedResponse = error { return .refused("the validator's answer for it cannot be checked") }
            throw map(error)
        }
        guard let found else { return .refused("the ledger has not settled that \(what)") }
        return .found(found)
    }

    /// The checks an object served for this wallet's own event must pass: it is the object
    /// the event names, its receipt is for it and certified by the pinned ledger, this
    /// wallet's spend key signed it, and it settled at the event's sequence.
    private func confirmSettled(_ event: EventBody, what: String, id: [UInt8], kind: Receipt.Kind, receipt: Receipt,
                                signer: RistrettoPoint, signedBy verb: String) throws -> String? {
        guard id == event.id, receipt.kind == kind, receipt.id == event.id else {
            return "the \(what) served for it is another one"
        }
        if let error = try certificateError(receipt) {
            return "its receipt is not certified by the pinned ledger's validators (\(error))"
        }
        guard signer == keys.spend.publicKey else { return "it was not \(verb) by this wallet's key" }
        guard receipt.sequence == event.sequence else { return "it settled at another sequence than the event says" }
        return nil
    }

    /// Streams events after the stored cursor, calling `handle` for each one people
    /// should see, until `handle` returns false or the deadline passes. When the stream
    /// ends or drops (a validator restart, an idle connection), it reopens from the cursor:
    /// no gap, no duplicate; `notice` hears about it. Gives up with `validatorDown` when
    /// the first connection fails, or after 10 failed reconnections in a row.
    public func watch(deadline: Date?, notice: (String) -> Void = { _ in },
                      handle: (WalletEvent) throws -> Bool) throws {
        var failures = 0
        var connected = false
        while true {
            let remaining = deadline.map { $0.timeIntervalSinceNow }
            if let remaining, remaining <= 0 { return }
            if failures > 0 {
                if failures > 10 { throw WalletOperationError.validatorDown(url: validator) }
                Thread.sleep(forTimeInterval: min(0.25 * Double(failures), 2, remaining ?? 2))
                if let deadline, deadline.timeIntervalSinceNow <= 0 { return }
            }
            // Heartbeats come every 15 s, so a read timeout of 40 s means a dead connection.
            // The deadline is the stream's own: heartbeats restart the idle timeout, never it.
            let timeout = max(min(deadline.map { $0.timeIntervalSinceNow } ?? 40, 40), 0.05)
            let streamClient = ValidatorClient(url: url, timeout: timeout)
            defer { streamClient.close() }
            let cursor = try store.load().cursor
            let stream: ValidatorEventStream
            do { stream = try streamClient.events(address: keys.address, after: cursor) } catch {
                if !connected {
                    if case let .unreachable(_, reason) = error {
                        throw WalletOperationError.validatorDown(url: validator, reason: reason)
                    }
                    throw map(error)
                }
                failures += 1
                continue
            }
            if connected, failures > 0 { notice("reconnected to \(validator); resuming after sequence \(cursor)") }
            connected = true
            failures = 0
            stream.setDeadline(deadline)
            do {
                while let event = try stream.next() {
                    if let shown = try process(event), try !handle(shown) { return }
                    if let deadline, deadline.timeIntervalSinceNow <= 0 { return }
                }
                notice("the validator ended the event stream; reconnecting")
                failures += 1
            } catch _ as ValidatorClientError {
                if let deadline, deadline.timeIntervalSinceNow <= 0 { return }
                if deadline == nil { notice("the connection to \(validator) dropped; reconnecting") }
                failures += 1
            }
        }
    }
}
