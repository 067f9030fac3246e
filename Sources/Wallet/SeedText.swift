import Foundation
import Bech32m
public import Sodium
import ZKPayCore

/// The two spellings of a wallet seed for backup and recovery: 64 lowercase hex digits,
/// or bech32m with human-readable part `zkpseed` (its checksum catches typing errors).
public enum SeedText {
    /// The human-readable part of a bech32m seed.
    public static let humanReadablePart = "zkpseed"

    /// The seed as 64 hex digits.
    public static func hex(_ seed: SecretBytes) -> String {
        seed.withUnsafeBytes { ProtocolHex.encode($0) }
    }

    /// The seed as `zkpseed1…`.
    public static func bech32m(_ seed: SecretBytes) -> String {
        seed.withUnsafeBytes { bytes in
            do {
                return try Bech32.encode(humanReadablePart: humanReadablePart, bytes: bytes, variant: .bech32m)
            } catch { preconditionFailure("32 bytes always encode under 90 characters: \(error)") }
        }
    }

    /// Parses either spelling (surrounding whitespace ignored).
    /// - Throws: `invalidSeed` saying why.
    public static func parse(_ text: String) throws(WalletError) -> SecretBytes {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.lowercased().hasPrefix(humanReadablePart + "1") {
            var bytes: [UInt8]
            do {
                bytes = try Bech32.decodeBytes(trimmed, expectedHumanReadablePart: humanReadablePart, variant: .bech32m,
                                               maximumLength: Bech32.standardMaximumLength)
            } catch { throw .invalidSeed("the zkpseed string does not decode (\(error))") }
            defer { secureZero(&bytes) }
            guard bytes.count == WalletKeys.seedLength else {
                throw .invalidSeed("it holds \(bytes.count) bytes, a seed is \(WalletKeys.seedLength)")
            }
            return SecretBytes(copying: bytes)
        }
        guard trimmed.utf8.count == 2 * WalletKeys.seedLength else {
            throw .invalidSeed("it is \(trimmed.utf8.count) characters long")
        }
        guard var bytes = ProtocolHex.decode(trimmed.lowercased()) else { throw .invalidSeed("it is not hexadecimal") }
        defer { secureZero(&bytes) }
        return SecretBytes(copying: bytes)
    }
}
