import CPythonLayouts
import RemoteMemory

/// Reads the few kinds of Python object pyinspect needs to understand by value: `str` (type names,
/// module names) and `dict` (to find `__module__` in a class's namespace). Every length is capped.
struct ObjectReader {
    let memory: any MemoryReader
    let layout: PythonLayout

    func typeOf(_ object: UInt64) throws(MemoryError) -> UInt64 {
        try memory.pointer(at: object &+ UInt64(layout.object.type))
    }

    /// The value of a compact `str` object (every str CPython creates for names is compact).
    func string(at object: UInt64, maxLength: Int = ReadLimits.maxNameBytes) throws(MemoryError) -> String {
        let u = layout.unicode
        let length = try memory.load(Int64.self, at: object &+ UInt64(u.length))
        let state = try memory.load(UInt32.self, at: object &+ UInt64(u.state))
        guard length >= 0, length <= Int64(maxLength) else {
            throw MemoryError.limitExceeded(what: "str length", value: Int(clamping: length), limit: maxLength)
        }
        let kind = Int(state >> UInt32(u.kindShift)) & 0b111
        let compact = (state >> UInt32(u.compactShift)) & 1 == 1
        let ascii = (state >> UInt32(u.asciiShift)) & 1 == 1
        guard compact, [1, 2, 4].contains(kind) else {
            throw MemoryError.limitExceeded(what: "non-compact str kind", value: kind, limit: 0)
        }
        let count = Int(length)
        if ascii {
            let bytes = try memory.bytes(at: object &+ UInt64(u.asciiSize), count: count)
            return String(decoding: bytes, as: UTF8.self)
        }
        let raw = try memory.bytes(at: object &+ UInt64(u.compactSize), count: count * kind)
        var scalars = String.UnicodeScalarView()
        for index in 0..<count {
            var code: UInt32 = 0
            for byte in (0..<kind).reversed() { code = code << 8 | UInt32(raw[index * kind + byte]) }
            scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
        }
        return String(scalars)
    }

    /// Looks up a `str` key in a combined-table dict (type and module dicts are always combined) by
    /// comparing key strings: no hashing needed, and type dicts are small.
    /// Returns the value pointer, or nil when the key is absent or the dict is a split table.
    func dictLookup(_ dict: UInt64, key wanted: String) throws(MemoryError) -> UInt64? {
        let d = layout.dict
        let keys = try memory.pointer(at: dict &+ UInt64(d.keys))
        guard try memory.pointer(at: dict &+ UInt64(d.values)) == 0 else { return nil }
        let entryCount = try memory.load(Int64.self, at: keys &+ UInt64(d.keysEntryCount))
        guard entryCount >= 0, entryCount <= Int64(ReadLimits.maxDictEntries) else {
            throw MemoryError.limitExceeded(what: "dict entries", value: Int(clamping: entryCount), limit: ReadLimits.maxDictEntries)
        }
        let table = try DictKeysTable(keys: keys, memory: memory, layout: layout.dict)
        for index in 0..<Int(entryCount) {
            let key = try memory.pointer(at: table.keySlot(index))
            guard key != 0, (try? string(at: key, maxLength: wanted.utf8.count + 1)) == wanted else { continue }
            return try memory.pointer(at: table.keySlot(index) &+ 8)
        }
        return nil
    }
}
