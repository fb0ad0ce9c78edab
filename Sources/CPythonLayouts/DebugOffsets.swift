/// The `_Py_DebugOffsets` table that CPython 3.13+ places at `_PyRuntime + 0` so that tools can find
/// their way without DWARF. Its header (cookie, version, free_threaded) is the same in every series;
/// where its entries sit is per series (`PythonLayout.debugOffsets`), so entries are read through a
/// layout. pyinspect takes every field the table describes from it (`applied(to:)`).
public struct DebugOffsets: Sendable, Equatable {
    public static let cookie: [UInt8] = Array("xdebugpy".utf8)
    /// Bytes read from `_PyRuntime`: more than any series' table (584 bytes in 3.13, 752 in 3.15).
    public static let readSize = 2048

    public var version: UInt64
    public var freeThreaded: Bool
    /// The table's bytes as read (up to `readSize`).
    public var bytes: [UInt8]

    /// Decodes the header from the first bytes of `_PyRuntime`; nil when the cookie is absent (before 3.13).
    public init?(bytes: [UInt8]) {
        guard bytes.count >= 24, Array(bytes[0..<8]) == Self.cookie else { return nil }
        self.bytes = bytes
        version = 0
        freeThreaded = false
        version = word(8) ?? 0
        freeThreaded = (word(16) ?? 0) != 0
    }

    private func word(_ offset: Int) -> UInt64? {
        guard offset >= 0, offset + 8 <= bytes.count else { return nil }
        return bytes[offset..<offset + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The entries `layout` places, by CPython's name ("interpreter_state.gc").
    public func entries(in layout: PythonLayout) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for (name, field) in DebugOffsetsLayout.entries {
            if let offset = layout.debugOffsets[keyPath: field], let value = word(offset) { out[name] = value }
        }
        return out
    }

    /// The layout fields `_Py_DebugOffsets` describes, as key paths, with their entries (immutable key
    /// paths: nonisolated only because KeyPath is not Sendable). These are taken
    /// from the target (the table is the authority for them); the rest stay the generated table's.
    nonisolated(unsafe) static let described: [(String, WritableKeyPath<PythonLayout, Int>)] = [
        ("interpreter_state.next", \.interpreter.next),
        ("interpreter_state.sysdict", \.interpreter.sysdict),
        ("pyobject.ob_type", \.object.type),
        ("type_object.tp_name", \.type.name), ("type_object.tp_flags", \.type.flags),
        ("list_object.ob_item", \.list.items), ("list_object.ob_size", \.object.size),
        ("unicode_object.length", \.unicode.length),
    ]
    /// The same for fields that are optional in the layout (absent before 3.7, in a gc state of statics, or in 2.7's str and dict).
    nonisolated(unsafe) static let describedOptional: [(String, WritableKeyPath<PythonLayout, Int?>)] = [
        ("runtime_state.interpreters_head", \.runtime.interpretersHead),
        ("interpreter_state.id", \.interpreter.id), ("interpreter_state.gc", \.interpreter.gc),
        ("gc.collecting", \.gc.collecting),
        ("dict_object.ma_keys", \.dict.keys), ("dict_object.ma_values", \.dict.values),
        ("unicode_object.state", \.unicode.state), ("unicode_object.asciiobject_size", \.unicode.asciiSize),
    ]

    /// `layout` with every field the table describes taken from the table. `interpreters.main` follows
    /// `interpreters.head` (one pointer on), as it does in every series.
    public func applied(to layout: PythonLayout) -> PythonLayout {
        var out = layout
        let entries = entries(in: layout)
        func value(_ name: String) -> Int? {
            guard let raw = entries[name], raw < 1 << 24 else { return nil }  // an offset, not garbage
            return Int(raw)
        }
        for (name, path) in Self.described {
            if let v = value(name) { out[keyPath: path] = v }
        }
        for (name, path) in Self.describedOptional {
            if let v = value(name) { out[keyPath: path] = v }
        }
        if let head = value("runtime_state.interpreters_head"), let main = layout.runtime.interpretersMain,
           let oldHead = layout.runtime.interpretersHead {
            out.runtime.interpretersMain = head + (main - oldHead)
        }
        return out
    }

    /// Pairs (entry, value in the table, value in the layout) that differ, among the fields pyinspect
    /// reads (struct sizes it never uses, such as `runtime_state.size`, are not compared).
    public func mismatches(against layout: PythonLayout) -> [(entry: String, table: UInt64, layout: Int)] {
        let entries = entries(in: layout)
        var expected: [(String, Int?)] = Self.described.map { ($0.0, layout[keyPath: $0.1]) }
        expected += Self.describedOptional.map { ($0.0, layout[keyPath: $0.1]) }
        expected.append(("gc.size", layout.gc.stateSize))
        return expected.compactMap { name, value in
            guard let value, let table = entries[name], table != UInt64(value) else { return nil }
            return (name, table, value)
        }
    }
}
