import Foundation
import LinuxTarget
import RemoteMemory
import Testing

@Suite struct ProcessMemoryTests {
    static func address(_ pointer: UnsafeRawPointer) -> UInt64 { UInt64(UInt(bitPattern: pointer)) }

    @Test func readsOwnBufferExactly() throws {
        let memory = ProcessMemory(pid: getpid())
        let source: [UInt8] = (0..<64).map { UInt8(($0 * 37 + 11) & 0xff) }
        try source.withUnsafeBytes { bytes in
            var copy = [UInt8](repeating: 0, count: 64)
            try copy.withUnsafeMutableBytes { try memory.read(Self.address(bytes.baseAddress!), into: $0) }
            #expect(copy == source)
            let word: UInt64 = try memory.load(at: Self.address(bytes.baseAddress!) + 8)
            #expect(word == bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
        #expect(memory.syscallCount == 2)
        #expect(memory.bytesRead == 72)
    }

    @Test func readsOneMebibyteInOneCall() throws {
        let size = 1 << 20
        let source = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { source.deallocate() }
        for i in 0..<size { source[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { copy.deallocate() }
        let memory = ProcessMemory(pid: getpid())
        try memory.read(Self.address(source.baseAddress!), into: copy)
        #expect(memcmp(source.baseAddress!, copy.baseAddress!, size) == 0)
        #expect(memory.syscallCount == 1)
    }

    @Test func readManyMixesGoodAndBad() throws {
        let memory = ProcessMemory(pid: getpid())
        let a: [UInt64] = [0x1111_2222_3333_4444, 0x5555]
        let b: [UInt64] = [0xdead_beef, 0xcafe_babe]
        var outA = [UInt64](repeating: 0, count: 2), outBad = [UInt64](repeating: 0, count: 2), outB = [UInt64](repeating: 0, count: 2)
        let results = try a.withUnsafeBytes { aBytes in
            try b.withUnsafeBytes { bBytes in
                try outA.withUnsafeMutableBytes { oa in
                    try outBad.withUnsafeMutableBytes { ob in
                        try outB.withUnsafeMutableBytes { obb in
                            try memory.readMany([
                                ReadRequest(address: Self.address(aBytes.baseAddress!), destination: oa),
                                ReadRequest(address: 0x10, destination: ob),
                                ReadRequest(address: Self.address(bBytes.baseAddress!), destination: obb),
                            ])
                        }
                    }
                }
            }
        }
        #expect(results == [true, false, true])
        #expect(outA == a)
        #expect(outB == b)
        // One call read `a` and stopped at 0x10; a second call read `b`.
        #expect(memory.syscallCount == 2)
    }

    @Test func readManyBatchesAcrossTheIovLimit() throws {
        let count = 3000
        let bad: Set<Int> = [5, 1500]
        let source: [UInt64] = (0..<count).map { UInt64($0) &* 0x9e37_79b9_7f4a_7c15 }
        var out = [UInt64](repeating: 0, count: count)
        let memory = ProcessMemory(pid: getpid())
        let results = try source.withUnsafeBytes { src in
            try out.withUnsafeMutableBytes { dst in
                let requests = (0..<count).map { i in
                    ReadRequest(address: bad.contains(i) ? 0x10 + UInt64(i) : Self.address(src.baseAddress! + i * 8),
                                destination: UnsafeMutableRawBufferPointer(rebasing: dst[(i * 8)..<(i * 8 + 8)]))
                }
                return try memory.readMany(requests)
            }
        }
        #expect(results == (0..<count).map { !bad.contains($0) })
        for i in 0..<count where !bad.contains(i) { #expect(out[i] == source[i]) }
        // [0...1023] stops at 5; [6...1029]; [1030...2053] stops at 1500; [1501...2524]; [2525...2999].
        #expect(memory.syscallCount == 5)
    }

    @Test func readManyWithEmptyRequestsAndEmptyList() throws {
        let memory = ProcessMemory(pid: getpid())
        #expect(try memory.readMany([]) == [])
        var value: UInt64 = 7
        var out: UInt64 = 0
        let results = try withUnsafeBytes(of: &value) { v in
            try withUnsafeMutableBytes(of: &out) { o in
                try memory.readMany([
                    ReadRequest(address: 0x10, destination: UnsafeMutableRawBufferPointer(rebasing: o[0..<0])),
                    ReadRequest(address: Self.address(v.baseAddress!), destination: o),
                ])
            }
        }
        #expect(results == [true, true])
        #expect(out == 7)
    }

    @Test func unmappedAddressThrows() {
        let memory = ProcessMemory(pid: getpid())
        var out: UInt64 = 0
        #expect(throws: MemoryError.unmapped(address: 0x10, count: 8)) {
            try withUnsafeMutableBytes(of: &out) { try memory.read(0x10, into: $0) }
        }
    }

    @Test func readRunningOffTheEndOfAMappingThrows() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let base = mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        #expect(base != MAP_FAILED)
        defer { munmap(base, 2 * page) }
        // Inaccessible rather than unmapped: nothing else in this process (tests run in parallel)
        // can map a page there meanwhile.
        mprotect(base + page, page, PROT_NONE)
        base.storeBytes(of: 0xabcd_ef01_2345_6789 as UInt64, toByteOffset: page - 8, as: UInt64.self)
        let memory = ProcessMemory(pid: getpid())
        let straddling = Self.address(base + page - 8)
        var out = [UInt64](repeating: 0, count: 2)
        #expect(throws: MemoryError.unmapped(address: straddling, count: 16)) {
            try out.withUnsafeMutableBytes { try memory.read(straddling, into: $0) }
        }
        let last: UInt64 = try memory.load(at: straddling)
        #expect(last == 0xabcd_ef01_2345_6789)
        let results = try out.withUnsafeMutableBytes { o in
            try memory.readMany([
                ReadRequest(address: straddling, destination: o),
                ReadRequest(address: straddling, destination: UnsafeMutableRawBufferPointer(rebasing: o[0..<8])),
            ])
        }
        #expect(results == [false, true])
        #expect(out[0] == 0xabcd_ef01_2345_6789)
    }

    @Test func missingProcessIsGone() {
        let memory = ProcessMemory(pid: Fixtures.impossiblePid)
        var out: UInt64 = 0
        #expect(throws: MemoryError.processGone) {
            try withUnsafeMutableBytes(of: &out) { try memory.read(0x1000, into: $0) }
        }
        #expect(throws: MemoryError.processGone) {
            try withUnsafeMutableBytes(of: &out) { try memory.readMany([ReadRequest(address: 0x1000, destination: $0)]) }
        }
    }
}
