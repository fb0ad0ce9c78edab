import CPythonLayouts
import PyHeapReader
import RemoteMemory
import Testing

@Suite struct VersionDetectorTests {
    func image(symbols: [String: ResolvedSymbol] = [:], library: String? = nil, executable: String = "/usr/bin/python3") -> TargetImage {
        TargetImage(pid: 0, executable: executable, pythonLibrary: library, hasSymbolTable: true, regions: [], symbols: symbols)
    }

    @Test func pyVersionSymbol() throws {
        let memory = MemoryImage()
        memory.map(at: 0x1000, size: 4096)
        memory.store(UInt64(0x030b_02f0), at: 0x1008)
        let symbol = ResolvedSymbol(name: "Py_Version", address: 0x1008, size: 8, file: "/usr/bin/python3.11")
        let found = try VersionDetector.detect(image: image(symbols: ["Py_Version": symbol]), memory: memory)
        #expect(found.version == PythonVersion(major: 3, minor: 11, micro: 2))
        #expect(found.source == "Py_Version in python3.11")
        #expect(found.display == "3.11.2")
    }

    @Test func getVersionBufferThenFileNames() throws {
        let memory = MemoryImage()
        memory.map(at: 0x1000, size: 4096)
        memory.storeBytes(Array("3.9.18 (main, Nov 20 2026, 10:00:00) \n[GCC 12.2.0]".utf8) + [0], at: 0x1100)
        let symbol = ResolvedSymbol(name: "version.0", address: 0x1100, size: 250, file: "/x/libpython3.9.so.1.0")
        let fromBuffer = try VersionDetector.detect(image: image(symbols: ["version.0": symbol], library: "/x/libpython3.9.so.1.0"),
                                                    memory: memory)
        #expect(fromBuffer.display == "3.9.18")
        #expect(fromBuffer.source == "Py_GetVersion() buffer in libpython3.9.so.1.0")
        // A buffer that disagrees with the file name is not trusted.
        let mismatched = try VersionDetector.detect(image: image(symbols: ["version.0": symbol], library: "/x/libpython3.10.so.1.0"),
                                                    memory: memory)
        #expect(mismatched.display == "3.10")

        let fromLibrary = try VersionDetector.detect(image: image(library: "/x/libpython3.10.so.1.0"), memory: memory)
        #expect(fromLibrary.display == "3.10")
        #expect(fromLibrary.microKnown == false)
        #expect(fromLibrary.source == "file name libpython3.10.so.1.0")

        let threaded = try VersionDetector.detect(image: image(library: "/x/libpython3.13t.so.1.0"), memory: memory)
        #expect(threaded.freeThreaded)

        let fromExecutable = try VersionDetector.detect(image: image(executable: "/opt/bin/python3.8"), memory: memory)
        #expect(fromExecutable.display == "3.8")
        #expect(fromExecutable.source == "executable name python3.8")
    }

    @Test func notPython() {
        #expect(throws: ReaderError.self) {
            try VersionDetector.detect(image: image(executable: "/usr/bin/sleep"), memory: MemoryImage())
        }
    }

    /// A series without a layout is refused by name: an old one (3.5) and one no build has yet (3.30).
    @Test(arguments: [(UInt64(0x0305_0af0), "3.5.10"), (UInt64(0x031e_00f0), "3.30.0")])
    func unsupportedVersionIsNamed(hex: UInt64, version: String) throws {
        let memory = MemoryImage()
        memory.map(at: 0x1000, size: 4096)
        memory.store(hex, at: 0x1000)
        let symbols = ["Py_Version": ResolvedSymbol(name: "Py_Version", address: 0x1000, size: 8, file: "python3"),
                       "_PyRuntime": ResolvedSymbol(name: "_PyRuntime", address: 0x1800, size: 8, file: "python3")]
        do {
            _ = try HeapReader.prepare(image: image(symbols: symbols), memory: memory)
            Issue.record("\(version) was accepted")
        } catch {
            #expect("\(error)" == "Python \(version) is not supported (supported: \(LayoutRegistry.supportedSeries.joined(separator: ", ")))")
        }
    }

    @Test func versionDecoding() {
        #expect(PythonVersion(hex: 0x030d_00f0)?.description == "3.13.0")
        #expect(PythonVersion(hex: 0x030d_00c2)?.description == "3.13.0rc2")
        #expect(PythonVersion(hex: 0x0000_0000) == nil)
        #expect(PythonVersion(hex: 0xdead_beef_030c_01f0) == nil)
        #expect(PythonVersion(string: "3.12.1")?.hex == 0x030c_01f0)
        #expect(PythonVersion(string: "3.14.0b3")?.hex == 0x030e_00b3)
        #expect(PythonVersion(string: "three") == nil)
    }
}
