/// Where the objects pyinspect found live, and how much of the target's anonymous resident memory
/// (`RssAnon`) that explains: the pymalloc arenas holding them (every pool carved in those arenas,
/// read from its header), the malloc blocks of the objects too large for pymalloc, and the rest,
/// which pyinspect does not see (C allocations, malloc's free space, thread stacks).
public struct MemoryBreakdown: Sendable, Equatable {
    /// One pymalloc size class, over the pools in use of the arenas found.
    public struct SizeClass: Sendable, Equatable {
        public var blockSize: Int
        /// Pools of the class with at least one block in use, and their blocks in use (`ref.count`).
        public var pools: Int
        public var blocks: Int
        /// Of those blocks, the ones that hold an object pyinspect found.
        public var foundBlocks: Int

        public init(blockSize: Int, pools: Int, blocks: Int, foundBlocks: Int) {
            self.blockSize = blockSize
            self.pools = pools
            self.blocks = blocks
            self.foundBlocks = foundBlocks
        }
    }

    /// The geometry the pools confirmed (nil: no pool validated — PYTHONMALLOC=malloc, a debug
    /// allocator, or no object in a pool).
    public var poolSize: Int?
    public var arenaSize: Int?
    /// Arenas holding a found object, and every pool carved in them: in use, and empty (kept for reuse).
    public var arenas = 0, pools = 0, emptyPools = 0
    /// In the pools in use: blocks in use (objects found, and what else pymalloc handed out: list
    /// and dict tables, unfound objects), free blocks, and headers with the tail no block fits.
    public var usedBytes = 0, foundBytes = 0, freeBytes = 0, overheadBytes = 0
    public var sizeClasses: [SizeClass] = []
    /// Allocations found in pools: objects, and list item arrays.
    public var poolObjects = 0
    /// Found allocations outside pymalloc: malloc chunks (their size from glibc's chunk header).
    public var mallocBlocks = 0, mallocBytes = 0
    /// Objects in the interpreter's own files' mappings (static types and singletons), not heap memory.
    public var staticObjects = 0
    /// Found objects in anonymous memory that neither a pool nor a malloc chunk header confirms, and
    /// their sizes (counted as seen, not as unexplained).
    public var otherObjects = 0, otherBytes = 0
    /// `RssAnon` when it was read (nil: not read).
    public var residentAnonymousBytes: Int?

    public init() {}

    /// Every carved pool of the arenas found, whole (what pymalloc holds of the address space).
    public var poolBytes: Int { pools * (poolSize ?? 0) }
    public var emptyPoolBytes: Int { emptyPools * (poolSize ?? 0) }

    /// `RssAnon` minus what the found arenas' pools, malloc blocks and other objects account for;
    /// negative when those exceed it (pool pages never touched are not resident).
    public var unexplainedBytes: Int? {
        residentAnonymousBytes.map { $0 - poolBytes - mallocBytes - otherBytes }
    }
}
