/// The `_Py_DebugOffsets` table that CPython 3.13+ places at `_PyRuntime + 0` so that tools can find
/// their way without DWARF. pyinspect reads it from the target and cross-checks it against the
/// committed layout: a mismatch means the table does not describe this build, and is an error.
public struct DebugOffsets: Sendable, Equatable {
    public static let cookie: [UInt8] = Array("xdebugpy".utf8)
    /// Bytes of the 3.13 table (`sizeof(_Py_DebugOffsets)` in 3.13.0).
    public static let size313 = 584

    public var version: UInt64
    public var freeThreaded: Bool
    /// Entries by name, in the 3.13 table's order of declaration.
    public var entries: [String: UInt64]

    /// Byte offsets of the entries pyinspect uses, inside the 3.13 table
    /// (Include/internal/pycore_runtime.h of 3.13.0: 73 uint64 fields after the 8-byte cookie).
    public static let entryOffsets313: [(String, Int)] = [
        ("runtime_state.size", 24), ("runtime_state.finalizing", 32), ("runtime_state.interpreters_head", 40),
        ("interpreter_state.size", 48), ("interpreter_state.id", 56), ("interpreter_state.next", 64),
        ("interpreter_state.threads_head", 72), ("interpreter_state.gc", 80), ("interpreter_state.sysdict", 96),
        ("pyobject.size", 352), ("pyobject.ob_type", 360),
        ("type_object.size", 368), ("type_object.tp_name", 376), ("type_object.tp_flags", 392),
        ("list_object.size", 424), ("list_object.ob_item", 432), ("list_object.ob_size", 440),
        ("dict_object.size", 448), ("dict_object.ma_keys", 456), ("dict_object.ma_values", 464),
        ("unicode_object.size", 536), ("unicode_object.state", 544), ("unicode_object.length", 552),
        ("unicode_object.asciiobject_size", 560),
        ("gc.size", 568), ("gc.collecting", 576),
    ]

    /// Decodes the table from the first bytes of `_PyRuntime`; nil when the cookie is absent (before 3.13).
    public init?(bytes: [UInt8]) {
        guard bytes.count >= 24, Array(bytes[0..<8]) == Self.cookie else { return nil }
        func word(_ offset: Int) -> UInt64 {
            bytes[offset..<offset + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
        version = word(8)
        freeThreaded = word(16) != 0
        var entries: [String: UInt64] = [:]
        if bytes.count >= Self.size313 {
            for (name, offset) in Self.entryOffsets313 { entries[name] = word(offset) }
        }
        self.entries = entries
    }

    /// Pairs (entry, value in the table, value in the layout) that differ. Empty means the layout
    /// describes the build the table came from.
    public func mismatches(against layout: PythonLayout) -> [(entry: String, table: UInt64, layout: Int)] {
        let expected: [(String, Int?)] = [
            ("runtime_state.size", layout.runtime.size),
            ("runtime_state.interpreters_head", layout.runtime.interpretersHead),
            ("interpreter_state.id", layout.interpreter.id),
            ("interpreter_state.next", layout.interpreter.next),
            ("interpreter_state.gc", layout.interpreter.gc),
            ("interpreter_state.sysdict", layout.interpreter.sysdict),
            ("pyobject.ob_type", layout.object.type),
            ("type_object.tp_name", layout.type.name),
            ("type_object.tp_flags", layout.type.flags),
            ("list_object.ob_item", layout.list.items),
            ("list_object.ob_size", layout.object.size),
            ("dict_object.ma_keys", layout.dict.keys),
            ("dict_object.ma_values", layout.dict.values),
            ("unicode_object.state", layout.unicode.state),
            ("unicode_object.length", layout.unicode.length),
            ("unicode_object.asciiobject_size", layout.unicode.asciiSize),
            ("gc.size", layout.gc.stateSize),
            ("gc.collecting", layout.gc.collecting),
        ]
        return expected.compactMap { name, value in
            guard let value, let table = entries[name], table != UInt64(value) else { return nil }
            return (name, table, value)
        }
    }
}
