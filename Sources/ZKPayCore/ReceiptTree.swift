import Sodium

/// A 32-byte hash held inline (no heap allocation): the nodes of a receipt tree and the
/// ledger's chain hash while they are computed. Memory order is byte order.
package typealias Digest32 = (UInt64, UInt64, UInt64, UInt64)

/// The Merkle tree of a receipt batch: the shape and inclusion proofs of RFC 9162 §2.1
/// (Certificate Transparency v2), with keyed BLAKE2b-256 instead of SHA-256 and its
/// 0x00/0x01 prefixes. This is the part a client needs to check an inclusion path; the
/// ledger builds whole trees (all levels at once, on vector lanes) in module Ledger,
/// `ReceiptTree+Build.swift`:
///
///     leaf = BLAKE2b-256(key "zkpay/receipt-leaf/v2", entry)
///     node = BLAKE2b-256(key "zkpay/receipt-node/v2", left ‖ right)
///     MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n (n > 1)
///
/// The two keys separate leaves from nodes as the prefixes do in RFC 9162, so an inner node
/// can never pass for a leaf (second-preimage attacks on the path). Data here is public.
package enum ReceiptTree {
    /// The leaf hash's key.
    package static let leafKey = Array("zkpay/receipt-leaf/v2".utf8)
    /// The inner node hash's key.
    package static let nodeKey = Array("zkpay/receipt-node/v2".utf8)

    /// The leaf hash of an 83-byte receipt entry.
    package static func leafHash(_ entry: ArraySlice<UInt8>) -> [UInt8] { keyedHash256(entry, [], key: leafKey) }

    /// The hash of an inner node over two 32-byte children.
    package static func nodeHash(_ left: ArraySlice<UInt8>, _ right: ArraySlice<UInt8>) -> [UInt8] {
        precondition(left.count == 32 && right.count == 32, "tree hashes are 32 bytes")
        return keyedHash256(left, right, key: nodeKey)
    }

    /// The largest power of two below `n` (n ≥ 2): where RFC 9162 splits a tree of n leaves.
    package static func split(_ n: Int) -> Int { 1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount) }

    /// The number of nodes in the inclusion path of leaf `index` in a tree of `size` leaves
    /// (0 for a one-leaf tree); `index < size`.
    package static func pathLength(index: Int, size: Int) -> Int {
        var m = index, n = size, length = 0
        while n > 1 {
            let k = split(n)
            if m < k { n = k } else { m -= k; n -= k }
            length += 1
        }
        return length
    }

    /// The root that `path` (32-byte nodes, leaf-to-root) proves for `leaf` at `index` in a
    /// tree of `size` leaves (RFC 9162 §2.1.3.2), or nil if the path is not exactly as long
    /// as that position needs.
    package static func rootFromPath(leaf: [UInt8], index: Int, size: Int, path: ArraySlice<UInt8>) -> [UInt8]? {
        guard index >= 0, index < size, path.count % 32 == 0 else { return nil }
        var fn = index, sn = size - 1
        var r = leaf
        var at = path.startIndex
        while at < path.endIndex {
            let p = path[at..<(at + 32)]
            at += 32
            guard sn != 0 else { return nil }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r[...])
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                r = nodeHash(r[...], p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 ? r : nil
    }
}

/// The 32 bytes at `bytes` (exactly 32) as a digest.
package func digest(of bytes: UnsafeRawBufferPointer) -> Digest32 {
    precondition(bytes.count == 32, "a digest is 32 bytes")
    var d: Digest32 = (0, 0, 0, 0)
    withUnsafeMutableBytes(of: &d) { $0.copyMemory(from: bytes) }
    return d
}

/// BLAKE2b-256 keyed by `key` over `first ‖ second`, concatenated in a stack buffer: the
/// ledger's hot hashes (chain hash, Merkle leaves and nodes) without a heap allocation.
package func keyedDigest(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer, key: [UInt8]) -> Digest32 {
    let n = first.count + second.count
    var d: Digest32 = (0, 0, 0, 0)
    withUnsafeTemporaryAllocation(byteCount: max(n, 1), alignment: 8) { buffer in
        if first.count > 0 { UnsafeMutableRawBufferPointer(rebasing: buffer[0..<first.count]).copyMemory(from: first) }
        if second.count > 0 { UnsafeMutableRawBufferPointer(rebasing: buffer[first.count..<n]).copyMemory(from: second) }
        withUnsafeMutableBytes(of: &d) { out in
            key.withUnsafeBytes { k in Hash.blake2b(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), key: k, into: out) }
        }
    }
    return d
}

/// `keyedDigest` over two slices, as an array.
package func keyedHash256(_ first: ArraySlice<UInt8>, _ second: ArraySlice<UInt8>, key: [UInt8]) -> [UInt8] {
    let d = first.withUnsafeBytes { a in second.withUnsafeBytes { b in keyedDigest(a, b, key: key) } }
    return withUnsafeBytes(of: d) { Array($0) }
}
