import RemoteMemory
import Testing
import TraverseEmulation

/// The emulator on hand-assembled x86-64 traverse functions (Tests/TraverseEmulationTests/traverse.s
/// is their source), over an in-memory image laid out like a target's: code in an executable
/// mapping, objects in a writable one. The real interpreters' own tp_traverse code is exercised by
/// the integration tests.
@Suite("TraverseEmulator: tp_traverse run in an emulator")
struct TraverseEmulatorTests {
    static let code: [UInt8] = [0x53, 0x41, 0x54, 0x41, 0x55, 0x48, 0x89, 0xfb, 0x49, 0x89, 0xf4, 0x49, 0x89, 0xd5, 0x48, 0x8b, 0x7b, 0x10, 0x48, 0x85, 0xff, 0x74, 0x0a, 0x4c, 0x89, 0xee, 0x41, 0xff, 0xd4, 0x85, 0xc0, 0x75, 0x13, 0x48, 0x8b, 0x7b, 0x18, 0x48, 0x85, 0xff, 0x74, 0x08, 0x4c, 0x89, 0xee, 0x41, 0xff, 0xd4, 0xeb, 0x02, 0x31, 0xc0, 0x41, 0x5d, 0x41, 0x5c, 0x5b, 0xc3, 0x53, 0x48, 0x89, 0xf3, 0x48, 0x8b, 0x47, 0x10, 0x48, 0x83, 0xc0, 0x01, 0x48, 0x89, 0x47, 0x10, 0x48, 0x89, 0xc7, 0x48, 0x89, 0xd6, 0xff, 0xd3, 0x5b, 0xc3, 0xeb, 0xfe, 0xb8, 0x27, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xc3, 0x48, 0x83, 0xec, 0x18, 0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00, 0x48, 0x89, 0x44, 0x24, 0x08, 0x48, 0x8b, 0x7f, 0x10, 0xff, 0xd6, 0x48, 0x8b, 0x54, 0x24, 0x08, 0x64, 0x48, 0x33, 0x14, 0x25, 0x28, 0x00, 0x00, 0x00, 0x75, 0x05, 0x48, 0x83, 0xc4, 0x18, 0xc3, 0x0f, 0x0b]
    static let codeBase: UInt64 = 0x5555_0000_0000
    static let two = codeBase, writer = codeBase + 0x3a, spin = codeBase + 0x54, syscall = codeBase + 0x56
    static let canary = codeBase + 0x5e
    /// `callnative` (calls strlen at +0x200, which is a ud2, and visits its result) at +0x100.
    static let callNative = codeBase + 0x100, strlen = codeBase + 0x200
    static let callNativeCode: [UInt8] = [0x53, 0x48, 0x89, 0xf3, 0x48, 0x8b, 0x7f, 0x10, 0x48, 0xb8, 0x00, 0x02, 0x00, 0x00, 0x55,
                                          0x55, 0x00, 0x00, 0xff, 0xd0, 0x48, 0x89, 0xc7, 0xff, 0xd3, 0x5b, 0xc3]
    static var image: [UInt8] {
        var bytes = code + [UInt8](repeating: 0xcc, count: 0x100 - code.count) + callNativeCode
        bytes += [UInt8](repeating: 0xcc, count: 0x200 - bytes.count) + [0x0f, 0x0b]  // ud2: as if it were AVX code
        return bytes
    }
    static let heap: UInt64 = 0x7f00_0000_0000

    /// An image with the code and one object at `heap` whose words +16 and +24 are given.
    func emulator(field16: UInt64, field24: UInt64, threadPointer: UInt64? = nil,
                  limits: TraverseEmulator.Limits = .init()) throws -> TraverseEmulator {
        let image = MemoryImage()
        image.map(at: Self.codeBase, size: 4096, bytes: Self.image)
        image.map(at: Self.heap, size: 8192)
        image.store(field16, at: Self.heap + 16)
        image.store(field24, at: Self.heap + 24)
        image.storeBytes(Array("hello, world".utf8) + [0], at: Self.heap + 0x100)
        image.storeBytes(Array("abc".utf8), at: Self.heap + 8192 - 3)  // no NUL before the mapping ends
        let regions = [MemoryRegion(start: Self.codeBase, end: Self.codeBase + 4096, writable: false, executable: true),
                       MemoryRegion(start: Self.heap, end: Self.heap + 8192)]
        let memory = CachedMemory(base: image, regions: regions)
        let scratch = try #require(TraverseEmulator.scratchAddress(regions: memory.regions))
        return try #require(TraverseEmulator(memory: memory, scratch: scratch, threadPointer: threadPointer, limits: limits))
    }

    func referents(_ emulator: TraverseEmulator, _ function: UInt64) -> Result<[UInt64], TraverseEmulator.Failure> {
        emulator.traverse(function: function, object: Self.heap) { Array($0) }
    }

    @Test("visit gets each non-NULL field, in order, and the call returns 0")
    func visitsFields() throws {
        let e = try emulator(field16: 0x7f00_0000_1000, field24: 0x7f00_0000_1040)
        #expect(try referents(e, Self.two).get() == [0x7f00_0000_1000, 0x7f00_0000_1040])
        let none = try emulator(field16: 0, field24: 0)
        #expect(try referents(none, Self.two).get() == [])
        #expect(e.calls == 1)
    }

    @Test("a write lands in a private page and is undone after the call")
    func writesAreUndone() throws {
        let e = try emulator(field16: 41, field24: 0)
        #expect(try referents(e, Self.writer).get() == [42])
        #expect(try referents(e, Self.writer).get() == [42])
    }

    @Test("a loop runs out of its budget; a system call traps; an unmapped read faults")
    func boundedFailures() throws {
        var limits = TraverseEmulator.Limits()
        limits.blocksPerCall = 10_000
        let e = try emulator(field16: 0, field24: 0, limits: limits)
        #expect(referents(e, Self.spin) == .failure(.budget))
        #expect(referents(e, Self.syscall) == .failure(.trap(pc: Self.syscall + 5)))
        // Jumping into memory the target does not map.
        #expect(referents(e, 0x6666_0000_0000) == .failure(.fault(address: 0x6666_0000_0000)))
        // The engine is still good afterwards.
        let ok = try emulator(field16: 7, field24: 0)
        #expect(try referents(ok, Self.two).get() == [7])
    }

    @Test("a NULL field read through a wild pointer faults instead of guessing")
    func wildPointer() throws {
        let e = try emulator(field16: 0, field24: 0)
        #expect(referents(e, Self.two) == .success([]))
        let wild = try emulator(field16: 0, field24: 0)
        let result = wild.traverse(function: Self.two, object: 0x1234_5678) { Array($0) }
        #expect(result == .failure(.fault(address: 0x1234_5678 + 16)))
    }

    @Test("stack-protector code works with the private thread block and with the target's")
    func threadPointer() throws {
        let e = try emulator(field16: 5, field24: 0)
        #expect(try referents(e, Self.canary).get() == [5])
        // A thread pointer inside the object page: fs:0x28 reads the image's word there.
        let real = try emulator(field16: 5, field24: 0, threadPointer: Self.heap + 0x800)
        #expect(try referents(real, Self.canary).get() == [5])
    }

    @Test("a C library string function it cannot run (AVX) is run natively once registered")
    func nativeStringFunction() throws {
        let e = try emulator(field16: Self.heap + 0x100, field24: 0)
        #expect(referents(e, Self.callNative) == .failure(.trap(pc: Self.strlen)))
        e.runNatively(["strlen": (Self.strlen, false)])
        #expect(try referents(e, Self.callNative).get() == [12])
        // A string running into memory the target does not have faults, it is not guessed.
        let unterminated = try emulator(field16: Self.heap + 8192 - 3, field24: 0)
        unterminated.runNatively(["strlen": (Self.strlen, false)])
        #expect(referents(unterminated, Self.callNative) == .failure(.fault(address: Self.heap + 8192)))
    }
}
