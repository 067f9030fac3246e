internal import CSodium

/// libsodium's own ristretto255 operations (`crypto_core_ristretto255_*`,
/// `crypto_scalarmult_ristretto255*`).
///
/// Two uses: the constant-time scalar multiplication for secret scalars, and the
/// reference that the project's own arithmetic is tested and benchmarked against.
/// - Warning: libsodium 1.0.18 accepts encodings with bit 255 set; RFC 9496 rejects
///   them. Never use `isValidPoint` as the gate for untrusted input: the project's own
///   decoder is the gate.
public enum SodiumRistretto {
    /// Constant-time `scalar * point` (libsodium). Returns the identity encoding when the
    /// product is the identity, e.g. for a zero scalar (libsodium then returns -1 and has
    /// already written the identity; we do not branch on the secret).
    /// - Throws: `SodiumError.wrongLength` for inputs that are not 32 bytes.
    public static func scalarmult(scalar: UnsafeRawBufferPointer, point: [UInt8]) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialized()
        guard scalar.count == 32 else { throw .wrongLength(field: "scalar", expected: 32, actual: scalar.count) }
        guard point.count == 32 else { throw .wrongLength(field: "point", expected: 32, actual: point.count) }
        var out = [UInt8](repeating: 0, count: 32)
        let status = out.withUnsafeMutableBytes { o in
            point.withUnsafeBytes { p in
                crypto_scalarmult_ristretto255(o.bindMemory(to: UInt8.self).baseAddress!,
                                               scalar.bindMemory(to: UInt8.self).baseAddress!,
                                               p.bindMemory(to: UInt8.self).baseAddress!)
            }
        }
        // -1 means "result is the identity" (zero scalar or a non-decodable point). The
        // output buffer then holds zeros, the identity encoding. The scalar may be secret:
        // callers pass only points that already passed the project's decoder, so -1 can
        // only come from the identity product, which is a correct answer.
        _ = status
        return out
    }

    /// Constant-time `scalar * B` for the ristretto255 basepoint B.
    public static func scalarmultBase(scalar: UnsafeRawBufferPointer) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialized()
        guard scalar.count == 32 else { throw .wrongLength(field: "scalar", expected: 32, actual: scalar.count) }
        var out = [UInt8](repeating: 0, count: 32)
        let status = out.withUnsafeMutableBytes { o in
            crypto_scalarmult_ristretto255_base(o.bindMemory(to: UInt8.self).baseAddress!,
                                                scalar.bindMemory(to: UInt8.self).baseAddress!)
        }
        _ = status  // -1 only for a zero scalar; `out` then holds the identity. No branch on secrets.
        return out
    }

    /// Convenience for public scalars held in an array.
    public static func scalarmult(scalar: [UInt8], point: [UInt8]) throws(SodiumError) -> [UInt8] {
        var result: Result<[UInt8], SodiumError> = .failure(.operationFailed("scalarmult"))
        scalar.withUnsafeBytes { s in
            do throws(SodiumError) { result = .success(try scalarmult(scalar: s, point: point)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    /// libsodium's validity check (accepts bit 255 set, unlike RFC 9496).
    public static func isValidPoint(_ encoding: [UInt8]) -> Bool {
        Sodium.ensureInitialized()
        guard encoding.count == 32 else { return false }
        return encoding.withUnsafeBytes { crypto_core_ristretto255_is_valid_point($0.bindMemory(to: UInt8.self).baseAddress!) } == 1
    }

    /// libsodium point addition of two encodings.
    public static func add(_ p: [UInt8], _ q: [UInt8]) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialized()
        guard p.count == 32, q.count == 32 else { throw .wrongLength(field: "point", expected: 32, actual: p.count == 32 ? q.count : p.count) }
        var out = [UInt8](repeating: 0, count: 32)
        let status = out.withUnsafeMutableBytes { o in p.withUnsafeBytes { a in q.withUnsafeBytes { b in
            crypto_core_ristretto255_add(o.bindMemory(to: UInt8.self).baseAddress!,
                                         a.bindMemory(to: UInt8.self).baseAddress!,
                                         b.bindMemory(to: UInt8.self).baseAddress!) } } }
        guard status == 0 else { throw .invalidPoint(field: "point") }
        return out
    }

    /// libsodium point subtraction p - q.
    public static func sub(_ p: [UInt8], _ q: [UInt8]) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialized()
        guard p.count == 32, q.count == 32 else { throw .wrongLength(field: "point", expected: 32, actual: p.count == 32 ? q.count : p.count) }
        var out = [UInt8](repeating: 0, count: 32)
        let status = out.withUnsafeMutableBytes { o in p.withUnsafeBytes { a in q.withUnsafeBytes { b in
            crypto_core_ristretto255_sub(o.bindMemory(to: UInt8.self).baseAddress!,
                                         a.bindMemory(to: UInt8.self).baseAddress!,
                                         b.bindMemory(to: UInt8.self).baseAddress!) } } }
        guard status == 0 else { throw .invalidPoint(field: "point") }
        return out
    }

    /// libsodium's element derivation from 64 uniform bytes (`crypto_core_ristretto255_from_hash`).
    public static func fromHash(_ bytes: [UInt8]) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialized()
        guard bytes.count == 64 else { throw .wrongLength(field: "hash", expected: 64, actual: bytes.count) }
        var out = [UInt8](repeating: 0, count: 32)
        let status = out.withUnsafeMutableBytes { o in bytes.withUnsafeBytes { h in
            crypto_core_ristretto255_from_hash(o.bindMemory(to: UInt8.self).baseAddress!, h.bindMemory(to: UInt8.self).baseAddress!) } }
        guard status == 0 else { throw .operationFailed("crypto_core_ristretto255_from_hash") }
        return out
    }

    /// libsodium scalar reduction of 64 bytes mod l.
    public static func scalarReduce(_ wide: [UInt8]) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialized()
        guard wide.count == 64 else { throw .wrongLength(field: "wide scalar", expected: 64, actual: wide.count) }
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBytes { o in wide.withUnsafeBytes { w in
            crypto_core_ristretto255_scalar_reduce(o.bindMemory(to: UInt8.self).baseAddress!, w.bindMemory(to: UInt8.self).baseAddress!) } }
        return out
    }

    /// libsodium scalar multiplication mod l (for differential tests).
    public static func scalarMul(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBytes { o in a.withUnsafeBytes { x in b.withUnsafeBytes { y in
            crypto_core_ristretto255_scalar_mul(o.bindMemory(to: UInt8.self).baseAddress!,
                                                x.bindMemory(to: UInt8.self).baseAddress!,
                                                y.bindMemory(to: UInt8.self).baseAddress!) } } }
        return out
    }

    /// libsodium scalar inversion mod l; throws for zero.
    public static func scalarInvert(_ a: [UInt8]) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: 32)
        let status = out.withUnsafeMutableBytes { o in a.withUnsafeBytes { x in
            crypto_core_ristretto255_scalar_invert(o.bindMemory(to: UInt8.self).baseAddress!, x.bindMemory(to: UInt8.self).baseAddress!) } }
        guard status == 0 else { throw .operationFailed("crypto_core_ristretto255_scalar_invert (zero scalar)") }
        return out
    }
}
