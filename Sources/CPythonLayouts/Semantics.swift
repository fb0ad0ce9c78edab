/// What a table's release does beyond where fields are: behaviour that changed inside a series, where
/// no header says it. Each fact names the CPython change and the releases it was confirmed on (by
/// `--verify-traversal`, the release's own tp_traverse run in the emulator, in the test suite).
extension PythonLayout {
    /// 3.14+ keeps frame slots as `_PyStackRef`, a pointer with tag bits (1 in 3.14, 3 in 3.15) in its
    /// low bits; objects are 8-byte aligned in every series, so clearing three bits is always right.
    public static let stackRefMask: UInt64 = ~7

    /// The `tp_flags` that put words before an object's `PyGC_Head`, which `sys.getsizeof` counts:
    /// 3.11 `Py_TPFLAGS_MANAGED_DICT` (values and dict pointers), 3.12+ also `MANAGED_WEAKREF`.
    public var preHeaderFlags: UInt64 {
        isAtLeast(3, 12) ? 1 << 3 | 1 << 4 : isAtLeast(3, 11) ? 1 << 4 : 0
    }

    /// Whether a type's `tp_del` alone makes its unreachable objects uncollectable (3.4+,
    /// `has_legacy_finalizer`); 2.7's `has_finalizer` decides per object (classic instances, generators).
    public var hasTypeSlotFinalizerRule: Bool { isAtLeast(3, 4) }

    /// 3.14.0–3.14.4 ran the incremental collector (its table is the one read from those releases'
    /// published gc state): the three lists are `young`, `old[0]` and `old[1]`, not generations, and
    /// which old space is being visited alternates (`visited_space`). 3.14.5 went back to generations.
    public var hasIncrementalCollector: Bool {
        guard let version = version.flatMap(PythonVersion.init(string:)) else { return false }
        return version >= PythonVersion(major: 3, minor: 14, micro: 0) && version < PythonVersion(major: 3, minor: 14, micro: 5)
    }

    /// The names of the collector's lists, in order, where they are not generations 0, 1, 2 (nil).
    public var collectorListNames: [String]? { hasIncrementalCollector ? ["young", "old[0]", "old[1]"] : nil }

    /// Where an instance of a class with `Py_TPFLAGS_MANAGED_DICT` keeps its `__dict__` or values.
    public enum ManagedDict: Sendable, Equatable {
        /// 3.11: a values pointer at obj-32 and a dict pointer at obj-24, both visited.
        case valuesAndDictPointers
        /// 3.12: obj-24 holds a dict pointer, or (tagged, bit 0) a values pointer.
        case taggedPointer
        /// 3.13+: values inline after the object (`Py_TPFLAGS_INLINE_VALUES`), else the dict pointer at obj-24.
        case inlineValues
    }

    /// nil before 3.11, which has no managed dicts.
    public var managedDict: ManagedDict? {
        isAtLeast(3, 13) ? .inlineValues : isAtLeast(3, 12) ? .taggedPointer : isAtLeast(3, 11) ? .valuesAndDictPointers : nil
    }

    /// `co_lnotab`'s line increments are signed bytes from 3.6 (a line can go back); 2.7's are unsigned.
    public var lineTableSignedDeltas: Bool { isAtLeast(3, 6) }

    /// The module of builtin types (`int.__module__`).
    /// 3.12+: an int's `ob_size` became `long_value.lv_tag`, the digit count shifted left by this
    /// (sign bits below), and `int.__sizeof__` counts at least one digit. nil before.
    public var longDigitCountShift: Int? { isAtLeast(3, 12) ? 3 : nil }

    public var builtinsModuleName: String { isAtLeast(3, 0) ? "builtins" : "__builtin__" }

    /// The attribute of a `threading.Thread` that holds its name: `_name`; 2.7's `Thread` stores it as
    /// `self.__name`, which Python mangles to `_Thread__name`.
    public var threadNameAttribute: String { isAtLeast(3, 0) ? "_name" : "_Thread__name" }

    /// The type of the strings that name things (attributes, code, classes, dict keys of `__dict__`s):
    /// `str`, which in 2.7 is the byte string type.
    public var nameStringTypeSymbol: String { isAtLeast(3, 0) ? "PyUnicode_Type" : "PyString_Type" }

    /// An instance whose `__dict__` was materialized visits that dict instead of its inline values, and
    /// the dict visits the values embedded in its owner; in 3.13.0 the owner visited the values and the
    /// dict nothing. Confirmed old on 3.13.0, new on 3.13.5, 3.13.18, 3.14.10 and 3.15.2 (3.13.1–3.13.4
    /// were not seen: they take 3.13.0's table, and with it its behaviour).
    public var visitsMaterializedDict: Bool {
        guard let version = version.flatMap(PythonVersion.init(string:)) else { return false }
        switch (version.major, version.minor) {
        case (3, 13): return version.micro >= 5
        case (3, 14...): return true
        default: return false
        }
    }
}
