// The single home of the branch-free helpers. Every secret-dependent choice in this
// module goes through `CTBool` masks; nothing here branches or indexes on its inputs.
//
// Caveat: Swift gives no guarantee that the optimizer keeps mask arithmetic free of
// branches. The patterns here (and/or/xor with all-ones masks, no comparisons that
// produce `Bool`) are the ones LLVM keeps as straight-line code on x86-64 and arm64.

/// A constant-time boolean: `bit` is 0 or 1, never branched on inside this module's
/// constant-time code. `mask` is 0 or all ones.
package struct CTBool: Sendable {
    /// 0 or 1.
    package let bit: UInt64

    @inline(__always)
    package init(bit: UInt64) { self.bit = bit }

    /// All ones when true, zero when false.
    @inline(__always)
    package var mask: UInt64 { 0 &- bit }

    /// Reveals the value; use only where the value is public (e.g. decoding succeeded).
    @inline(__always)
    package var isTrue: Bool { bit == 1 }

    @inline(__always)
    package static func & (a: CTBool, b: CTBool) -> CTBool { CTBool(bit: a.bit & b.bit) }
    @inline(__always)
    package static func | (a: CTBool, b: CTBool) -> CTBool { CTBool(bit: a.bit | b.bit) }
    @inline(__always)
    package static prefix func ! (a: CTBool) -> CTBool { CTBool(bit: a.bit ^ 1) }

    package static let `true` = CTBool(bit: 1)
    package static let `false` = CTBool(bit: 0)
}

/// 1 if `x == 0`, else 0, without branches.
@inline(__always)
package func ctIsZero(_ x: UInt64) -> CTBool {
    CTBool(bit: ((x | (0 &- x)) >> 63) ^ 1)
}

/// 1 if `a == b`, else 0, without branches.
@inline(__always)
package func ctEqual(_ a: UInt64, _ b: UInt64) -> CTBool { ctIsZero(a ^ b) }

/// `b` when `choice` is true, else `a`.
@inline(__always)
package func ctSelect(_ a: UInt64, _ b: UInt64, _ choice: CTBool) -> UInt64 {
    a ^ ((a ^ b) & choice.mask)
}

/// Swaps `a` and `b` when `choice` is true.
@inline(__always)
package func ctSwap(_ a: inout UInt64, _ b: inout UInt64, _ choice: CTBool) {
    let t = (a ^ b) & choice.mask
    a ^= t
    b ^= t
}

/// Constant-time equality of two byte sequences of the same public length.
package func ctEqual(_ a: [UInt8], _ b: [UInt8]) -> CTBool {
    precondition(a.count == b.count, "ctEqual compares equal-length buffers")
    var acc: UInt8 = 0
    for i in 0..<a.count { acc |= a[i] ^ b[i] }
    return ctIsZero(UInt64(acc))
}

/// Values that can be selected, swapped and negated without branches.
package protocol ConditionallySelectable {
    /// `b` when `choice` is true, else `a`.
    static func select(_ a: Self, _ b: Self, _ choice: CTBool) -> Self
}

extension ConditionallySelectable {
    /// Replaces `self` with `other` when `choice` is true.
    @inline(__always)
    package mutating func conditionalAssign(_ other: Self, _ choice: CTBool) {
        self = Self.select(self, other, choice)
    }

    /// Swaps `a` and `b` when `choice` is true.
    @inline(__always)
    package static func conditionalSwap(_ a: inout Self, _ b: inout Self, _ choice: CTBool) {
        let t = a
        a = select(a, b, choice)
        b = select(b, t, choice)
    }
}
