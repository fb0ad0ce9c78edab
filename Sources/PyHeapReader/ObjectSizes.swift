import CPythonLayouts
import RemoteMemory

/// Object sizes the way `sys.getsizeof` counts them: the object's `__sizeof__` plus the gc header
/// (and, from 3.12, the pre-header of managed dicts/weakrefs). Exact for the common builtins
/// (str, bytes, tuple, list, set, plain instances); for other types the generic
/// `tp_basicsize + |ob_size| * tp_itemsize` rule, which is what `object.__sizeof__` does.
struct ObjectSizes {
    let memory: CachedMemory
    let layout: PythonLayout
    let strType: UInt64?
    let listType: UInt64?
    let setTypes: Set<UInt64>
    let dictType: UInt64?

    static let haveGCFlag: UInt64 = 1 << 14
    static let preHeaderFlags: UInt64 = 1 << 3 | 1 << 4  // MANAGED_WEAKREF | MANAGED_DICT

    /// The size of `object` of `type`, or 0 when it cannot be read.
    func size(of object: UInt64, type: UInt64) -> Int {
        (try? read(object, type)) ?? 0
    }

    private func read(_ object: UInt64, _ type: UInt64) throws(MemoryError) -> Int {
        let basic = Int(Int64(bitPattern: try memory.word(at: type &+ UInt64(layout.type.basicSize))))
        let item = Int(Int64(bitPattern: try memory.word(at: type &+ UInt64(layout.type.itemSize))))
        let flags = try memory.word(at: type &+ UInt64(layout.type.flags))
        var size: Int
        if type == strType {
            size = try stringSize(object)
        } else if type == listType {
            let allocated = Int(Int64(bitPattern: try memory.word(at: object &+ UInt64(layout.list.allocated))))
            size = basic + max(0, allocated) * 8
        } else if type == dictType {
            size = basic + (try dictTables(object))
        } else if setTypes.contains(type) {
            // A set's table lives inline (smalltable) until it grows past 8 slots.
            let mask = Int(Int64(bitPattern: try memory.word(at: object &+ UInt64(layout.traversal.setMask))))
            let table = try memory.word(at: object &+ UInt64(layout.traversal.setTable))
            let inline = table >= object && table < object &+ UInt64(basic)
            size = basic + (inline ? 0 : (mask + 1) * layout.traversal.setEntrySize)
        } else {
            let items = item > 0 ? abs(Int(Int64(bitPattern: try memory.word(at: object &+ UInt64(layout.object.size))))) : 0
            size = basic + items * item
        }
        guard size >= 0, size < 1 << 40 else { return 0 }
        if flags & Self.haveGCFlag != 0 {
            size += layout.gc.headSize
            // 3.11: a managed dict adds two words before the gc header; 3.12+: managed dict or weakref.
            let minor = PythonVersion(string: layout.series)?.minor ?? 0
            let preHeader = minor >= 12 ? Self.preHeaderFlags : minor == 11 ? UInt64(1 << 4) : 0
            if flags & preHeader != 0 { size += 16 }
        }
        return size
    }

    /// `_PyDict_SizeOf` beyond the object itself: a split table's values array, and the keys table
    /// when the dict is its only owner (`dk_refcnt == 1`).
    private func dictTables(_ object: UInt64) throws(MemoryError) -> Int {
        let d = layout.dict
        let keys = try memory.word(at: object &+ UInt64(d.keys))
        let values = try memory.word(at: object &+ UInt64(d.values))
        let refcount = Int64(bitPattern: try memory.word(at: keys))  // dk_refcnt is the first field
        var slots: Int, indexBytes: Int, entrySize = d.entrySize
        if let sizeField = d.keysSize {
            slots = Int(Int64(bitPattern: try memory.word(at: keys &+ UInt64(sizeField))))
            let width = slots <= 0xff ? 1 : slots <= 0xffff ? 2 : slots <= 0xffff_ffff ? 4 : 8
            indexBytes = slots * width
        } else {
            guard let log2Size = d.keysLog2Size, let log2Index = d.keysLog2IndexBytes, let kind = d.keysKind else { return 0 }
            slots = 1 << Int(try memory.load(UInt8.self, at: keys &+ UInt64(log2Size)))
            indexBytes = 1 << Int(try memory.load(UInt8.self, at: keys &+ UInt64(log2Index)))
            if try memory.load(UInt8.self, at: keys &+ UInt64(kind)) != 0, let unicode = d.unicodeEntrySize { entrySize = unicode }
        }
        guard slots > 0, slots < 1 << 30 else { return 0 }
        let usable = (slots << 1) / 3
        var size = values != 0 ? usable * 8 : 0
        if refcount == 1 { size += d.keysIndices + indexBytes + usable * entrySize }
        return size
    }

    /// A compact str: the header, then length+1 units of 1, 2 or 4 bytes.
    private func stringSize(_ object: UInt64) throws(MemoryError) -> Int {
        let u = layout.unicode
        let length = Int(Int64(bitPattern: try memory.word(at: object &+ UInt64(u.length))))
        let state = try memory.load(UInt32.self, at: object &+ UInt64(u.state))
        let kind = Int(state >> UInt32(u.kindShift)) & 0b111
        let ascii = (state >> UInt32(u.asciiShift)) & 1 == 1
        guard length >= 0, [1, 2, 4].contains(kind) else { return 0 }
        return (ascii ? u.asciiSize : u.compactSize) + (length + 1) * kind
    }
}
