// Little-endian word loading from any byte collection. Callers across modules reach
// these through unspecialized generics, so contiguous storage (Array, ArraySlice,
// Data) is read directly and other collections fall back to iteration.

/// Reads `bytes` (at most 8 * words.count bytes) into little-endian words.
@inline(__always)
func loadLittleEndianWords(_ bytes: some Collection<UInt8>, into words: UnsafeMutableBufferPointer<UInt64>) {
    let fast: Void? = bytes.withContiguousStorageIfAvailable { buffer in
        for i in 0..<buffer.count { words[i >> 3] |= UInt64(buffer[i]) << UInt64(8 * (i & 7)) }
    }
    if fast == nil {
        var i = 0
        for b in bytes { words[i >> 3] |= UInt64(b) << UInt64(8 * (i & 7)); i += 1 }
    }
}

/// Four little-endian words of a 32-byte input.
@inline(__always)
func loadWords4(_ bytes: some Collection<UInt8>) -> (UInt64, UInt64, UInt64, UInt64) {
    var w: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    withUnsafeMutableBytes(of: &w) { raw in
        loadLittleEndianWords(bytes, into: raw.bindMemory(to: UInt64.self))
    }
    return w
}

/// Eight little-endian words of a 64-byte input.
@inline(__always)
func loadWords8(_ bytes: some Collection<UInt8>) -> (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) {
    var w: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    withUnsafeMutableBytes(of: &w) { raw in
        loadLittleEndianWords(bytes, into: raw.bindMemory(to: UInt64.self))
    }
    return w
}
