#if canImport(Glibc)
import Glibc
#endif
import CElf
import SystemPackage

/// A PT_LOAD program header.
public struct ELFLoadSegment: Sendable, Equatable {
    public var virtualAddress: UInt64
    public var fileOffset: UInt64
    public var fileSize: UInt64
    public var memorySize: UInt64
    /// PF_R | PF_W | PF_X.
    public var flags: UInt32
    public var alignment: UInt64

    public init(virtualAddress: UInt64, fileOffset: UInt64, fileSize: UInt64, memorySize: UInt64,
                flags: UInt32, alignment: UInt64) {
        self.virtualAddress = virtualAddress
        self.fileOffset = fileOffset
        self.fileSize = fileSize
        self.memorySize = memorySize
        self.flags = flags
        self.alignment = alignment
    }
}

/// A section header with its name resolved.
public struct ELFSection: Sendable, Equatable {
    public var name: String
    public var type: UInt32
    /// sh_addr: the link-time address (0 for sections that are not loaded).
    public var address: UInt64
    public var fileOffset: UInt64
    public var size: UInt64

    public init(name: String, type: UInt32, address: UInt64, fileOffset: UInt64, size: UInt64) {
        self.name = name
        self.type = type
        self.address = address
        self.fileOffset = fileOffset
        self.size = size
    }
}

/// A defined symbol found by name.
public struct ELFSymbol: Sendable, Equatable {
    public enum Table: Sendable, Equatable {
        /// `.dynsym`: exported, survives stripping.
        case dynamic
        /// `.symtab`: the full table, absent from stripped files.
        case full
    }

    public var name: String
    /// st_value: the link-time address (add the load bias for the runtime address).
    public var value: UInt64
    public var size: UInt64
    /// STT_OBJECT, STT_FUNC ... (low nibble of st_info).
    public var type: UInt8
    /// STB_LOCAL, STB_GLOBAL, STB_WEAK (high nibble of st_info).
    public var binding: UInt8
    public var table: Table

    public init(name: String, value: UInt64, size: UInt64, type: UInt8, binding: UInt8, table: Table) {
        self.name = name
        self.value = value
        self.size = size
        self.type = type
        self.binding = binding
        self.table = table
    }
}

public enum ELFError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, errno: Int32)
    case notELF(path: String)
    case malformed(path: String, detail: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, errno): return "cannot open \(path): \(Errno(rawValue: errno))"
        case let .notELF(path): return "\(path) is not an ELF file"
        case let .malformed(path, detail): return "\(path): \(detail)"
        }
    }
}

/// An ELF file opened read-only through libelf (mmap'ed, so huge `.symtab`s cost no copies).
/// Headers are read once at open; symbols are looked up on demand for a given set of names.
public final class ELFFile {
    public let path: String
    /// e_type: ET_EXEC (2) for non-PIE executables, ET_DYN (3) for shared objects and PIE.
    public let type: UInt16
    /// PT_LOAD program headers in file order.
    public let loadSegments: [ELFLoadSegment]
    /// All section headers (a few dozen), with names.
    public let sections: [ELFSection]
    /// st_dev / st_ino of the opened file, to check it is the file a process mapped.
    public let device: UInt64
    public let inode: UInt64

    private let fd: Int32
    private let elf: OpaquePointer

    public var isExecutableType: Bool { type == UInt16(ET_EXEC) }
    public var isSharedType: Bool { type == UInt16(ET_DYN) }
    /// Whether a `.symtab` exists (false for stripped files).
    public var hasSymbolTable: Bool { sections.contains { $0.type == UInt32(SHT_SYMTAB) } }
    public var hasDynamicSymbolTable: Bool { sections.contains { $0.type == UInt32(SHT_DYNSYM) } }

    public func section(named name: String) -> ELFSection? { sections.first { $0.name == name } }

    private static let libelfReady: Bool = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)

    public init(path: String) throws(ELFError) {
        guard Self.libelfReady else { throw .malformed(path: path, detail: "libelf version mismatch") }
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .cannotOpen(path: path, errno: errno) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let code = errno
            close(fd)
            throw .cannotOpen(path: path, errno: code)
        }
        guard let elf = elf_begin(fd, ELF_C_READ_MMAP, nil) else {
            close(fd)
            throw .notELF(path: path)
        }
        func fail(_ detail: String) -> ELFError {
            elf_end(elf)
            close(fd)
            return .malformed(path: path, detail: detail)
        }
        guard elf_kind(elf) == ELF_K_ELF else {
            elf_end(elf)
            close(fd)
            throw .notELF(path: path)
        }
        var ehdr = GElf_Ehdr()
        guard gelf_getehdr(elf, &ehdr) != nil else { throw fail("no ELF header: \(Self.lastError())") }

        var segments: [ELFLoadSegment] = []
        var phnum = 0
        guard elf_getphdrnum(elf, &phnum) == 0 else { throw fail("no program headers: \(Self.lastError())") }
        for index in 0..<phnum {
            var phdr = GElf_Phdr()
            guard gelf_getphdr(elf, Int32(index), &phdr) != nil else { continue }
            if phdr.p_type == UInt32(PT_LOAD) {
                segments.append(ELFLoadSegment(virtualAddress: phdr.p_vaddr, fileOffset: phdr.p_offset,
                                               fileSize: phdr.p_filesz, memorySize: phdr.p_memsz,
                                               flags: phdr.p_flags, alignment: phdr.p_align))
            }
        }

        var sections: [ELFSection] = []
        var shstrndx = 0
        if elf_getshdrstrndx(elf, &shstrndx) == 0 {
            var scn = elf_nextscn(elf, nil)
            while let current = scn {
                var shdr = GElf_Shdr()
                if gelf_getshdr(current, &shdr) != nil {
                    let name = elf_strptr(elf, shstrndx, Int(shdr.sh_name)).map { String(cString: $0) } ?? ""
                    sections.append(ELFSection(name: name, type: shdr.sh_type, address: shdr.sh_addr,
                                               fileOffset: shdr.sh_offset, size: shdr.sh_size))
                }
                scn = elf_nextscn(elf, current)
            }
        }

        self.fd = fd
        self.elf = elf
        self.type = ehdr.e_type
        self.loadSegments = segments
        self.sections = sections
        self.device = UInt64(st.st_dev)
        self.inode = UInt64(st.st_ino)
    }

    deinit {
        elf_end(elf)
        close(fd)
    }

    /// One symbol by name: `.dynsym` first, then `.symtab`.
    public func symbol(named name: String) -> ELFSymbol? {
        lookup([name])[name]
    }

    /// Defined symbols for the wanted names: each name from `.dynsym` if it is there, else from
    /// `.symtab`. Symbol names are compared as C strings in place; only matches become Swift strings.
    public func lookup(_ names: some Sequence<String>,
                       tables: [ELFSymbol.Table] = [.dynamic, .full]) -> [String: ELFSymbol] {
        var remaining = Set(names)
        var found: [String: ELFSymbol] = [:]
        for table in tables where !remaining.isEmpty {
            let hits = scan(table: table, for: remaining)
            for (name, symbol) in hits {
                found[name] = symbol
                remaining.remove(name)
            }
        }
        return found
    }

    /// Scans one table. A wanted name `file.c:name` is a file-local symbol of that source file: a
    /// STB_LOCAL `name` listed after the STT_FILE symbol `file.c` (how `.symtab` groups the statics of
    /// each translation unit), so statics that share a name in several files are told apart.
    private func scan(table: ELFSymbol.Table, for names: Set<String>) -> [String: ELFSymbol] {
        let wantedType = UInt32(table == .dynamic ? SHT_DYNSYM : SHT_SYMTAB)
        // Wanted names as NUL-terminated bytes, bucketed by first byte so most symbols are
        // rejected after looking at one character.
        var buckets: [[(name: String, file: [CChar]?, bytes: [CChar])]] = Array(repeating: [], count: 256)
        for name in names where !name.isEmpty {
            let parts = name.split(separator: ":", maxSplits: 1).map(String.init)
            let symbol = parts.count == 2 ? parts[1] : name
            guard !symbol.isEmpty else { continue }
            let bytes = Array(symbol.utf8CString)
            buckets[Int(UInt8(bitPattern: bytes[0]))].append((name, parts.count == 2 ? Array(parts[0].utf8CString) : nil, bytes))
        }
        var found: [String: ELFSymbol] = [:]
        var scn = elf_nextscn(elf, nil)
        while let current = scn {
            defer { scn = elf_nextscn(elf, current) }
            var shdr = GElf_Shdr()
            guard gelf_getshdr(current, &shdr) != nil, shdr.sh_type == wantedType, shdr.sh_entsize > 0,
                  let data = elf_getdata(current, nil) else { continue }
            let count = Int(shdr.sh_size / shdr.sh_entsize)
            let strtab = Int(shdr.sh_link)
            var sourceFile: UnsafeMutablePointer<CChar>?
            for index in 0..<count {
                var sym = GElf_Sym()
                guard gelf_getsym(data, Int32(index), &sym) != nil, sym.st_name != 0 else { continue }
                if sym.st_info & 0xf == UInt8(STT_FILE) {
                    sourceFile = elf_strptr(elf, strtab, Int(sym.st_name))
                    continue
                }
                guard sym.st_shndx != UInt16(SHN_UNDEF), let namePointer = elf_strptr(elf, strtab, Int(sym.st_name)) else { continue }
                let candidates = buckets[Int(UInt8(bitPattern: namePointer[0]))]
                if candidates.isEmpty { continue }
                for candidate in candidates where strcmp(namePointer, candidate.bytes) == 0 {
                    if let file = candidate.file {
                        guard sym.st_info >> 4 == UInt8(STB_LOCAL), let sourceFile, strcmp(sourceFile, file) == 0 else { continue }
                    }
                    let symbol = ELFSymbol(name: candidate.name, value: sym.st_value, size: sym.st_size,
                                           type: sym.st_info & 0xf, binding: sym.st_info >> 4, table: table)
                    // A `.symtab` can hold several file-local statics of one name: a global wins.
                    if let existing = found[candidate.name],
                       existing.binding != UInt8(STB_LOCAL) || symbol.binding == UInt8(STB_LOCAL) {
                        continue
                    }
                    found[candidate.name] = symbol
                }
            }
        }
        return found
    }

    private static func lastError() -> String {
        elf_errmsg(-1).map { String(cString: $0) } ?? "unknown libelf error"
    }
}
