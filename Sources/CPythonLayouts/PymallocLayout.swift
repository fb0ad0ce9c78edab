/// pymalloc's geometry on x86_64: how big its blocks, pools and arenas are and where a pool header
/// keeps its fields (`struct pool_header`, Objects/obmalloc.c; Include/internal/pycore_obmalloc.h
/// from 3.12). Nothing here needs a symbol: a pool is found from any block in it (the block's
/// address rounded down to the pool size), which is what lets a stripped static build be read.
public struct PymallocLayout: Sendable, Equatable, CustomStringConvertible {
    /// `ALIGNMENT`: the spacing of the size classes (a class's block size is (szidx + 1) * ALIGNMENT).
    public var alignment: Int
    /// `SMALL_REQUEST_THRESHOLD`: larger requests go to malloc.
    public var smallRequestThreshold: Int
    /// `POOL_SIZE` and `ARENA_SIZE`.
    public var poolSize: Int
    public var arenaSize: Int

    public init(alignment: Int, smallRequestThreshold: Int = 512, poolSize: Int, arenaSize: Int) {
        self.alignment = alignment
        self.smallRequestThreshold = smallRequestThreshold
        self.poolSize = poolSize
        self.arenaSize = arenaSize
    }

    public var description: String { "\(poolSize >> 10) KiB pools, \(arenaSize >> 10) KiB arenas, \(alignment)-byte classes" }

    /// `struct pool_header`, the same in 2.7 - 3.15: `ref.count` (uint in a pointer-sized union),
    /// `freeblock`, `nextpool`, `prevpool`, then four uints.
    public static let headerSize = 48
    public static let countOffset = 0
    public static let freeblockOffset = 8
    public static let arenaIndexOffset = 32
    public static let sizeIndexOffset = 36
    public static let nextOffsetOffset = 40
    public static let maxNextOffsetOffset = 44

    /// `POOL_OVERHEAD`: the header rounded up to ALIGNMENT (48 for 8 and 16).
    public var poolOverhead: Int { (Self.headerSize + alignment - 1) / alignment * alignment }
    /// `NB_SMALL_SIZE_CLASSES`.
    public var sizeClasses: Int { smallRequestThreshold / alignment }
    public var poolsPerArena: Int { arenaSize / poolSize }

    /// `INDEX2SIZE(szidx)`.
    public func blockSize(ofClass index: Int) -> Int { (index + 1) * alignment }
    /// `NUMBLOCKS(szidx)`: blocks one pool of the class holds.
    public func blocksPerPool(ofClass index: Int) -> Int { (poolSize - poolOverhead) / blockSize(ofClass: index) }

    /// The geometries a series may have been built with, the usual first. A pool header read with
    /// the wrong one never validates (its `maxnextoffset` is `POOL_SIZE - block size`), so the
    /// reader keeps the one the target's pools confirm.
    public static func candidates(for layout: PythonLayout) -> [PymallocLayout] {
        let small = PymallocLayout(alignment: 16, poolSize: 4 << 10, arenaSize: 256 << 10)
        let small8 = PymallocLayout(alignment: 8, poolSize: 4 << 10, arenaSize: 256 << 10)
        // 3.10+: 16 KiB pools in 1 MiB arenas with the radix tree (USE_LARGE_POOLS, the 64-bit default);
        // a build configured --without-pymalloc-radix-tree keeps 4 KiB / 256 KiB.
        if layout.isAtLeast(3, 10) { return [PymallocLayout(alignment: 16, poolSize: 16 << 10, arenaSize: 1 << 20), small] }
        // 16-byte classes on 64-bit (bpo-27987, 3.8); pyenv's 2.7.18, 3.6.15 and 3.7.16 builds have them
        // too (their pool headers validate only so, and 3.6/3.7's sys._debugmallocstats() lists 32
        // classes of 16 bytes). Older patch releases keep 2.7's original 8-byte classes (64 of them).
        return [small, small8]
    }
}
