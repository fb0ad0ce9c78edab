#if canImport(Glibc)
import Glibc
#endif
import RemoteMemory
import SystemPackage

/// Describes a live process as a `TargetImage`: its mappings, which files hold the interpreter, and
/// where the wanted symbols and sections are in its address space. Reads /proc and ELF files only;
/// it neither attaches to nor pauses the process.
public struct TargetProcess {
    /// Opens `pid` and resolves `TargetImage.wantedSymbols` and `TargetImage.wantedSections`.
    ///
    /// It does not decide whether the process runs Python: when no file defines `_PyRuntime` or
    /// `Py_Version`, the image simply lacks those symbols and the heap reader says so.
    public static func open(pid: Int32) throws(TargetError) -> TargetImage {
        try open(pid: pid, symbols: TargetImage.wantedSymbols, sections: TargetImage.wantedSections)
    }

    public static func open(pid: Int32, symbols wantedSymbols: [String],
                            sections wantedSections: [String]) throws(TargetError) -> TargetImage {
        guard let status = ProcessStatus.read(pid) else { throw .noSuchProcess(pid: pid) }
        if let reason = status.unreadableReason { throw reason }

        let executable = try executablePath(pid: pid)
        let maps = try ProcMaps.read(pid: pid)
        guard !maps.isEmpty else {
            // Kernel threads and zombies were turned away above: no mappings means it is exiting.
            if let reason = ProcessStatus.read(pid)?.unreadableReason { throw reason }
            throw .processGone(pid: pid)
        }

        let libraryEntry = maps.first { $0.isFile && $0.basename.hasPrefix("libpython") }
        let pythonLibrary = libraryEntry?.path

        var failures: [String] = []
        let executableFile = LoadedFile.open(pid: pid, path: executable, maps: maps, isExecutable: true,
                                             failures: &failures)
        let libraryFile = pythonLibrary.flatMap {
            LoadedFile.open(pid: pid, path: $0, maps: maps, isExecutable: false, failures: &failures)
        }
        let interpreter = pythonLibrary == nil ? executableFile : libraryFile
        if interpreter == nil {
            let file = pythonLibrary ?? executable
            if failures.contains(where: { $0.contains("Permission denied") || $0.contains("not permitted") }) {
                throw TargetError.permission(pid: pid, "cannot open \(file): \(failures.joined(separator: "; "))")
            }
            throw .notReadable("the ELF file \(file) of process \(pid): \(failures.joined(separator: "; "))")
        }

        // Lookup order follows the dynamic linker for exported symbols (the executable can
        // interpose, e.g. a copy relocation of a type object), then the full tables, libpython's first.
        var symbols: [String: ResolvedSymbol] = [:]
        var remaining = Set(wantedSymbols)
        let order: [(LoadedFile?, ELFSymbol.Table)] = [
            (executableFile, .dynamic), (libraryFile, .dynamic), (libraryFile, .full), (executableFile, .full),
        ]
        for case let (file?, table) in order where !remaining.isEmpty {
            for (name, symbol) in file.elf.lookup(remaining, tables: [table]) {
                symbols[name] = ResolvedSymbol(name: name, address: file.bias &+ symbol.value,
                                               size: symbol.size, file: file.path)
                remaining.remove(name)
            }
        }

        var sections: [String: UInt64] = [:]
        for name in wantedSections {
            for case let file? in [interpreter, executableFile] {
                if let section = file.elf.section(named: name), section.address != 0 {
                    sections[name] = file.bias &+ section.address
                    break
                }
            }
        }

        var image = TargetImage(pid: pid, executable: executable, pythonLibrary: pythonLibrary,
                                hasSymbolTable: interpreter?.elf.hasSymbolTable ?? false,
                                regions: ProcMaps.regions(maps), symbols: symbols, sections: sections)
        // The C library's string functions, for the traverse emulator (optional: none found, none run natively).
        if let libc = maps.first(where: { $0.isFile && ($0.basename.hasPrefix("libc.so") || $0.basename.hasPrefix("libc-")) }),
           let file = LoadedFile.open(pid: pid, path: libc.path, maps: maps, isExecutable: false, failures: &failures) {
            for (name, symbol) in file.elf.lookup(TargetImage.libcFunctions, tables: [.dynamic]) where symbol.value != 0 {
                image.libcFunctions[name] = (file.bias &+ symbol.value, symbol.type == Self.indirectFunction)
            }
        }
        return image
    }

    /// STT_GNU_IFUNC: the symbol is a resolver returning the implementation.
    static let indirectFunction: UInt8 = 10

    /// /proc/PID/exe, without the " (deleted)" the kernel appends for a replaced binary.
    static func executablePath(pid: Int32) throws(TargetError) -> String {
        let link = "/proc/\(pid)/exe"
        do {
            var path = try ProcFS.readLink(link)
            if path.hasSuffix(" (deleted)") { path.removeLast(" (deleted)".count) }
            return path
        } catch {
            switch error {
            case .permissionDenied, .notPermitted:
                throw TargetError.permission(pid: pid, "cannot read \(link) (\(error))")
            case .noSuchFileOrDirectory, .noSuchProcess:
                // Gone, or became a zombie, since the status was read; a user process without an
                // executable is one that is exiting (its memory is already released).
                if let reason = ProcessStatus.read(pid)?.unreadableReason { throw reason }
                throw .processGone(pid: pid)
            default:
                throw .notReadable("\(link): \(error)")
            }
        }
    }
}

/// An ELF file of the target, opened from pyinspect's side, with its load bias in the target.
struct LoadedFile {
    /// The path as the target sees it.
    var path: String
    var elf: ELFFile
    var bias: UInt64

    /// Tries, in order: the path inside the target's root (`/proc/PID/root` + path, right for
    /// containers) if it is still the mapped file (same inode), the mapping itself
    /// (`/proc/PID/map_files/START-END`, works for deleted files but needs CAP_SYS_ADMIN), and for
    /// the executable `/proc/PID/exe`. nil when none opens or the file has no matching mapping.
    static func open(pid: Int32, path: String, maps: [MapsEntry], isExecutable: Bool,
                     failures: inout [String]) -> LoadedFile? {
        let mappings = maps.filter { $0.path == path && $0.inode != 0 }
        let mappedInode = mappings.first?.inode
        var candidates: [String] = []
        if path.hasPrefix("/") && !(mappings.first?.deleted ?? false) {
            candidates.append("/proc/\(pid)/root\(path)")
        }
        if let first = mappings.first {
            candidates.append("/proc/\(pid)/map_files/\(String(first.start, radix: 16))-\(String(first.end, radix: 16))")
        }
        if isExecutable { candidates.append("/proc/\(pid)/exe") }

        // A file whose inode differs from the mapping's: replaced on disk since it was mapped, or
        // only apparently different (overlayfs can report the upper inode). Used as a last resort.
        var mismatched: ELFFile?
        for candidate in candidates {
            let elf: ELFFile
            do {
                elf = try ELFFile(path: candidate)
            } catch {
                failures.append(error.description)
                continue
            }
            if let inode = mappedInode, elf.inode != inode {
                failures.append("\(candidate) is not the mapped file (inode \(elf.inode), mapped \(inode))")
                if mismatched == nil { mismatched = elf }
                continue
            }
            return withBias(elf)
        }
        return mismatched.flatMap(withBias)

        func withBias(_ elf: ELFFile) -> LoadedFile? {
            guard let bias = LoadBias.compute(for: elf, mappings: mappings) else {
                failures.append("\(path): no mapping of its first PT_LOAD segment in /proc/\(pid)/maps")
                return nil
            }
            return LoadedFile(path: path, elf: elf, bias: bias)
        }
    }
}
