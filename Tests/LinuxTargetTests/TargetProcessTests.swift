import Foundation
import LinuxTarget
import RemoteMemory
import Testing

@Suite struct TargetProcessTests {
    static let sleeper = "import sys,time; print('ready', flush=True); time.sleep(30)"

    @Test(.enabled(if: Fixtures.exists(Fixtures.python312) && Fixtures.exists(Fixtures.libpython312),
                   "needs pyenv's 3.12.1 (bin/python3.12 and lib/libpython3.12.so.1.0 under $PYENV_ROOT or ~/.pyenv)"))
    func sharedLibpythonProcess() throws {
        let python = try SpawnedPython(python: Fixtures.python312, script: Self.sleeper)
        defer { python.stop() }
        #expect(python.firstLine == "ready")

        let image = try TargetProcess.open(pid: python.pid)
        #expect(image.pid == python.pid)
        #expect(image.executable.hasSuffix("/bin/python3.12"))
        #expect(image.pythonLibrary?.hasSuffix("/lib/libpython3.12.so.1.0") == true)
        #expect(image.interpreterFile == image.pythonLibrary)
        #expect(image.hasSymbolTable)

        let runtime = try #require(image.symbols["_PyRuntime"])
        #expect(runtime.size == 459_944)
        #expect(runtime.file == image.pythonLibrary)
        #expect(image.sections[".PyRuntime"] == runtime.address)
        let table = RegionTable(image.regions)
        let region = try #require(table.region(containing: runtime.address))
        #expect(region.contains(runtime.address, count: 64))
        #expect(region.writable)
        for name in ["_PyRuntime", "Py_Version", "PyList_Type", "PyType_Type", "PyUnicode_Type"] {
            #expect(image.symbols[name] != nil, "\(name) not resolved")
        }
        // A file-local static of getversion.c, found in .symtab only.
        let buffer = try #require(image.symbols["version"])
        #expect(buffer.size == 250)

        let memory = ProcessMemory(pid: python.pid)
        _ = try memory.bytes(at: runtime.address, count: 64)
        let version = try #require(image.symbols["Py_Version"])
        #expect(version.size == 8)
        let hex: UInt64 = try memory.load(at: version.address)
        #expect(hex == 0x030c_01f0)
        let versionText = try memory.cString(at: buffer.address)
        #expect(versionText.hasPrefix("3.12.1 ("))
        // PyType_Type's ob_type points at itself.
        let typeType = try #require(image.symbols["PyType_Type"])
        let typeOfType = try memory.pointer(at: typeType.address + 8)
        #expect(typeOfType == typeType.address)

        #expect(!image.regions.contains { $0.path == "[vvar]" || $0.path == "[vdso]" || $0.path == "[vsyscall]" })
        #expect(image.regions.allSatisfy { $0.readable })
    }

    @Test(.enabled(if: Fixtures.exists(Fixtures.debianPython311), "needs Debian's /usr/bin/python3.11"))
    func staticExecutableProcess() throws {
        let python = try SpawnedPython(python: Fixtures.debianPython311, script: Self.sleeper)
        defer { python.stop() }
        let image = try TargetProcess.open(pid: python.pid)
        #expect(image.pythonLibrary == nil)
        #expect(image.executable == Fixtures.debianPython311)
        #expect(!image.hasSymbolTable)
        #expect(image.symbols["_PyRuntime"]?.address == 0xa5b740)
        #expect(image.sections[".PyRuntime"] == 0xa5b740)
        let version = try #require(image.symbols["Py_Version"])
        let hex: UInt64 = try ProcessMemory(pid: python.pid).load(at: version.address)
        #expect(hex == 0x030b_02f0)
    }

    @Test func nonPythonProcessIsStillDescribed() throws {
        let sleep = Process()
        sleep.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleep.arguments = ["30"]
        try sleep.run()
        defer {
            kill(sleep.processIdentifier, SIGKILL)
            sleep.waitUntilExit()
        }
        // Wait for the exec to finish: until then the maps are the spawning test binary's.
        let maps = "/proc/\(sleep.processIdentifier)/maps"
        for _ in 0..<200 {
            if let text = try? String(contentsOfFile: maps, encoding: .utf8), text.contains("/sleep") { break }
            usleep(10_000)
        }
        let image = try TargetProcess.open(pid: sleep.processIdentifier)
        // No libpython and no _PyRuntime: not an error here, the heap reader decides.
        #expect(image.pythonLibrary == nil)
        #expect(image.symbols["_PyRuntime"] == nil)
        #expect(image.symbols["Py_Version"] == nil)
        #expect(!image.regions.isEmpty)
    }

    @Test func missingProcess() {
        #expect(throws: TargetError.noSuchProcess(pid: Fixtures.impossiblePid)) {
            try TargetProcess.open(pid: Fixtures.impossiblePid)
        }
        #expect(throws: TargetError.noSuchProcess(pid: 0)) { try TargetProcess.open(pid: 0) }
    }

    /// The advice fits who asks: sudo only to a user who is not root and lacks CAP_SYS_PTRACE.
    @Test func permissionHintIsActionable() throws {
        let hint = TargetError.permissionHint()
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let capabilities = status.split(separator: "\n").first { $0.hasPrefix("CapEff:") }
            .flatMap { UInt64($0.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16) } ?? 0
        let capable = capabilities & (1 << 19) != 0
        let scope = (try? String(contentsOfFile: "/proc/sys/kernel/yama/ptrace_scope", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if scope == 3 {
            #expect(hint.contains("disabled until reboot"))
        } else if geteuid() != 0 && !capable {
            #expect(hint.contains("sudo"))
        } else if !capable {
            #expect(hint.contains("--cap-add=SYS_PTRACE") && !hint.contains("sudo"))
        } else {
            #expect(hint.contains("already runs with CAP_SYS_PTRACE") && hint.contains("not dumpable") && !hint.contains("sudo"))
        }
        let error = TargetError.permissionDenied(pid: 42, detail: "cannot read /proc/42/maps", hint: hint)
        #expect(!error.description.contains("\n"))
    }
}
