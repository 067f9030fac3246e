/// Why a bech32/bech32m string, or data for one, was rejected.
///
/// Positions are 0-based offsets into the string's UTF-8 bytes (equal to character
/// offsets for the ASCII strings that can be valid).
public enum Bech32Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// The string is longer than the decoder's maximum (90 under BIP-173/350).
    case tooLong(length: Int, maximum: Int)
    /// A byte outside the printable US-ASCII range 33...126.
    case characterOutOfRange(position: Int)
    /// Both upper- and lowercase letters appear; a string must be all one case.
    case mixedCase
    /// There is no separator `1`.
    case missingSeparator
    /// The human-readable part (before the last `1`) is empty.
    case emptyHumanReadablePart
    /// The human-readable part is longer than BIP-173's 83 characters (possible only
    /// when the overall length limit is lifted).
    case humanReadablePartTooLong(length: Int)
    /// Fewer than 6 characters follow the separator, so there is no full checksum.
    case checksumTooShort(dataLength: Int)
    /// A character after the separator is not in the bech32 alphabet
    /// `qpzry9x8gf2tvdw0s3jn54khce6mua7l` (`inChecksum`: it is one of the last 6).
    case invalidDataCharacter(position: Int, inChecksum: Bool)
    /// The checksum matches neither bech32 nor bech32m: a character was changed.
    case invalidChecksum
    /// The checksum is valid for the other variant (bech32 where bech32m was required, or
    /// the reverse).
    case wrongVariant(expected: Bech32Variant, found: Bech32Variant)
    /// A value passed as 5-bit data is 32 or more.
    case dataValueOutOfRange(index: Int, value: UInt8)
    /// 8-to-5/5-to-8 conversion without padding left 5 or more bits over.
    case excessPadding(bits: Int)
    /// 5-to-8 conversion left padding bits that are not zero.
    case nonZeroPadding
    /// The human-readable part is not the expected one (e.g. `bc` for a mainnet address).
    case unexpectedHumanReadablePart(expected: String, actual: String)
    /// Segwit: there is no witness version (the data part holds only the checksum).
    case emptyData
    /// Segwit: the witness version is above 16.
    case invalidWitnessVersion(Int)
    /// Segwit: the witness program has a length not allowed for its version.
    case invalidProgramLength(version: Int, length: Int)

    public var description: String {
        switch self {
        case let .tooLong(length, maximum):
            "string is \(length) characters, more than the maximum of \(maximum)"
        case let .characterOutOfRange(position):
            "character at position \(position) is not printable US-ASCII (33...126)"
        case .mixedCase:
            "string mixes upper- and lowercase letters; use all lowercase or all uppercase"
        case .missingSeparator:
            "no separator '1' between the human-readable part and the data"
        case .emptyHumanReadablePart:
            "the human-readable part before the last '1' is empty"
        case let .humanReadablePartTooLong(length):
            "the human-readable part is \(length) characters; at most 83 are allowed"
        case let .checksumTooShort(dataLength):
            "only \(dataLength) characters after the separator; the checksum alone needs 6"
        case let .invalidDataCharacter(position, inChecksum):
            "character at position \(position) is not in the bech32 alphabet"
                + (inChecksum ? " (in the checksum)" : "")
        case .invalidChecksum:
            "checksum does not match: the string was mistyped or changed"
        case let .wrongVariant(expected, found):
            "checksum is a valid \(found) checksum, but \(expected) is required here"
        case let .dataValueOutOfRange(index, value):
            "5-bit data value \(value) at index \(index) is not below 32"
        case let .excessPadding(bits):
            "\(bits) bits of padding left over; at most 4 are allowed"
        case .nonZeroPadding:
            "padding bits are not zero"
        case let .unexpectedHumanReadablePart(expected, actual):
            "human-readable part is '\(actual)', expected '\(expected)'"
        case .emptyData:
            "no data before the checksum (a segwit address needs a witness version)"
        case let .invalidWitnessVersion(v):
            "witness version \(v) is above 16"
        case let .invalidProgramLength(version, length):
            "witness program of \(length) bytes is not allowed for version \(version)"
                + (version == 0 ? " (20 or 32 bytes)" : " (2 to 40 bytes)")
        }
    }
}
