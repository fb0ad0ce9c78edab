import LinuxTarget
import Testing

@Suite struct ELFFileTests {
    @Test(.enabled(if: Fixtures.exists(Fixtures.libpython312),
                   "needs pyenv's 3.12.1 (libpython3.12.so.1.0 under $PYENV_ROOT or ~/.pyenv)"))
    func sharedLibpython() throws {
        let elf = try ELFFile(path: Fixtures.libpython312)
        #expect(elf.isSharedType && !elf.isExecutableType)
        #expect(elf.hasSymbolTable && elf.hasDynamicSymbolTable)
        #expect(elf.loadSegments.count == 4)
        #expect(elf.loadSegments.first?.fileOffset == 0)

        let dynamic = elf.lookup(["_PyRuntime", "Py_Version", "no_such_symbol_xyz"], tables: [.dynamic])
        #expect(dynamic.count == 2)
        #expect(dynamic["_PyRuntime"]?.size == 459_944)
        #expect(dynamic["_PyRuntime"]?.value == 0x643340)
        #expect(dynamic["Py_Version"]?.size == 8)
        #expect(dynamic["Py_Version"]?.table == .dynamic)
        #expect(elf.section(named: ".PyRuntime")?.address == dynamic["_PyRuntime"]?.value)

        // Found in .symtab only: a static function is never exported.
        let full = elf.lookup(["_PyRuntime", "gc_collect_main"])
        #expect(full["_PyRuntime"]?.table == .dynamic)
        #expect(full["gc_collect_main"]?.table == .full)
        #expect(elf.symbol(named: "definitely_not_here") == nil)
    }

    @Test(.enabled(if: Fixtures.exists(Fixtures.debianPython311), "needs Debian's /usr/bin/python3.11"))
    func strippedStaticExecutable() throws {
        let elf = try ELFFile(path: Fixtures.debianPython311)
        #expect(elf.isExecutableType)
        #expect(!elf.hasSymbolTable)
        let symbols = elf.lookup(["_PyRuntime", "Py_Version"])
        #expect(symbols["_PyRuntime"]?.value == 0xa5b740)
        #expect(symbols["_PyRuntime"]?.size == 166_688)
        #expect(symbols["_PyRuntime"]?.table == .dynamic)
        #expect(symbols["Py_Version"]?.size == 8)
        #expect(elf.section(named: ".PyRuntime")?.address == 0xa5b740)
        #expect(LoadBias.compute(for: elf, mappings: []) == 0)
    }

    @Test func notAnELFFile() {
        #expect(throws: ELFError.notELF(path: "/proc/self/status")) { try ELFFile(path: "/proc/self/status") }
        #expect(throws: ELFError.cannotOpen(path: "/nonexistent/file", errno: 2)) { try ELFFile(path: "/nonexistent/file") }
    }
}
