import Ristretto255
import ZKPayCore

/// Building whole receipt trees: every level at once, each level's nodes hashed as one batch
/// (the shape and the inclusion-path check are `ReceiptTree` in ZKPayCore).
extension ReceiptTree {
    /// The leaf and node hashes, their key blocks compressed once.
    static let leafHasher = KeyedBLAKE2b(key: leafKey)
    static let nodeHasher = KeyedBLAKE2b(key: nodeKey)

    /// Every level of the tree over the leaf hashes `leaves` (at least one): the leaves
    /// first, the root (MTH) alone last.
    ///
    /// Computed level by level, bottom up: neighbours (2i, 2i + 1) are paired and a last
    /// unpaired node is carried up unchanged. That is the same tree as RFC 9162's recursive
    /// split at the largest power of two k < n (the left part is always a perfect tree, so
    /// the carried node is the root of the right part's unfinished side), and it hashes each
    /// level's nodes as one batch (`KeyedBLAKE2b.digests`, on vector lanes where the backend has them).
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
    /// leaf-to-root), as arrays.
    static func build(leaves: [[UInt8]], backend: Backend) -> (root: [UInt8], paths: [[UInt8]]) {
        let levels = levels(leaves: leaves.map { leaf in leaf.withUnsafeBytes { digest(of: $0) } }, backend: backend)
        let paths = leaves.indices.map { i in
            [UInt8](unsafeUninitializedCapacity: 32 * (levels.count - 1)) { buffer, initialized in
                initialized = 32 * writePath(levels: levels, index: i, to: buffer.baseAddress!)
            }
        }
        return (withUnsafeBytes(of: levels[levels.count - 1][0]) { Array($0) }, paths)
    }
}
