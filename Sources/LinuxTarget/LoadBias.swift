#if canImport(Glibc)
import Glibc
#endif

/// Where the kernel/ld.so placed an ELF file relative to its link-time addresses.
public enum LoadBias {
    public static let pageSize: UInt64 = {
        let size = sysconf(Int32(_SC_PAGESIZE))
        return size > 0 ? UInt64(size) : 4096
    }()

    /// runtime address = bias + link-time address.
    ///
    /// The bias is (start of the mapping of this file whose file offset is the first PT_LOAD's
    /// offset, page-aligned) − (that segment's p_vaddr, page-aligned). 0 for ET_EXEC, which is
    /// loaded at its link-time addresses. nil when no mapping of the file matches.
    ///
    /// - Parameter mappings: the maps entries of this file only (same path or inode).
    public static func compute(elfType: UInt16, loadSegments: [ELFLoadSegment], mappings: [MapsEntry],
                               pageSize: UInt64 = LoadBias.pageSize) -> UInt64? {
        if elfType == UInt16(ET_EXEC) { return 0 }
        guard let first = loadSegments.first else { return nil }
        let mask = ~(pageSize - 1)
        let offset = first.fileOffset & mask
        guard let mapping = mappings.filter({ $0.offset == offset }).min(by: { $0.start < $1.start }) else {
            return nil
        }
        return mapping.start &- (first.virtualAddress & mask)
    }

    public static func compute(for file: ELFFile, mappings: [MapsEntry]) -> UInt64? {
        compute(elfType: file.type, loadSegments: file.loadSegments, mappings: mappings)
    }
}
