import CPythonLayouts
import RemoteMemory

/// Object sizes the way `sys.getsizeof` counts them: the object's `__sizeof__` plus the gc header
/// (and, from 3.12, the pre-header of managed dicts/weakrefs). Exact for the common builtins
/// (str, bytes, tuple, list, set, plain instances); for other types the generic
/// `tp_basicsize + |ob_size| * tp_itemsize` rule, which is what `object.__sizeof__` does.
/// What depends on the type alone is worked out once per type (a snapshot sizes every object).
final class ObjectSizes {
    let memory: CachedMemory
    let layout: PythonLayout
    let strType: UInt64?
    let listType: UInt64?
    let setTypes: Set<UInt64>
    let dictType: UInt64?
    let frameType: UInt64?
    let orderedDictType: UInt64?
    /// Generator, coroutine and async generator types (their size includes the embedded frame, 3.11+).
    let generatorTypes: Set<UInt64>
    /// `PyLong_Type` (3.12+ counts its digits in a tagged field), and the tag's shift, read once (the
    /// layout parses its version to answer).
    let longType: UInt64?
    private let longDigitCountShift: Int?
    /// Flags whose presence adds the 16-byte pre-header (3.11: managed dict; 3.12+: managed dict or
    /// weakref), worked out once from the series.
    private let preHeader: UInt64
    /// The builtins whose `__sizeof__` a subclass inherits.
    private let special: Set<UInt64>

    private struct TypeFacts {
        var basic: Int
        var item: Int
        var flags: UInt64
        /// The builtin base whose `__sizeof__` applies (see `builtinBase`).
        var base: UInt64
    }

    private var facts: [UInt64: TypeFacts] = [:]
    private var lastType: UInt64 = 0
    private var lastFacts = TypeFacts(basic: 0, item: 0, flags: 0, base: 0)

    init(memory: CachedMemory, layout: PythonLayout, strType: UInt64?, listType: UInt64?, setTypes: Set<UInt64>,
         dictType: UInt64?, frameType: UInt64?, orderedDictType: UInt64?, generatorTypes: Set<UInt64>, longType: UInt64? = nil) {
        self.memory = memory
        self.layout = layout
        self.strType = strType
        self.listType = listType
        self.setTypes = setTypes
        self.dictType = dictType
        self.frameType = frameType
        self.orderedDictType = orderedDictType
        self.generatorTypes = generatorTypes
        self.longType = longType
        longDigitCountShift = layout.longDigitCountShift
        preHeader = layout.preHeaderFlags
        special = Set([orderedDictType, listType, dictType, longType].compactMap { $0 }).union(setTypes)
    }

    private func typeFacts(_ type: UInt64) throws(MemoryError) -> TypeFacts {
        if type == lastType && type != 0 { return lastFacts }
        if let known = facts[type] {
            lastType = type
            lastFacts = known
            return known
        }
        let known = TypeFacts(basic: Int(Int64(bitPattern: try memory.word(at: type &+ UInt64(layout.type.basicSize)))),
                              item: Int(Int64(bitPattern: try memory.word(at: type &+ UInt64(layout.type.itemSize)))),
                              flags: try memory.word(at: type &+ UInt64(layout.type.flags)),
                              base: builtinBase(of: type))
        facts[type] = known
        lastType = type
        lastFacts = known
        return known
    }

    static let haveGCFlag: UInt64 = 1 << 14

    /// More items than any object holds (2^32): beyond it a size is not read from a count.
    static let maxItems = 1 << 32

    /// Where the allocation holding `object` starts (before its gc header and pre-header) and the
    /// least it spans (those headers and `tp_basicsize`); nil when the type cannot be read.
    func allocation(of object: UInt64, type: UInt64) -> (start: UInt64, least: Int)? {
        guard let known = try? typeFacts(type), known.basic > 0 else { return nil }
        var before = 0
        if known.flags & Self.haveGCFlag != 0 { before = layout.gc.headSize + (known.flags & preHeader != 0 ? 16 : 0) }
        return (object &- UInt64(before), before + known.basic)
    }

    /// The size of `object` of `type`, or 0 when it cannot be read.
    func size(of object: UInt64, type: UInt64) -> Int {
        (try? read(object, type)) ?? 0
    }

    private func read(_ object: UInt64, _ type: UInt64) throws(MemoryError) -> Int {
        let known = try typeFacts(type)
        let basic = known.basic, item = known.item, flags = known.flags
        var size: Int
        // A subclass inherits its builtin base's __sizeof__, applied with its own basicsize (read above).
        let type = known.base
        if type == strType {
            size = try stringSize(object, basic: basic)
        } else if type == listType {
            let allocated = Int(Int64(bitPattern: try memory.word(at: object &+ UInt64(layout.list.allocated))))
            size = basic + max(0, allocated) * 8
        } else if type == frameType, let frameSize = try frameObjectSize(object) {
            size = frameSize
        } else if generatorTypes.contains(type), let frameSize = try generatorSize(object) {
            size = frameSize
        } else if type == orderedDictType {
            size = basic + (try dictTables(object)) + (try orderedDictNodes(object))
        } else if type == dictType {
            size = basic + (try dictTables(object))
        } else if type == Self.dequeMarker, let deque = layout.frames.deque {
            // deque_sizeof: the object plus every block its items span.
            let left = Int(Int64(bitPattern: try memory.word(at: object &+ UInt64(deque.leftIndex))))
            let count = Int(Int64(bitPattern: try memory.word(at: object &+ UInt64(deque.length ?? layout.object.size))))
            let blocks = (left + count + deque.blockLength - 1) / deque.blockLength
            size = basic + max(0, blocks) * deque.blockSize
        } else if type == longType && longType != nil, let shift = longDigitCountShift {
            let tag = try memory.word(at: object &+ UInt64(layout.object.size))
            size = basic + max(1, Int(truncatingIfNeeded: tag >> UInt64(shift))) * item
        } else if setTypes.contains(type) {
            // A set's table lives inline (smalltable) until it grows past 8 slots.
            let mask = Int(Int64(bitPattern: try memory.word(at: object &+ UInt64(layout.traversal.setMask))))
            let table = try memory.word(at: object &+ UInt64(layout.traversal.setTable))
            let inline = table >= object && table < object &+ UInt64(basic)
            guard mask >= 0, mask < Self.maxItems else { return 0 }
            size = basic + (inline ? 0 : (mask + 1) * layout.traversal.setEntrySize)
        } else {
            let count = Int64(bitPattern: try memory.word(at: object &+ UInt64(layout.object.size)))
            // A count no object has means memory that is no object of this type: no size.
            guard item <= 0 || (count > -Int64(Self.maxItems) && count < Int64(Self.maxItems)) else { return 0 }
            size = basic + (item > 0 ? abs(Int(count)) * item : 0)
        }
        guard size >= 0, size < 1 << 40 else { return 0 }
        if flags & Self.haveGCFlag != 0 {
            size += layout.gc.headSize
            if flags & preHeader != 0 { size += 16 }
        }
        return size
    }

    /// Stands for `collections.deque`, which has no exported symbol (recognised by `tp_name`).
    static let dequeMarker: UInt64 = 1

    /// The first of OrderedDict, list, dict, int, set, frozenset or deque found walking `tp_base` from
    /// `type`, else `type`.
    private func builtinBase(of type: UInt64) -> UInt64 {
        var cursor = type
        for _ in 0..<32 {
            if special.contains(cursor) { return cursor }
            if let deque = layout.frames.deque,
               (try? memory.cString(at: memory.word(at: cursor &+ UInt64(layout.type.name)), maxLength: 64)) == deque.tpName {
                return Self.dequeMarker
            }
            guard let base = try? memory.word(at: cursor &+ UInt64(layout.type.base)), base != 0 else { return type }
            cursor = base
        }
        return type
    }

    /// `frame_sizeof`: 3.8–3.10 `sizeof(PyFrameObject) + (co_stacksize + co_nlocals + cells + frees - 1) * 8`;
    /// 3.11+ the frame data's offset plus the interpreter frame it embeds (see `interpreterFrameSize`).
    private func frameObjectSize(_ frame: UInt64) throws(MemoryError) -> Int? {
        let c = layout.code, f = layout.frames
        if let base = c.frameObjectSize, let codeField = f.frameCode, let stack = c.stackSize, let nlocals = f.codeNlocals,
           let cellvars = f.codeCellvars, let freevars = f.codeFreevars {
            let code = try memory.word(at: frame &+ UInt64(codeField))
            let slots = Int(try memory.load(Int32.self, at: code &+ UInt64(stack)))
                + Int(try memory.load(Int32.self, at: code &+ UInt64(nlocals)))
                + tupleSize(try memory.word(at: code &+ UInt64(cellvars)))
                + tupleSize(try memory.word(at: code &+ UInt64(freevars)))
            return base + (slots - 1) * 8
        }
        guard let dataOffset = c.frameObjectDataOffset, let field = f.frameInterpreterFrame else { return nil }
        let interpreter = try memory.word(at: frame &+ UInt64(field))
        return try interpreterFrameSize(start: dataOffset, interpreterFrame: interpreter)
    }

    /// `gen_sizeof` (3.11+; before, generators are plain fixed-size objects).
    private func generatorSize(_ generator: UInt64) throws(MemoryError) -> Int? {
        guard let offset = layout.code.generatorFrameOffset else { return nil }
        return try interpreterFrameSize(start: offset, interpreterFrame: generator &+ UInt64(offset))
    }

    /// 3.11: `start + offsetof(_PyInterpreterFrame, localsplus) + (co_nlocalsplus + co_stacksize) * 8`;
    /// 3.12+: `start + co_framesize * 8` (co_framesize counts the frame's own header words too).
    private func interpreterFrameSize(start: Int, interpreterFrame: UInt64) throws(MemoryError) -> Int? {
        let c = layout.code
        guard let codeField = c.interpreterFrameCode else { return nil }
        let code = try memory.word(at: interpreterFrame &+ UInt64(codeField)) & PythonLayout.stackRefMask
        if let frameSize = c.frameSize {
            return start + Int(try memory.load(Int32.self, at: code &+ UInt64(frameSize))) * 8
        }
        guard let localsPlus = c.interpreterFrameLocalsPlusOffset, let nlocalsPlus = c.nlocalsPlus, let stack = c.stackSize else { return nil }
        let slots = Int(try memory.load(Int32.self, at: code &+ UInt64(nlocalsPlus))) + Int(try memory.load(Int32.self, at: code &+ UInt64(stack)))
        return start + localsPlus + slots * 8
    }

    private func tupleSize(_ tuple: UInt64) -> Int {
        guard let size = try? memory.load(Int64.self, at: tuple &+ UInt64(layout.object.size)), size >= 0, size < 1 << 20 else { return 0 }
        return Int(size)
    }

    /// odict_sizeof beyond the dict: the fast-node table (`od_fast_nodes_size` pointers) and, unless
    /// empty, one 32-byte `_ODictNode` per item. `od_fast_nodes_size` sits three words before
    /// `od_inst_dict` in PyODictObject in every supported version (od_fast_nodes_size,
    /// od_resize_sentinel, od_state, od_inst_dict), the first field odict_traverse visits (3.6 visits
    /// od_weakreflist after it).
    private func orderedDictNodes(_ object: UInt64) throws(MemoryError) -> Int {
        guard let instDict = layout.frames.dictSubtypeFields["PyODict_Type"]?.first else { return 0 }
        let fastSize = Int(Int64(bitPattern: try memory.word(at: object &+ UInt64(instDict - 24))))
        let first = try memory.word(at: object &+ UInt64(instDict - 48))  // od_first
        let used = Int(Int64(bitPattern: try memory.word(at: object &+ UInt64(layout.dict.used))))
        guard fastSize >= 0, fastSize < 1 << 30, used >= 0 else { return 0 }
        return fastSize * 8 + (first == 0 ? 0 : used * 32)
    }

    /// `_PyDict_SizeOf` beyond the object itself: a split table's values array, and the keys table
    /// when the dict is its only owner (`dk_refcnt == 1`).
    /// 2.7: the table, unless it is the inline `ma_smalltable`.
    private func dictTables(_ object: UInt64) throws(MemoryError) -> Int {
        let d = layout.dict
        guard let keysField = d.keys, let valuesField = d.values, let countField = d.keysEntryCount,
              let indicesField = d.keysIndices else {
            guard let smallTable = d.smallTable else { return 0 }
            let shape = try DictShape(dict: object, memory: memory, layout: d, limit: 1 << 30)
            return shape.table.entries == object &+ UInt64(smallTable) ? 0 : shape.count * d.entrySize
        }
        let keys = try memory.word(at: object &+ UInt64(keysField))
        let values = try memory.word(at: object &+ UInt64(valuesField))
        let refcount = Int64(bitPattern: try memory.word(at: keys))  // dk_refcnt is the first field
        let table = try DictKeysTable(keys: keys, memory: memory, layout: layout.dict)
        var size = values != 0 ? table.usable * 8 : 0
        if values != 0, d.keysSize == nil {
            // 3.11+: shared_keys_usable_size() = dk_nentries + dk_usable (dk_usable is the word before dk_nentries).
            let entries = Int(Int64(bitPattern: try memory.word(at: keys &+ UInt64(countField))))
            let free = Int(Int64(bitPattern: try memory.word(at: keys &+ UInt64(countField - 8))))
            if entries >= 0, free >= 0, entries + free < 1 << 20 { size = (entries + free) * 8 }
        }
        if refcount == 1 { size += indicesField + table.indexBytes + table.usable * table.entrySize }
        return size
    }

    /// A compact str: the header, then length+1 units of 1, 2 or 4 bytes.
    /// 2.7's unicode (unicode__sizeof__): the object (`basic`), then length+1 `Py_UNICODE` units.
    private func stringSize(_ object: UInt64, basic: Int) throws(MemoryError) -> Int {
        let u = layout.unicode
        let length = Int(Int64(bitPattern: try memory.word(at: object &+ UInt64(u.length))))
        guard let stateField = u.state, let kindShift = u.kindShift, let asciiShift = u.asciiShift,
              let asciiSize = u.asciiSize, let compactSize = u.compactSize else {
            guard let unit = u.legacyUnitSize, length >= 0 else { return 0 }
            return basic + (length + 1) * unit
        }
        let state = try memory.load(UInt32.self, at: object &+ UInt64(stateField))
        let kind = Int(state >> UInt32(kindShift)) & 0b111
        let ascii = (state >> UInt32(asciiShift)) & 1 == 1
        guard length >= 0, [1, 2, 4].contains(kind) else { return 0 }
        return (ascii ? asciiSize : compactSize) + (length + 1) * kind
    }
}
