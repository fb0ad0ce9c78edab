import CPythonLayouts
import RemoteMemory

/// Reads the few kinds of Python object pyinspect needs to understand by value: `str` (type names,
/// module names), `dict` (to find `__module__` in a class's namespace) and `int` (thread ids). Every
/// length is capped.
struct ObjectReader {
    let memory: any MemoryReader
    let layout: PythonLayout

    func typeOf(_ object: UInt64) throws(MemoryError) -> UInt64 {
        try memory.pointer(at: object &+ UInt64(layout.object.type))
    }

    /// The text of a name: a compact `str` (every str CPython 3 creates for names is compact), or in
    /// 2.7, whose names are byte strings, a `str` (`PyStringObject`) or a `unicode`, told by the type's flags.
    func string(at object: UInt64, maxLength: Int = ReadLimits.maxNameBytes) throws(MemoryError) -> String {
        let u = layout.unicode
        guard let stateField = u.state, let kindShift = u.kindShift, let compactShift = u.compactShift,
              let asciiShift = u.asciiShift, let asciiSize = u.asciiSize, let compactSize = u.compactSize else {
            return try legacyString(at: object, maxLength: maxLength)
        }
        let length = try memory.load(Int64.self, at: object &+ UInt64(u.length))
        let state = try memory.load(UInt32.self, at: object &+ UInt64(stateField))
        guard length >= 0, length <= Int64(maxLength) else {
            throw MemoryError.limitExceeded(what: "str length", value: Int(clamping: length), limit: maxLength)
        }
        let kind = Int(state >> UInt32(kindShift)) & 0b111
        let compact = (state >> UInt32(compactShift)) & 1 == 1
        let ascii = (state >> UInt32(asciiShift)) & 1 == 1
        guard compact, [1, 2, 4].contains(kind) else {
            throw MemoryError.limitExceeded(what: "non-compact str kind", value: kind, limit: 0)
        }
        let count = Int(length)
        if ascii {
            let bytes = try memory.bytes(at: object &+ UInt64(asciiSize), count: count)
            return String(decoding: bytes, as: UTF8.self)
        }
        return try scalars(at: object &+ UInt64(compactSize), count: count, width: kind)
    }

    /// `Py_TPFLAGS_STRING_SUBCLASS` (2.7; `BYTES_SUBCLASS` in 3) and `Py_TPFLAGS_UNICODE_SUBCLASS`.
    static let byteStringFlag: UInt64 = 1 << 27
    static let unicodeFlag: UInt64 = 1 << 28

    /// 2.7: a `str` holds `ob_size` bytes at `ob_sval`; a `unicode` points at `length` `Py_UNICODE` units.
    private func legacyString(at object: UInt64, maxLength: Int) throws(MemoryError) -> String {
        let flags = try memory.load(UInt64.self, at: typeOf(object) &+ UInt64(layout.type.flags))
        let u = layout.unicode
        let unicode = flags & Self.unicodeFlag != 0
        guard unicode || flags & Self.byteStringFlag != 0 else {
            throw MemoryError.limitExceeded(what: "not a str", value: 0, limit: 0)
        }
        let length = try memory.load(Int64.self, at: object &+ UInt64(unicode ? u.length : layout.object.size))
        guard length >= 0, length <= Int64(maxLength) else {
            throw MemoryError.limitExceeded(what: "str length", value: Int(clamping: length), limit: maxLength)
        }
        guard unicode else {
            return String(decoding: try memory.bytes(at: object &+ UInt64(layout.bytes.data), count: Int(length)), as: UTF8.self)
        }
        guard let dataField = u.legacyData, let width = u.legacyUnitSize, width == 2 || width == 4 else {
            throw MemoryError.limitExceeded(what: "unicode layout", value: 0, limit: 0)
        }
        return try scalars(at: memory.pointer(at: object &+ UInt64(dataField)), count: Int(length), width: width)
    }

    /// `count` code units of `width` bytes, little-endian (UTF-16 surrogates are not paired: names are rarely outside the BMP).
    private func scalars(at address: UInt64, count: Int, width: Int) throws(MemoryError) -> String {
        let raw = try memory.bytes(at: address, count: count * width)
        var scalars = String.UnicodeScalarView()
        for index in 0..<count {
            var code: UInt32 = 0
            for byte in (0..<width).reversed() { code = code << 8 | UInt32(raw[index * width + byte]) }
            scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
        }
        return String(scalars)
    }

    /// The value of an `int` (a `PyLongObject`; see `LongLayout`), nil when it does not fit in 64 bits.
    func longValue(at object: UInt64) throws(MemoryError) -> Int64? {
        let l = layout.long
        var count = 0, negative = false
        if let tagField = l.tag {
            let tag = try memory.load(UInt64.self, at: object &+ UInt64(tagField))
            count = Int(tag >> UInt64(LongLayout.tagSizeShift))
            negative = tag & LongLayout.tagSignMask == 2
        } else {
            let size = try memory.load(Int64.self, at: object &+ UInt64(layout.object.size))
            guard size > Int64.min else { return nil }
            count = Int(abs(size))
            negative = size < 0
        }
        // More digits than 64 bits take: too large (or not an int).
        guard count <= (64 + l.digitBits - 1) / l.digitBits else { return nil }
        var magnitude: UInt64 = 0
        for index in (0..<count).reversed() {
            guard magnitude >> (64 - l.digitBits) == 0 else { return nil }
            let address = object &+ UInt64(l.digits + index * l.digitSize)
            let digit = l.digitSize == 4 ? UInt64(try memory.load(UInt32.self, at: address)) : UInt64(try memory.load(UInt16.self, at: address))
            magnitude = magnitude << UInt64(l.digitBits) | digit
        }
        guard magnitude <= UInt64(Int64.max) else { return negative && magnitude == UInt64(Int64.max) + 1 ? Int64.min : nil }
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    /// Looks up a `str` key in a combined-table dict (type and module dicts are always combined) by
    /// comparing key strings: no hashing needed, and type dicts are small.
    /// Returns the value pointer, or nil when the key is absent or the dict is a split table.
    func dictLookup(_ dict: UInt64, key wanted: String) throws(MemoryError) -> UInt64? {
        let shape = try DictShape(dict: dict, memory: memory, layout: layout.dict, limit: ReadLimits.maxDictEntries)
        guard shape.values == 0 else { return nil }
        for index in 0..<shape.count {
            let key = try memory.pointer(at: shape.table.keySlot(index))
            guard key != 0, (try? string(at: key, maxLength: wanted.utf8.count + 1)) == wanted,
                  let value = try? memory.pointer(at: shape.table.keySlot(index) &+ 8), value != 0 else { continue }
            return value
        }
        return nil
    }
}
