/// Segwit addresses (BIP-173 for version 0, BIP-350 for versions 1-16).
///
/// zkpay does not use Bitcoin addresses; this exists so the BIP-350 segwit test vectors
/// exercise the codec end to end (variant selection by witness version, 5-to-8 padding).
public struct SegwitAddress: Sendable, Equatable {
    /// Witness version, 0...16.
    public let version: Int
    /// Witness program, 2...40 bytes (20 or 32 for version 0).
    public let program: [UInt8]

    /// Decodes `address` for network prefix `humanReadablePart` (e.g. "bc", "tb").
    public init(decoding address: String, humanReadablePart: String) throws(Bech32Error) {
        let decoded = try Bech32.decodeAnyVariant(address)
        let expected = humanReadablePart.lowercased()
        guard decoded.humanReadablePart == expected else {
            throw .unexpectedHumanReadablePart(expected: expected, actual: decoded.humanReadablePart)
        }
        guard let first = decoded.data.first else { throw .emptyData }
        let version = Int(first)
        guard version <= 16 else { throw .invalidWitnessVersion(version) }
        let program = try Bech32.bytes(fromFiveBitGroups: decoded.data.dropFirst())
        guard (2...40).contains(program.count) else { throw .invalidProgramLength(version: version, length: program.count) }
        if version == 0 && program.count != 20 && program.count != 32 {
            throw .invalidProgramLength(version: version, length: program.count)
        }
        let required: Bech32Variant = version == 0 ? .bech32 : .bech32m
        guard decoded.variant == required else { throw .wrongVariant(expected: required, found: decoded.variant) }
        self.version = version
        self.program = program
    }

    /// A segwit address from its parts (validated as decoding would).
    public init(version: Int, program: [UInt8]) throws(Bech32Error) {
        guard (0...16).contains(version) else { throw .invalidWitnessVersion(version) }
        guard (2...40).contains(program.count), version != 0 || program.count == 20 || program.count == 32 else {
            throw .invalidProgramLength(version: version, length: program.count)
        }
        self.version = version
        self.program = program
    }

    /// The address string for `humanReadablePart`.
    public func encoded(humanReadablePart: String) throws(Bech32Error) -> String {
        try Bech32.encode(humanReadablePart: humanReadablePart,
                          data: [UInt8(version)] + Bech32.fiveBitGroups(program),
                          variant: version == 0 ? .bech32 : .bech32m)
    }

    /// The output script: OP_0 or OP_1...OP_16 (0x51...0x60), push length, program.
    public var scriptPubKey: [UInt8] {
        [version == 0 ? 0 : UInt8(0x50 + version), UInt8(program.count)] + program
    }
}
