import Foundation
import LinuxTarget
import RemoteMemory
import Testing

@Suite struct ProcMapsTests {
    static let sample = """
    55d0c8a00000-55d0c8a02000 r--p 00000000 fe:00 254163                     /usr/bin/python3.12
    7f1c2b400000-7f1c2b5a1000 r-xp 00106000 08:01 1311      /opt/my apps/lib/libpython3.12.so.1.0
    7f1c2b600000-7f1c2b601000 rw-s 00000000 00:05 42                         /dev/shm/old segment (deleted)
    7f1c2b700000-7f1c2b721000 rw-p 00000000 00:00 0 
    7f1c2b800000-7f1c2b821000 rw-p 00000000 00:00 0                          [heap]
    this is not a maps line
    7f1c2b900000-7f1c2b90 r--p 00000000 00:00 0
    7f1c2ba00000-7f1c2ba01000 rwzp 00000000 00:00 0
    7ffd1c1fe000-7ffd1c202000 r--p 00000000 00:00 0                          [vvar]
    7ffd1c202000-7ffd1c204000 r-xp 00000000 00:00 0                          [vdso]
    ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]

    """

    @Test func parsesExactFields() {
        let entries = ProcMaps.parse(Self.sample)
        #expect(entries.count == 8)
        #expect(entries[0] == MapsEntry(start: 0x55d0_c8a0_0000, end: 0x55d0_c8a0_2000, readable: true, writable: false,
                                        executable: false, shared: false, offset: 0, device: "fe:00", inode: 254_163,
                                        path: "/usr/bin/python3.12", deleted: false))
        #expect(entries[1] == MapsEntry(start: 0x7f1c_2b40_0000, end: 0x7f1c_2b5a_1000, readable: true, writable: false,
                                        executable: true, shared: false, offset: 0x106000, device: "08:01", inode: 1311,
                                        path: "/opt/my apps/lib/libpython3.12.so.1.0", deleted: false))
        #expect(entries[1].basename == "libpython3.12.so.1.0")
        #expect(entries[2] == MapsEntry(start: 0x7f1c_2b60_0000, end: 0x7f1c_2b60_1000, readable: true, writable: true,
                                        executable: false, shared: true, offset: 0, device: "00:05", inode: 42,
                                        path: "/dev/shm/old segment", deleted: true))
        #expect(entries[3] == MapsEntry(start: 0x7f1c_2b70_0000, end: 0x7f1c_2b72_1000, readable: true, writable: true,
                                        executable: false, shared: false, offset: 0, device: "00:00", inode: 0,
                                        path: "", deleted: false))
        #expect(!entries[3].isFile && !entries[3].isPseudo)
        #expect(entries[4].path == "[heap]" && entries[4].isPseudo)
        #expect(entries[5].path == "[vvar]")
        #expect(entries[6].path == "[vdso]")
        #expect(entries[7].start == 0xffff_ffff_ff60_0000 && !entries[7].readable && entries[7].executable)
    }

    @Test func regionsAreReadableAndSkipKernelPages() {
        let regions = ProcMaps.regions(ProcMaps.parse(Self.sample))
        #expect(regions.map(\.start) == [0x55d0_c8a0_0000, 0x7f1c_2b40_0000, 0x7f1c_2b60_0000, 0x7f1c_2b70_0000, 0x7f1c_2b80_0000])
        #expect(regions[0] == MemoryRegion(start: 0x55d0_c8a0_0000, end: 0x55d0_c8a0_2000, readable: true, writable: false,
                                           path: "/usr/bin/python3.12"))
        #expect(regions[4].path == "[heap]" && regions[4].writable)
    }

    @Test func emptyAndGarbageInput() {
        #expect(ProcMaps.parse("").isEmpty)
        #expect(ProcMaps.parse("\n\n-\n0-1 rwxp\n").isEmpty)
    }

    @Test func readsOwnMaps() throws {
        let entries = try ProcMaps.read(pid: getpid())
        #expect(entries.count > 5)
        #expect(entries.contains { $0.path == "[stack]" })
        // The code of this very test is mapped executable.
        let here = UInt64(UInt(bitPattern: unsafeBitCast(ProcMapsTests.addressProbe as @convention(c) () -> Void, to: UnsafeRawPointer.self)))
        #expect(entries.contains { $0.executable && $0.start <= here && here < $0.end })
    }

    static let addressProbe: @convention(c) () -> Void = {}

    @Test func missingProcess() {
        #expect(throws: TargetError.noSuchProcess(pid: Fixtures.impossiblePid)) {
            try ProcMaps.read(pid: Fixtures.impossiblePid)
        }
    }
}

@Suite struct LoadBiasTests {
    static let segments = [
        ELFLoadSegment(virtualAddress: 0, fileOffset: 0, fileSize: 0x105130, memorySize: 0x105130, flags: 4, alignment: 0x1000),
        ELFLoadSegment(virtualAddress: 0x106000, fileOffset: 0x106000, fileSize: 0x272ec9, memorySize: 0x272ec9, flags: 5, alignment: 0x1000),
    ]

    static func mapping(_ start: UInt64, offset: UInt64) -> MapsEntry {
        MapsEntry(start: start, end: start + 0x1000, readable: true, writable: false, executable: false, shared: false,
                  offset: offset, device: "fe:00", inode: 7, path: "/lib/libpython3.12.so.1.0")
    }

    @Test func sharedObjectBias() {
        let maps = [Self.mapping(0x7f00_0010_6000, offset: 0x106000), Self.mapping(0x7f00_0000_0000, offset: 0)]
        #expect(LoadBias.compute(elfType: 3, loadSegments: Self.segments, mappings: maps) == 0x7f00_0000_0000)
    }

    @Test func firstSegmentNotAtZero() {
        // A PIE whose first PT_LOAD is at vaddr 0x400 in page 0x0 and file offset 0x400.
        let segments = [ELFLoadSegment(virtualAddress: 0x1400, fileOffset: 0x400, fileSize: 1, memorySize: 1, flags: 4, alignment: 0x1000)]
        let maps = [Self.mapping(0x5555_0000_1000, offset: 0)]
        #expect(LoadBias.compute(elfType: 3, loadSegments: segments, mappings: maps, pageSize: 0x1000) == 0x5555_0000_0000)
    }

    @Test func executableHasNoBias() {
        #expect(LoadBias.compute(elfType: 2, loadSegments: Self.segments, mappings: []) == 0)
    }

    @Test func unmappedFileHasNoBias() {
        #expect(LoadBias.compute(elfType: 3, loadSegments: Self.segments, mappings: [Self.mapping(0x7000, offset: 0x106000)]) == nil)
    }
}
