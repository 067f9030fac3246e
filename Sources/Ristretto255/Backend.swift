// Which implementation of the hot arithmetic an object uses. The executable chooses one
// backend at start-up (from `CPUFeatures.detect()` or a flag) and passes it to the objects
// it builds (MSM engines, the batch verifier, the ledger's hashers); those decide once per
// call (per MSM, per batch), never per field operation, which code runs.

/// An implementation of the variable-time arithmetic: multiscalar multiplication, batch
/// decoding and encoding, batched scalar and hash lanes.
///
/// Every backend computes the same values; they differ only in speed and in the CPU they
/// need. `portable` is the reference the others are tested against.
public enum Backend: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Scalar Swift code: every CPU.
    case portable
    /// The eight-lane AVX-512 IFMA kernels of module Ristretto255SIMD (x86-64 with
    /// `CPUFeatures.ifmaSet`).
    case ifma
    /// The four-lane AVX2 kernels of module Ristretto255AVX2 (x86-64 with
    /// `CPUFeatures.avx2Set`). Engines without an AVX2 kernel run the portable code.
    case avx2

    /// What the CPU must have for this backend's code to run.
    public var requiredFeatures: CPUFeatures {
        switch self {
        case .portable: []
        case .ifma:
            #if arch(x86_64)
            CPUFeatures.ifmaSet
            #else
            // The kernels are compiled only for x86-64: no CPU elsewhere runs them.
            CPUFeatures(rawValue: ~0)
            #endif
        case .avx2:
            #if arch(x86_64)
            CPUFeatures.avx2Set
            #else
            CPUFeatures(rawValue: ~0)
            #endif
        }
    }

    /// Whether a CPU with `features` runs this backend.
    public func isSupported(by features: CPUFeatures) -> Bool {
        #if arch(x86_64)
        features.isSuperset(of: requiredFeatures)
        #else
        self == .portable
        #endif
    }

    /// The features this backend needs that `features` lacks (empty if it runs).
    public func missingFeatures(on features: CPUFeatures) -> CPUFeatures {
        #if arch(x86_64)
        requiredFeatures.subtracting(features)
        #else
        self == .portable ? [] : requiredFeatures
        #endif
    }

    /// Fastest first.
    static let preferenceOrder: [Backend] = [.ifma, .avx2, .portable]

    /// The fastest backend a CPU with `features` runs (the default choice).
    public static func fastest(on features: CPUFeatures) -> Backend {
        preferenceOrder.first { $0.isSupported(by: features) } ?? .portable
    }

    /// Every backend a CPU with `features` runs, fastest first.
    public static func supported(on features: CPUFeatures) -> [Backend] {
        preferenceOrder.filter { $0.isSupported(by: features) }
    }

    /// The backend named `name` (`portable`, `ifma`, `avx2`), checked against `features`.
    /// - Throws: `BackendError.unknown` for another name, `BackendError.unsupported` if the
    ///   CPU lacks a feature the backend needs.
    public static func named(_ name: String, on features: CPUFeatures) throws(BackendError) -> Backend {
        guard let backend = Backend(rawValue: name) else { throw .unknown(name: name) }
        try backend.check(on: features)
        return backend
    }

    /// Throws unless a CPU with `features` runs this backend.
    /// - Throws: `BackendError.unsupported` naming the missing features.
    public func check(on features: CPUFeatures) throws(BackendError) {
        guard isSupported(by: features) else {
            throw .unsupported(backend: self, missing: missingFeatures(on: features),
                               supported: Self.supported(on: features))
        }
    }

    public var description: String { rawValue }
}

/// A backend that cannot be used.
public enum BackendError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No backend has this name.
    case unknown(name: String)
    /// This CPU lacks features the backend's code needs; it runs the `supported` ones.
    case unsupported(backend: Backend, missing: CPUFeatures, supported: [Backend])

    public var description: String {
        switch self {
        case let .unknown(name):
            "unknown backend '\(name)'; choose one of: \(Backend.allCases.map(\.rawValue).joined(separator: ", "))"
        case let .unsupported(backend, missing, supported):
            "this CPU cannot run the \(backend) backend (it lacks \(missing)); choose one it runs: "
                + supported.map(\.rawValue).joined(separator: ", ")
        }
    }
}
