import HeapModel

/// `top`'s memory breakdown (MemoryBreakdown): a few lines of text, and the JSON `memory` object.
enum MemoryRendering {
    static func lines(_ m: MemoryBreakdown) -> [String] {
        var out: [String] = []
        let anonymous = m.residentAnonymousBytes.map { "of \(byteSize($0)) anonymous resident" } ?? "anonymous resident not read"
        out.append("where the objects found live (\(anonymous)):")
        if let poolSize = m.poolSize {
            out.append("  " + padLeft(byteSize(m.poolBytes), 11) + "  in \(grouped(m.arenas)) pymalloc arenas, \(grouped(m.pools)) pools of \(byteSize(poolSize)): "
                       + "\(byteSize(m.foundBytes)) objects pyinspect found, \(byteSize(m.usedBytes - m.foundBytes)) other blocks in use (tables, unseen objects),")
            out.append("  " + String(repeating: " ", count: 13) + "\(byteSize(m.freeBytes)) free in the pools in use, \(byteSize(m.emptyPoolBytes)) in "
                       + "\(grouped(m.emptyPools)) empty pools, \(byteSize(m.overheadBytes)) pool headers")
        } else {
            out.append("  " + padLeft("-", 11) + "  no pymalloc pools (PYTHONMALLOC=malloc, a debug allocator, or no object in a pool)")
        }
        out.append("  " + padLeft(byteSize(m.mallocBytes), 11) + "  in \(grouped(m.mallocBlocks)) malloc blocks it found (objects and list item arrays outside pymalloc)")
        if m.otherObjects > 0 {
            out.append("  " + padLeft(byteSize(m.otherBytes), 11) + "  in \(grouped(m.otherObjects)) objects neither a pool nor a malloc header confirms")
        }
        if let unexplained = m.unexplainedBytes {
            out.append(unexplained >= 0
                ? "  " + padLeft(byteSize(unexplained), 11) + "  it does not see (C allocations, malloc's free space, thread stacks, other arenas)"
                : "  " + padLeft("none", 11) + "  it does not see: the pools found span \(byteSize(-unexplained)) more than is resident (pages never touched)")
        }
        return out
    }

    static func document(_ m: MemoryBreakdown) -> JSONValue {
        func optional(_ value: Int?) -> JSONValue { value.map { .int($0) } ?? .null }
        return .object([
            ("pool_size", optional(m.poolSize)),
            ("arena_size", optional(m.arenaSize)),
            ("arenas", .int(m.arenas)),
            ("pools", .int(m.pools)),
            ("empty_pools", .int(m.emptyPools)),
            ("pool_bytes", .int(m.poolBytes)),
            ("pool_used_bytes", .int(m.usedBytes)),
            ("pool_found_bytes", .int(m.foundBytes)),
            ("pool_free_bytes", .int(m.freeBytes)),
            ("empty_pool_bytes", .int(m.emptyPoolBytes)),
            ("pool_overhead_bytes", .int(m.overheadBytes)),
            ("pool_allocations", .int(m.poolObjects)),
            ("size_classes", .array(m.sizeClasses.map { c in
                .object([("block_size", .int(c.blockSize)), ("pools", .int(c.pools)), ("blocks", .int(c.blocks)),
                         ("found_blocks", .int(c.foundBlocks))])
            })),
            ("malloc_blocks", .int(m.mallocBlocks)),
            ("malloc_bytes", .int(m.mallocBytes)),
            ("static_objects", .int(m.staticObjects)),
            ("other_objects", .int(m.otherObjects)),
            ("other_bytes", .int(m.otherBytes)),
            ("resident_anonymous_bytes", optional(m.residentAnonymousBytes)),
            ("unexplained_bytes", optional(m.unexplainedBytes)),
        ])
    }
}
