public import Ristretto255

/// One verification equation in the form every zkpay check reduces to:
///
///     Σ scalars[i]·points[i] + b·B + bBlinding·B~ + Σ g[k]·G_k + Σ h[k]·H_k == identity
///
/// `points` are the proof's own (dynamic) points; B, B~, G_k and H_k are the fixed
/// generators of `Generators.standard`, whose scalars can be added up across a batch.
/// `g` and `h` are indexed `party * 64 + bit`; a shorter array means the missing
/// scalars are zero.
///
/// A statement holds only public data (proofs, keys, challenges): it is checked with
/// variable-time code.
public struct Statement: Sendable {
    /// Scalars of the dynamic terms, one per entry of `points`.
    public var scalars: [Scalar]
    /// Points of the dynamic terms.
    public var points: [RistrettoPoint]
    /// Scalar on B (the ristretto255 basepoint).
    public var b: Scalar
    /// Scalar on B~ (the Pedersen blinding generator).
    public var bBlinding: Scalar
    /// Scalars on G_k, k = party * 64 + bit (at most 1024).
    public var g: [Scalar]
    /// Scalars on H_k, k = party * 64 + bit (at most 1024).
    public var h: [Scalar]
    /// True when the builder has already multiplied every scalar by its own batch weight:
    /// an independent, uniformly random, nonzero 128-bit scalar drawn from the CSPRNG by
    /// the verifier for this statement alone (e.g. `RangeProof.statement`). A batch adds
    /// such a statement as it is instead of weighting it again, which saves a
    /// multiplication per scalar; the soundness argument of `BatchVerifier` is unchanged,
    /// since the weight is just as random and unknown to the prover. A weighted statement
    /// holds exactly when the unweighted one does (the weight is nonzero).
    public var isWeighted: Bool

    /// The empty statement (trivially true).
    public init() {
        scalars = []
        points = []
        b = .zero
        bBlinding = .zero
        g = []
        h = []
        isWeighted = false
    }

    /// Appends the dynamic term `scalar · point`.
    public mutating func add(_ scalar: Scalar, _ point: RistrettoPoint) {
        scalars.append(scalar)
        points.append(point)
    }

    /// Whether the equation holds, with one multiscalar multiplication on `backend`.
    /// - Precondition: `scalars.count == points.count`; `g` and `h` hold at most 1024
    ///   scalars; `backend` is one the CPU runs.
    /// - Warning: Variable time. Verification data only.
    public func isSatisfiedVartime(backend: Backend) -> Bool {
        BatchVerifier(backend: backend).combinedSumVartime([self], weights: [.one]).isIdentity
    }
}
