/// A symbol resolved to an address in the target (load bias applied).
public struct ResolvedSymbol: Sendable, Equatable {
    public var name: String
    public var address: UInt64
    public var size: UInt64
    /// Path of the ELF file that defines it (the python executable or libpython).
    public var file: String

    public init(name: String, address: UInt64, size: UInt64, file: String) {
        self.name = name
        self.address = address
        self.size = size
        self.file = file
    }
}

/// Everything about the target that is not memory: which files hold the interpreter, where its
/// symbols are, and how its address space is laid out. A live process and, later, a core file
/// both produce one; the heap reader only ever sees this and a `MemoryReader`.
public struct TargetImage: Sendable {
    /// The process id as pyinspect's namespace sees it (0 when there is no process).
    public var pid: Int32
    /// The main executable.
    public var executable: String
    /// The shared libpython mapped into the process, when the interpreter is not linked statically.
    public var pythonLibrary: String?
    /// Whether the ELF file that holds the interpreter had a `.symtab` (false for stripped builds).
    public var hasSymbolTable: Bool
    /// Readable mappings of the address space.
    public var regions: [MemoryRegion]
    /// Symbols looked up so far, by name (those the reader asked for in `TargetImage.wanted`).
    public var symbols: [String: ResolvedSymbol]
    /// Start addresses of named ELF sections of the interpreter file (for `.PyRuntime`), with bias.
    public var sections: [String: UInt64]
    /// The C library's string functions (`TargetImage.libcFunctions`), by name: their address, and
    /// whether it is an IFUNC resolver (which returns the variant the target chose for its CPU) or
    /// the function itself. The traverse emulator runs them natively: the variants glibc picks on a
    /// modern CPU use AVX, which it cannot emulate.
    public var libcFunctions: [String: (address: UInt64, isResolver: Bool)] = [:]

    public init(pid: Int32, executable: String, pythonLibrary: String?, hasSymbolTable: Bool,
                regions: [MemoryRegion], symbols: [String: ResolvedSymbol], sections: [String: UInt64] = [:]) {
        self.pid = pid
        self.executable = executable
        self.pythonLibrary = pythonLibrary
        self.hasSymbolTable = hasSymbolTable
        self.regions = regions
        self.symbols = symbols
        self.sections = sections
    }

    /// The symbols the heap reader needs; a producer resolves at least these.
    public static let wantedSymbols = ["_PyRuntime", "Py_Version", "PyUnicode_Type", "PyString_Type"] + versionBufferSymbols + typeSymbols
        + legacySymbols
    /// Where the series without `_PyRuntime` (3.6) keep the gc state and the interpreter list: the
    /// statics the layouts' `statics` name (`file.c:name`, file-local symbols of `.symtab`, only in
    /// unstripped builds), and the exported symbols that stand in for them in stripped builds
    /// (`_PyGC_generation0` points at the first generation; `PyInterpreterState_Head()` reads `interp_head`).
    public static let legacySymbols = [
        "gcmodule.c:generations", "gcmodule.c:_PyGC_generation0", "gcmodule.c:enabled", "gcmodule.c:debug",
        "gcmodule.c:collecting", "gcmodule.c:garbage", "gcmodule.c:generation_stats", "pystate.c:interp_head",
        "_PyGC_generation0", "PyInterpreterState_Head",
        // 2.7: the marker of deleted set slots is setobject.c's `dummy` (3.x exports `_PySet_Dummy`), and
        // classic instances and classes, which gcmodule.c's has_finalizer asks for `__del__` by name.
        "setobject.c:dummy", "PyInstance_Type", "PyClass_Type",
    ]
    /// Builtin type objects whose `tp_traverse` the reference analysis recognises, and the few
    /// functions it needs (`subtype_traverse` is only in unstripped builds; it is inferred otherwise).
    public static let typeSymbols = [
        "PyType_Type", "PyBaseObject_Type", "PyTuple_Type", "PyList_Type", "PyDict_Type", "PySet_Type",
        "PyFrozenSet_Type", "PyCell_Type", "PyMethod_Type", "PyFunction_Type", "PyClassMethod_Type",
        "PyStaticMethod_Type", "PyProperty_Type", "PyTraceBack_Type", "_PyWeakref_RefType", "PyModule_Type",
        "PyExc_BaseException", "subtype_traverse", "PyFrame_Type", "PyGen_Type", "PyCoro_Type", "PyAsyncGen_Type",
        "PyContext_Type", "PyContextVar_Type", "PyContextToken_Type", "PyCFunction_Type", "PyODict_Type", "_PyHamt_Type",
        "_PyHamt_BitmapNode_Type", "_PyHamt_ArrayNode_Type", "_PyHamt_CollisionNode_Type",
        "PyMethodDescr_Type", "PyDictProxy_Type", "_PyMethodWrapper_Type",
        // 3.8–3.10 dict_traverse visits keys only in tables whose lookup function is this one.
        "lookdict",
        // A pointer to the marker set tables keep in deleted slots, which set_traverse skips.
        "_PySet_Dummy",
        // The thread-stack reader: code objects (they size a 3.11+ thread's frames), ints (thread ids; 2.7's `int`).
        "PyCode_Type", "PyLong_Type", "PyInt_Type",
    ]
    /// Names the static buffer behind `Py_GetVersion()` has in `.symtab`, by compiler and version
    /// (gcc: `version.0` up to 3.11, `version` from 3.12). Only unstripped builds have them.
    public static let versionBufferSymbols = ["Py_GetVersion.version", "version.0", "version"]
    /// The read-only string functions of the C library the emulator runs natively when a
    /// traverse function calls them (PyCapsule_GetPointer's name check, for one).
    public static let libcFunctions = ["strcmp", "strncmp", "strlen", "strnlen", "memcmp", "bcmp", "memchr", "strchr", "strrchr"]
    /// The sections the heap reader can use.
    public static let wantedSections = [".PyRuntime"]

    /// The file that holds the interpreter: libpython when shared, else the executable.
    public var interpreterFile: String { pythonLibrary ?? executable }
}
