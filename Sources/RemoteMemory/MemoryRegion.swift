/// One mapping of the target's address space, as /proc/PID/maps or a core file describes it.
public struct MemoryRegion: Sendable, Equatable {
    public var start: UInt64
    public var end: UInt64
    public var readable: Bool
    public var writable: Bool
    /// Code: what the traverse emulator may run.
    public var executable: Bool
    /// The file backing it, or a pseudo name such as `[heap]`; empty for anonymous memory.
    public var path: String

    public init(start: UInt64, end: UInt64, readable: Bool = true, writable: Bool = true, executable: Bool = false,
                path: String = "") {
        self.start = start
        self.end = end
        self.readable = readable
        self.writable = writable
        self.executable = executable
        self.path = path
    }

    public var size: UInt64 { end &- start }

    public func contains(_ address: UInt64, count: Int = 1) -> Bool {
        address >= start && address < end && UInt64(count) <= end - address
    }
}

/// Regions sorted by start address, with a binary-search lookup.
public struct RegionTable: Sendable {
    public let regions: [MemoryRegion]

    public init(_ regions: [MemoryRegion]) {
        self.regions = regions.filter { $0.readable && $0.end > $0.start }.sorted { $0.start < $1.start }
    }

    /// Index of the readable region holding `address`, if any.
    public func index(of address: UInt64) -> Int? {
        var low = 0
        var high = regions.count - 1
        while low <= high {
            let mid = (low + high) >> 1
            let region = regions[mid]
            if address < region.start { high = mid - 1 } else if address >= region.end { low = mid + 1 } else { return mid }
        }
        return nil
    }

    public func region(containing address: UInt64) -> MemoryRegion? {
        index(of: address).map { regions[$0] }
    }
}
