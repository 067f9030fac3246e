import Ristretto255
import Sodium

/// A 32-byte hash held inline (no heap allocation): the nodes of a receipt tree and the
/// ledger's chain hash while they are computed. Memory order is byte order.
typealias Digest32 = (UInt64, UInt64, UInt64, UInt64)

/// The Merkle tree of a receipt batch: the shape and inclusion proofs of RFC 9162 §2.1
/// (Certificate Transparency v2), with keyed BLAKE2b-256 instead of SHA-256 and its
/// 0x00/0x01 prefixes:
///
///     leaf = BLAKE2b-256(key "zkpay/receipt-leaf/v2", entry)
///     node = BLAKE2b-256(key "zkpay/receipt-node/v2", left ‖ right)
///     MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n (n > 1)
///
/// The two keys separate leaves from nodes as the prefixes do in RFC 9162, so an inner node
/// can never pass for a leaf (second-preimage attacks on the path). Data here is public.
enum ReceiptTree {
    static let leafKey = Array("zkpay/receipt-leaf/v2".utf8)
    static let nodeKey = Array("zkpay/receipt-node/v2".utf8)
    /// The leaf and node hashes, their key blocks compressed once.
    static let leafHasher = KeyedBLAKE2b(key: leafKey)
    static let nodeHasher = KeyedBLAKE2b(key: nodeKey)

    /// The leaf hash of an 83-byte receipt entry.
    static func leafHash(_ entry: ArraySlice<UInt8>) -> [UInt8] { keyedHash256(entry, [], key: leafKey) }

    /// The hash of an inner node over two 32-byte children.
    static func nodeHash(_ left: ArraySlice<UInt8>, _ right: ArraySlice<UInt8>) -> [UInt8] {
        precondition(left.count == 32 && right.count == 32, "tree hashes are 32 bytes")
        return keyedHash256(left, right, key: nodeKey)
    }

    /// The largest power of two below `n` (n ≥ 2): where RFC 9162 splits a tree of n leaves.
    static func split(_ n: Int) -> Int { 1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount) }

    /// The number of nodes in the inclusion path of leaf `index` in a tree of `size` leaves
    /// (0 for a one-leaf tree); `index < size`.
    static func pathLength(index: Int, size: Int) -> Int {
        var m = index, n = size, length = 0
        while n > 1 {
            let k = split(n)
            if m < k { n = k } else { m -= k; n -= k }
            length += 1
        }
        return length
    }

    /// Every level of the tree over the leaf hashes `leaves` (at least one): the leaves
    /// first, the root (MTH) alone last.
    ///
    /// Computed level by level, bottom up: neighbours (2i, 2i + 1) are paired and a last
    /// unpaired node is carried up unchanged. That is the same tree as RFC 9162's recursive
    /// split at the largest power of two k < n (the left part is always a perfect tree, so
    /// the carried node is the root of the right part's unfinished side), and it hashes each
    /// level's nodes as one batch (`KeyedBLAKE2b.digests`, eight at a time on vector lanes).
    /// Leaf m's node on level l is therefore node m >> l, and its inclusion path (RFC 9162
    /// §2.1.3.1) is that node's sibling on each level where it has one (`writePath`).
    static func levels(leaves: [Digest32], backend: Backend) -> [[Digest32]] {
        precondition(!leaves.isEmpty, "a tree has at least one leaf")
        var levels = [leaves]
        var level = leaves
        while level.count > 1 {
            let pairs = level.count / 2
            var next = [Digest32](unsafeUninitializedCapacity: pairs + 1) { buffer, initialized in
                level.withUnsafeBytes { nodes in
                    // Pair i is the 64 bytes of nodes 2i and 2i + 1 (a digest is 32 bytes in byte order).
                    nodeHasher.digests(nodes.baseAddress!, stride: 64, length: 64, count: pairs, into: buffer.baseAddress!,
                                       backend: backend)
                }
                initialized = pairs
            }
            if level.count % 2 == 1 { next.append(level[level.count - 1]) }
            levels.append(next)
            level = next
        }
        return levels
    }

    /// Writes the inclusion path of leaf `index` in the tree of `levels` (from `levels(leaves:)`),
    /// 32 bytes per node, leaf-to-root, at `out` (room for `pathLength` nodes).
    /// - Returns: the number of nodes written (`pathLength(index:size:)`).
    static func writePath(levels: [[Digest32]], index: Int, to out: UnsafeMutableRawPointer) -> Int {
        var node = index
        var written = 0
        for l in 0..<(levels.count - 1) {
            let sibling = node ^ 1
            levels[l].withUnsafeBufferPointer { level in
                if sibling < level.count {
                    out.storeBytes(of: level[sibling], toByteOffset: 32 * written, as: Digest32.self)
                    written += 1
                }
            }
            node >>= 1
        }
        return written
    }

    /// The root over `leaves` and every leaf's inclusion path (the nodes concatenated,
    /// leaf-to-root), as arrays; the levels hashed on `backend`.
    static func build(leaves: [[UInt8]], backend: Backend) -> (root: [UInt8], paths: [[UInt8]]) {
        let levels = levels(leaves: leaves.map { leaf in leaf.withUnsafeBytes { digest(of: $0) } }, backend: backend)
        let paths = leaves.indices.map { i in
            [UInt8](unsafeUninitializedCapacity: 32 * (levels.count - 1)) { buffer, initialized in
                initialized = 32 * writePath(levels: levels, index: i, to: buffer.baseAddress!)
            }
        }
        return (withUnsafeBytes(of: levels[levels.count - 1][0]) { Array($0) }, paths)
    }

    /// The root that `path` (32-byte nodes, leaf-to-root) proves for `leaf` at `index` in a
    /// tree of `size` leaves (RFC 9162 §2.1.3.2), or nil if the path is not exactly as long
    /// as that position needs.
    static func rootFromPath(leaf: [UInt8], index: Int, size: Int, path: ArraySlice<UInt8>) -> [UInt8]? {
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
func digest(of bytes: UnsafeRawBufferPointer) -> Digest32 {
    precondition(bytes.count == 32, "a digest is 32 bytes")
    var d: Digest32 = (0, 0, 0, 0)
    withUnsafeMutableBytes(of: &d) { $0.copyMemory(from: bytes) }
    return d
}

/// BLAKE2b-256 keyed by `key` over `first ‖ second`, concatenated in a stack buffer: the
/// ledger's hot hashes (chain hash, Merkle leaves and nodes) without a heap allocation.
func keyedDigest(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer, key: [UInt8]) -> Digest32 {
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
func keyedHash256(_ first: ArraySlice<UInt8>, _ second: ArraySlice<UInt8>, key: [UInt8]) -> [UInt8] {
    let d = first.withUnsafeBytes { a in second.withUnsafeBytes { b in keyedDigest(a, b, key: key) } }
    return withUnsafeBytes(of: d) { Array($0) }
}
