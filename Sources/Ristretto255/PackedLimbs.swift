import Ristretto255SIMD
import Ristretto255AVX2

// The packed layout shared with the vector kernels (module Ristretto255SIMD): a field
// element is its five radix-2^51 limbs in order, an extended point its X, Y, Z, T.

extension FieldElement {
    /// The five limbs, in order.
    package var limbs: [UInt64] { [l0, l1, l2, l3, l4] }

    /// The element with limbs `words[o..<o+5]` (each < 2^63), carried to the reduced bound.
    package init(limbs words: [UInt64], at o: Int) {
        self = FieldElement(words[o], words[o + 1], words[o + 2], words[o + 3], words[o + 4]).reduced()
    }

    /// x^((p-5)/8) for every x: sixteen (then eight) at a time on the vector lanes of the
    /// IFMA backend (from three elements on), four at a time on the AVX2 backend's lanes
    /// (all but a last one or two, which cost less one by one than a chunk of four), else
    /// one by one; the same values either way. The exponent is fixed, so this is as
    /// constant-time as `powP58`.
    package static func batchPowP58(_ xs: [FieldElement], backend: Backend) -> [FieldElement] {
        let lanes: Int
        switch backend {
        case .ifma: lanes = xs.count >= 3 ? xs.count : 0
        case .avx2: lanes = xs.count % 4 < 3 ? xs.count - xs.count % 4 : xs.count
        case .portable: lanes = 0
        }
        if lanes == 0 { return xs.map { $0.powP58() } }
        var words = xs[0..<lanes].flatMap { $0.reduced().limbs }
        words.withUnsafeMutableBufferPointer { w in
            if backend == .ifma {
                VectorExponentiation.powP58(w.baseAddress!, count: lanes)
            } else {
                Exponentiation4.powP58(w.baseAddress!, count: lanes)
            }
        }
        return (0..<lanes).map { FieldElement(limbs: words, at: 5 * $0) } + xs[lanes...].map { $0.powP58() }
    }
}

extension EdwardsPoint {
    /// The point with coordinates X, Y, Z, T packed at `words[o..<o+20]`.
    package init(limbs words: [UInt64], at o: Int) {
        self.init(X: FieldElement(limbs: words, at: o), Y: FieldElement(limbs: words, at: o + 5),
                  Z: FieldElement(limbs: words, at: o + 10), T: FieldElement(limbs: words, at: o + 15))
    }
}
