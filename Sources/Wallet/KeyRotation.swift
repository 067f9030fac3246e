public import Foundation
public import Sodium
public import ZKPayCore

/// Key rotation: a wallet replaces its spend and view keys with fresh ones. The old
/// keystore is kept, sealed as before, as a retired keystore
/// (`wallets/retired/NAME.K.wallet`, K = 1, 2, …) so that notes still at the old address can
/// be moved and its history stays readable; the wallet's state (history, cursor, notes
/// cache) stays under the wallet's name.
extension WalletHome {
    var retiredDirectory: String { walletsDirectory + "/retired" }

    /// The retired keystore files of wallet `name`, oldest first.
    func retiredKeystorePaths(_ name: String) throws(WalletError) -> [String] {
        guard Files.exists(retiredDirectory) else { return [] }
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: retiredDirectory) } catch {
            throw .io(path: retiredDirectory, operation: "list", errno: EIO)
        }
        let prefix = name + "."
        let numbered = entries.compactMap { e -> (Int, String)? in
            guard e.hasPrefix(prefix), e.hasSuffix(".wallet") else { return nil }
            let middle = e.dropFirst(prefix.count).dropLast(7)
            guard let k = Int(middle), k >= 1 else { return nil }
            return (k, retiredDirectory + "/" + e)
        }
        return numbered.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// The addresses wallet `name` had before its rotations, oldest first (no passphrase).
    public func retiredAddresses(_ name: String) throws(WalletError) -> [Address] {
        var out: [Address] = []
        for path in try retiredKeystorePaths(name) {
            guard let bytes = try Files.read(path) else { continue }
            let address = try Keystore.header(of: bytes, path: path).address
            if !out.contains(address) { out.append(address) }
        }
        return out
    }

    /// The keys of wallet `name`'s retired keystores, oldest first, without repeats.
    public func retiredKeys(_ name: String, passphrase: SecretBytes) throws(WalletError) -> [WalletKeys] {
        var out: [WalletKeys] = []
        for path in try retiredKeystorePaths(name) {
            guard let bytes = try Files.read(path) else { continue }
            let keys = try Keystore.open(bytes, passphrase: passphrase, wallet: name, path: path).keys
            if !out.contains(where: { $0.address == keys.address }) { out.append(keys) }
        }
        return out
    }

    /// Replaces wallet `name`'s keys with a fresh seed, sealed under the same passphrase and
    /// key-derivation cost. Crash-safe in this order: the current keystore is first copied,
    /// durably, to the next retired slot; only then is the keystore replaced atomically. A
    /// crash between the two leaves the old keys current and a retired copy of them (a repeat
    /// that `retiredKeys` drops), never a seed that exists nowhere.
    /// - Returns: the old keys and the new ones.
    /// - Throws: `wrongPassphrase` (nothing changes), I/O errors.
    public func rotateKeys(_ name: String, passphrase: SecretBytes) throws(WalletError)
        -> (old: WalletKeys, new: WalletKeys)
    {
        let file = keystorePath(name)
        guard let current = try Files.read(file) else { throw .walletNotFound(name: name, home: path) }
        let header = try Keystore.header(of: current, path: file)
        let old = try Keystore.open(current, passphrase: passphrase, wallet: name, path: file).keys
        try Files.ensureDirectory(retiredDirectory)
        let slot = (try retiredKeystorePaths(name).count) + 1
        try Files.writeAtomically(current, to: retiredDirectory + "/\(name).\(slot).wallet", exclusive: true)
        let (seed, new) = WalletKeys.generate()
        let sealed = try Keystore.seal(seed: seed, passphrase: passphrase, parameters: header.parameters)
        try Files.writeAtomically(sealed, to: file)
        return (old, new)
    }
}

/// What a sweep of retired keys moved.
public struct SweepResult: Sendable {
    /// One settlement per transfer (at most 16 notes each).
    public var settlements: [Settlement] = []
    /// Units that arrived at the new address (the notes' total less the fees).
    public var moved: UInt64 = 0
    /// Notes left at the old address because their group is worth no more than the fee.
    public var leftNotes = 0
    public var leftUnits: UInt64 = 0
}

extension WalletSession {
    /// Moves every note this session's keys own to `destination`: the notes with an amount,
    /// largest first, in groups of at most 16, one transfer per group paying the group's
    /// total less `fee` to `destination` (so n notes take ceil(n/16) transfers). Each goes
    /// through `submit`: reserved, retried on a lost reply, resolved by id, receipt checked.
    /// A group worth no more than the fee stays (reported in the result).
    /// - Parameter progress: called before each transfer with (done, total).
    public func sweep(to destination: Address, fee: UInt64, sync: SyncResult,
                      progress: (Int, Int) -> Void = { _, _ in }) throws -> SweepResult {
        let notes = sync.spendable.filter { $0.contents.amount > 0 }.sorted { $0.contents.amount > $1.contents.amount }
        var groups: [[OpenedNote]] = []
        var start = 0
        while start < notes.count {
            let end = min(start + Transfer.inputCounts.upperBound, notes.count)
            groups.append(Array(notes[start..<end]))
            start = end
        }
        var result = SweepResult()
        let genesis = try ledger()
        let auditors = try auditorsInOffice()
        for (i, group) in groups.enumerated() {
            let total = SyncResult.sum(group.map(\.contents.amount))
            guard total > fee else {
                result.leftNotes += group.count
                result.leftUnits += total
                continue
            }
            progress(i, groups.count)
            let amount = total - fee
            let built: BuiltTransfer
            do {
                built = try TransferBuilder.build(chain: genesis.chainID, auditors: auditors, from: keys,
                                                  spending: group.map { OwnedNote(note: $0.note, contents: $0.contents) },
                                                  payments: [Payment(to: destination, amount: amount,
                                                                     text: Array("key rotation".utf8))],
                                                  fee: fee, backend: backend)
            } catch {
                throw WalletOperationError.failed("cannot build the key-rotation transfer: \(error)")
            }
            let settled = try submit(built, recipient: destination, amount: amount, memo: "key rotation")
            result.settlements.append(settled)
            result.moved += amount
        }
        return result
    }
}
