import Ristretto255
import Sodium
import Testing
import TestSupport
@testable import ZKPayCore

/// Shared test helpers for ZKPayCore.
enum TestKeys {
    /// The chain id the stateless transfer and mint tests build for (no ledger checks it).
    static let chain = ChainID(uncheckedBytes: [UInt8](repeating: 0x5a, count: 32))

    /// Wallet keys from a fixed one-byte-pattern seed.
    static func wallet(_ tag: UInt8) -> WalletKeys {
        let seed = SecretBytes(copying: (0..<32).map { UInt8($0) &+ tag &* 37 })
        do { return try WalletKeys(seed: seed) } catch { preconditionFailure("fixed seeds derive keys: \(error)") }
    }

    /// A scalar from the seeded generator.
    static func scalar(_ rng: inout SeededRNG) -> Scalar { Scalar(reducingWide: rng.bytes(64)) }

    /// A random valid point.
    static func point(_ rng: inout SeededRNG) -> RistrettoPoint { RistrettoPoint.fromUniformBytes(rng.bytes(64)) }

    /// 32 bytes that decode to no point: a field element >= p (2^255 - 1).
    static let nonCanonicalPoint: [UInt8] = [UInt8](repeating: 0xff, count: 31) + [0x7f]
    /// l, the group order: the smallest non-canonical scalar.
    static let groupOrder: [UInt8] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ]
}

/// Runs `body` and returns the `ProtocolError` it threw, or nil if it threw nothing.
/// Another error type is recorded as a test failure (decoders throw only `ProtocolError`).
func protocolError(_ body: () throws -> Void) -> ProtocolError? {
    do { try body() } catch let error as ProtocolError { return error } catch {
        Issue.record("expected a ProtocolError, got \(error)")
        return nil
    }
    return nil
}
