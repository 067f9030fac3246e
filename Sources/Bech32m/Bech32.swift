/// Which checksum constant a string uses: BIP-173 bech32 (1) or BIP-350 bech32m
/// (0x2bc830a3). zkpay addresses use bech32m; bech32 exists for segwit v0 addresses.
public enum Bech32Variant: Sendable, Equatable, CustomStringConvertible {
    case bech32
    case bech32m

    /// The value the checksum polynomial must leave.
    var constant: UInt32 {
        switch self {
        case .bech32: 1
        case .bech32m: 0x2bc8_30a3
        }
    }

    public var description: String {
        switch self {
        case .bech32: "bech32"
        case .bech32m: "bech32m"
        }
    }
}

/// A decoded bech32/bech32m string: lowercased human-readable part, 5-bit data (checksum
/// excluded) and the checksum variant it carried.
public struct Bech32Decoded: Sendable, Equatable {
    public let humanReadablePart: String
    public let data: [UInt8]
    public let variant: Bech32Variant
}

/// Bech32 and bech32m (BIP-173, BIP-350) encoding and decoding.
///
/// The checksum is a BCH code over GF(32) with generator of degree 6. Any single
/// changed character is always detected at every length (the error polynomial is a
/// nonzero multiple of a power of x, which the generator cannot divide); the stronger
/// guarantee of detecting any 4 errors holds only up to 89 characters, which is why
/// BIP-173 caps strings at 90. zkpay addresses (113 characters) lift that cap, so
/// callers must pass `maximumLength` explicitly for them.
public enum Bech32 {
    /// The BIP-173/350 limit on the whole string.
    public static let standardMaximumLength = 90

    /// The BIP-173 limit on the human-readable part, kept even when the overall limit
    /// is lifted.
    public static let maximumHumanReadablePartLength = 83

    /// The data alphabet; a 5-bit value is its index here.
    static let alphabet: [UInt8] = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)

    /// Reverse of `alphabet` for lowercase ASCII; -1 for characters outside it.
    static let reverse: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = Int8(i) }
        return table
    }()

    static let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]

    /// The BCH checksum polynomial evaluated over `values` (each < 32).
    static func polymod(_ values: some Sequence<UInt8>) -> UInt32 {
        var chk: UInt32 = 1
        for v in values {
            let top = chk >> 25
            chk = (chk & 0x1ff_ffff) << 5 ^ UInt32(v)
            for i in 0..<5 where (top >> i) & 1 == 1 { chk ^= generator[i] }
        }
        return chk
    }

    /// The HRP expanded as the checksum sees it: high 3 bits of each byte, 0, low 5 bits.
    static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    /// Encodes `data` (5-bit values) under `humanReadablePart` with the `variant` checksum.
    ///
    /// The HRP is lowercased; the output is all lowercase.
    /// - Throws: `emptyHumanReadablePart`, `humanReadablePartTooLong` (over 83),
    ///   `characterOutOfRange` (HRP outside 33...126),
    ///   `dataValueOutOfRange`, or `tooLong` when the result exceeds `maximumLength`.
    public static func encode(humanReadablePart: String, data: [UInt8], variant: Bech32Variant = .bech32m,
                              maximumLength: Int = standardMaximumLength) throws(Bech32Error) -> String {
        let hrp = Array(humanReadablePart.utf8).map { (65...90).contains($0) ? $0 + 32 : $0 }
        guard !hrp.isEmpty else { throw .emptyHumanReadablePart }
        guard hrp.count <= maximumHumanReadablePartLength else { throw .humanReadablePartTooLong(length: hrp.count) }
        if let bad = hrp.firstIndex(where: { !(33...126).contains($0) }) { throw .characterOutOfRange(position: bad) }
        if let bad = data.firstIndex(where: { $0 >= 32 }) { throw .dataValueOutOfRange(index: bad, value: data[bad]) }
        let length = hrp.count + 1 + data.count + 6
        guard length <= maximumLength else { throw .tooLong(length: length, maximum: maximumLength) }
        let mod = polymod(expand(hrp) + data + [0, 0, 0, 0, 0, 0]) ^ variant.constant
        var out = hrp
        out.reserveCapacity(length)
        out.append(UInt8(ascii: "1"))
        for v in data { out.append(alphabet[Int(v)]) }
        for i in 0..<6 { out.append(alphabet[Int((mod >> (5 * (5 - UInt32(i)))) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a string whose checksum must be of `variant` (bech32m by default).
    ///
    /// - Returns: the lowercased human-readable part and the 5-bit data, checksum excluded.
    /// - Throws: a `Bech32Error` naming the first rule the string breaks; `wrongVariant`
    ///   when the checksum is valid only for the other variant.
    public static func decode(_ string: String, variant: Bech32Variant = .bech32m,
                              maximumLength: Int = standardMaximumLength) throws(Bech32Error)
        -> (humanReadablePart: String, data: [UInt8])
    {
        let decoded = try decodeAnyVariant(string, maximumLength: maximumLength)
        guard decoded.variant == variant else { throw .wrongVariant(expected: variant, found: decoded.variant) }
        return (decoded.humanReadablePart, decoded.data)
    }

    /// Decodes a string with either checksum and reports which one it carried (segwit
    /// decoding needs this: the witness version decides the required variant).
    public static func decodeAnyVariant(_ string: String,
                                        maximumLength: Int = standardMaximumLength) throws(Bech32Error) -> Bech32Decoded {
        let bytes = Array(string.utf8)
        // Character rules first, so that a bad character is named even in an over-long string.
        var hasLower = false
        var hasUpper = false
        for (i, c) in bytes.enumerated() {
            guard (33...126).contains(c) else { throw .characterOutOfRange(position: i) }
            if (97...122).contains(c) { hasLower = true }
            if (65...90).contains(c) { hasUpper = true }
        }
        if hasLower && hasUpper { throw .mixedCase }
        guard bytes.count <= maximumLength else { throw .tooLong(length: bytes.count, maximum: maximumLength) }
        let lower = bytes.map { (65...90).contains($0) ? $0 + 32 : $0 }
        guard let separator = lower.lastIndex(of: UInt8(ascii: "1")) else { throw .missingSeparator }
        guard separator > 0 else { throw .emptyHumanReadablePart }
        guard separator <= maximumHumanReadablePartLength else { throw .humanReadablePartTooLong(length: separator) }
        let dataLength = lower.count - separator - 1
        guard dataLength >= 6 else { throw .checksumTooShort(dataLength: dataLength) }
        var values = [UInt8]()
        values.reserveCapacity(dataLength)
        for i in (separator + 1)..<lower.count {
            let r = reverse[Int(lower[i])]  // lower[i] <= 126 was checked above
            guard r >= 0 else { throw .invalidDataCharacter(position: i, inChecksum: i >= lower.count - 6) }
            values.append(UInt8(r))
        }
        let hrp = Array(lower[..<separator])
        let residue = polymod(expand(hrp) + values)
        let variant: Bech32Variant
        switch residue {
        case Bech32Variant.bech32m.constant: variant = .bech32m
        case Bech32Variant.bech32.constant: variant = .bech32
        default: throw .invalidChecksum
        }
        return Bech32Decoded(humanReadablePart: String(decoding: hrp, as: UTF8.self),
                             data: Array(values.dropLast(6)), variant: variant)
    }

    /// Regroups bits: `from`-bit values into `to`-bit values, big-endian bit order.
    ///
    /// With `pad`, a final partial group is zero-padded (encoding direction). Without it
    /// (decoding direction), leftover bits must be fewer than `from` and all zero.
    /// - Throws: `dataValueOutOfRange`, `excessPadding`, `nonZeroPadding`.
    public static func convertBits(_ data: some Collection<UInt8>, from: Int, to: Int,
                                   pad: Bool) throws(Bech32Error) -> [UInt8] {
        precondition((1...8).contains(from) && (1...8).contains(to), "bit widths are 1...8")
        var acc: UInt32 = 0
        var bits = 0
        let maxv: UInt32 = (1 << to) - 1
        var out = [UInt8]()
        out.reserveCapacity((data.count * from + to - 1) / to)
        for (index, value) in data.enumerated() {
            guard UInt32(value) >> from == 0 else { throw .dataValueOutOfRange(index: index, value: value) }
            acc = (acc << from | UInt32(value)) & 0xffff
            bits += from
            while bits >= to {
                bits -= to
                out.append(UInt8((acc >> bits) & maxv))
            }
        }
        if pad {
            if bits > 0 { out.append(UInt8((acc << (to - bits)) & maxv)) }
        } else {
            guard bits < from else { throw .excessPadding(bits: bits) }
            guard (acc << (to - bits)) & maxv == 0 else { throw .nonZeroPadding }
        }
        return out
    }

    /// Bytes as zero-padded 5-bit groups (what `encode` takes).
    public static func fiveBitGroups(_ bytes: some Collection<UInt8>) -> [UInt8] {
        // Cannot throw: 8-bit inputs always fit and padding is on.
        (try? convertBits(bytes, from: 8, to: 5, pad: true)) ?? []
    }

    /// Bytes from 5-bit groups, rejecting more than 4 bits of padding or nonzero padding.
    public static func bytes(fromFiveBitGroups groups: some Collection<UInt8>) throws(Bech32Error) -> [UInt8] {
        try convertBits(groups, from: 5, to: 8, pad: false)
    }

    /// Encodes arbitrary bytes (e.g. a zkpay address payload P ‖ V) as bech32m.
    public static func encode(humanReadablePart: String, bytes: some Collection<UInt8>,
                              variant: Bech32Variant = .bech32m,
                              maximumLength: Int = standardMaximumLength) throws(Bech32Error) -> String {
        try encode(humanReadablePart: humanReadablePart, data: fiveBitGroups(bytes), variant: variant,
                   maximumLength: maximumLength)
    }

    /// Decodes a string made by `encode(humanReadablePart:bytes:)`, checking the HRP.
    public static func decodeBytes(_ string: String, expectedHumanReadablePart: String,
                                   variant: Bech32Variant = .bech32m,
                                   maximumLength: Int = standardMaximumLength) throws(Bech32Error) -> [UInt8] {
        let (hrp, data) = try decode(string, variant: variant, maximumLength: maximumLength)
        let expected = expectedHumanReadablePart.lowercased()
        guard hrp == expected else { throw .unexpectedHumanReadablePart(expected: expected, actual: hrp) }
        return try bytes(fromFiveBitGroups: data)
    }
}
