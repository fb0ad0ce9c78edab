import RemoteMemory

/// Thread stacks: anonymous read-write mappings right after a `---p` guard mapping, and `[stack]`.
/// Python objects never live there (frames of 3.11+ live in separately allocated chunks), so `attach`
/// does not copy them for the analysis. (C locals are there, among them 3.11–3.12's `_PyCFrame` and the
/// 3.12+ entry frames: without them the thread-stack reader finds each thread's own frames through its
/// data stack; see PyHeapReader's ThreadStack.)
public struct ThreadStackRegions {
    private var starts: Set<UInt64> = []

    public init(_ maps: [MapsEntry]) {
        for (previous, entry) in zip(maps, maps.dropFirst()) where entry.path.isEmpty || entry.path == "[stack]" {
            let guarded = !previous.readable && !previous.writable && previous.end == entry.start
            if entry.path == "[stack]" || (guarded && entry.writable) { starts.insert(entry.start) }
        }
        if let first = maps.first, first.path == "[stack]" { starts.insert(first.start) }
    }

    public func contains(_ region: MemoryRegion) -> Bool { starts.contains(region.start) || region.path == "[stack]" }
}
