import CPythonLayouts
import RemoteMemory

/// Lists the objects one object references, the way its type's `tp_traverse` would visit them.
/// Every size read from the target is bounded; an object that cannot be read yields no references
/// and counts as inexact (safe: see UnreachableSet).
struct ReferenceFinder {
    let memory: CachedMemory
    let layout: PythonLayout

    /// Largest container pyinspect will traverse (items, dict entries, set slots).
    static let maxItems = 1 << 28

    /// Appends the referents of `object` to `out`; returns false when they could not all be read.
    func referents(of object: UInt64, traversal: Traversal, into out: inout [UInt64]) -> Bool {
        let mark = out.count
        do {
            try visit(object, traversal, &out)
            return true
        } catch {
            out.removeSubrange(mark...)
            return false
        }
    }

    private func visit(_ object: UInt64, _ traversal: Traversal, _ out: inout [UInt64]) throws(MemoryError) {
        switch traversal {
        case .opaque, .nothing:
            return
        case let .fields(offsets):
            for offset in offsets { try append(memory.word(at: object &+ UInt64(offset)), &out) }
        case .tuple:
            try pointerArray(at: object &+ UInt64(layout.traversal.tupleItems), count: try size(of: object), &out)
        case .list:
            let items = try memory.word(at: object &+ UInt64(layout.list.items))
            try pointerArray(at: items, count: try size(of: object), &out)
        case .dict:
            try dict(object, &out)
        case .set:
            try set(object, &out)
        case let .instance(plan):
            for slot in plan.slots { try append(memory.word(at: object &+ UInt64(slot)), &out) }
            try instanceDict(object, plan.dict, &out)
            out.append(plan.type)
            try visit(object, plan.base, &out)
        }
    }

    @inline(__always)
    private func append(_ pointer: UInt64, _ out: inout [UInt64]) {
        if pointer != 0 { out.append(pointer) }
    }

    private func size(of object: UInt64) throws(MemoryError) -> Int {
        let size = Int64(bitPattern: try memory.word(at: object &+ UInt64(layout.object.size)))
        guard size >= 0, size <= Int64(Self.maxItems) else {
            throw MemoryError.limitExceeded(what: "container size", value: Int(clamping: size), limit: Self.maxItems)
        }
        return Int(size)
    }

    private func pointerArray(at address: UInt64, count: Int, _ out: inout [UInt64]) throws(MemoryError) {
        guard count > 0 else { return }
        let bytes = try memory.bytes(at: address, count: count * 8, limit: Self.maxItems * 8)
        bytes.withUnsafeBytes { raw in
            for index in 0..<count { append(raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self), &out) }
        }
    }

    /// `dict_traverse`: split tables visit their values array; combined tables visit each live
    /// entry's value (and key, for general keys; unicode keys are never tracked so skipping them
    /// changes nothing).
    private func dict(_ object: UInt64, _ out: inout [UInt64]) throws(MemoryError) {
        let d = layout.dict
        let keys = try memory.word(at: object &+ UInt64(d.keys))
        let values = try memory.word(at: object &+ UInt64(d.values))
        let entryCount = Int64(bitPattern: try memory.word(at: keys &+ UInt64(d.keysEntryCount)))
        guard entryCount >= 0, entryCount <= Int64(Self.maxItems) else {
            throw MemoryError.limitExceeded(what: "dict entries", value: Int(clamping: entryCount), limit: Self.maxItems)
        }
        let count = Int(entryCount)
        if values != 0 {
            // 3.13+: values embedded in their owner object are visited by the owner, not by the dict.
            // PyDictValues starts {capacity, size, embedded, valid}: `embedded` sits just before `valid`.
            if let validField = layout.traversal.dictValuesValid,
               try memory.load(UInt8.self, at: values &+ UInt64(validField - 1)) != 0 {
                return
            }
            try pointerArray(at: values &+ UInt64(layout.traversal.dictValuesItems ?? 0), count: count, &out)
            return
        }
        let (entries, entrySize, keyOffset) = try entryTable(keys)
        guard count > 0 else { return }
        let bytes = try memory.bytes(at: entries, count: count * entrySize, limit: Self.maxItems * 24)
        bytes.withUnsafeBytes { raw in
            for index in 0..<count {
                let base = index * entrySize + keyOffset
                let value = raw.loadUnaligned(fromByteOffset: base + 8, as: UInt64.self)
                guard value != 0 else { continue }
                append(value, &out)
                append(raw.loadUnaligned(fromByteOffset: base, as: UInt64.self), &out)
            }
        }
    }

    /// Start of a keys object's entries, entry size, and where the key sits in an entry.
    private func entryTable(_ keys: UInt64) throws(MemoryError) -> (UInt64, Int, Int) {
        let d = layout.dict
        if let sizeField = d.keysSize {
            let size = Int64(bitPattern: try memory.word(at: keys &+ UInt64(sizeField)))
            guard size > 0, size <= Int64(Self.maxItems) * 2 else {
                throw MemoryError.limitExceeded(what: "dict size", value: Int(clamping: size), limit: Self.maxItems * 2)
            }
            let width: Int64 = size <= 0xff ? 1 : size <= 0xffff ? 2 : size <= 0xffff_ffff ? 4 : 8
            return (keys &+ UInt64(d.keysIndices) &+ UInt64(size * width), d.entrySize, 8)
        }
        guard let log2IndexField = d.keysLog2IndexBytes, let kindField = d.keysKind, let unicodeSize = d.unicodeEntrySize else {
            throw MemoryError.limitExceeded(what: "dict layout", value: 0, limit: 0)
        }
        let log2Index = try memory.load(UInt8.self, at: keys &+ UInt64(log2IndexField))
        let kind = try memory.load(UInt8.self, at: keys &+ UInt64(kindField))
        guard log2Index < 40 else { throw MemoryError.limitExceeded(what: "dict index bytes log2", value: Int(log2Index), limit: 40) }
        let entries = keys &+ UInt64(d.keysIndices) &+ (1 << UInt64(log2Index))
        return kind == 0 ? (entries, d.entrySize, 8) : (entries, unicodeSize, 0)
    }

    /// `set_traverse`: every used slot's key (the dummy marker is a static object, never tracked).
    private func set(_ object: UInt64, _ out: inout [UInt64]) throws(MemoryError) {
        let t = layout.traversal
        let mask = Int64(bitPattern: try memory.word(at: object &+ UInt64(t.setMask)))
        guard mask >= 0, mask < Int64(Self.maxItems) else {
            throw MemoryError.limitExceeded(what: "set mask", value: Int(clamping: mask), limit: Self.maxItems)
        }
        let slots = Int(mask) + 1
        let table = try memory.word(at: object &+ UInt64(t.setTable))
        let bytes = try memory.bytes(at: table, count: slots * t.setEntrySize, limit: Self.maxItems * t.setEntrySize)
        bytes.withUnsafeBytes { raw in
            for index in 0..<slots {
                append(raw.loadUnaligned(fromByteOffset: index * t.setEntrySize + t.setEntryKey, as: UInt64.self), &out)
            }
        }
    }

    private func instanceDict(_ object: UInt64, _ location: DictLocation, _ out: inout [UInt64]) throws(MemoryError) {
        switch location {
        case .none:
            return
        case let .offset(dictOffset, basicSize, itemSize):
            var offset = dictOffset
            if offset < 0 {
                // _PyObject_GetDictPtr: counted from the end of a variable-size object, pointer aligned.
                let items = abs(Int(Int64(bitPattern: try memory.word(at: object &+ UInt64(layout.object.size)))))
                guard items <= Self.maxItems else { throw MemoryError.limitExceeded(what: "object size", value: items, limit: Self.maxItems) }
                offset += (basicSize + items * itemSize + 7) & ~7
            }
            append(try memory.word(at: object &+ UInt64(bitPattern: Int64(offset))), &out)
        case let .managed311(cachedKeys):
            let values = try memory.word(at: object &- 32)
            if values != 0 { try cachedValues(values, keys: cachedKeys, &out) }
            append(try memory.word(at: object &- 24), &out)
        case let .managed312(cachedKeys):
            let word = try memory.word(at: object &- 24)
            if word & 1 == 1 {
                try cachedValues(word &+ 1, keys: cachedKeys, &out)
            } else {
                append(word, &out)
            }
        case let .managed313(inlineValuesAt):
            if let inline = inlineValuesAt, let validField = layout.traversal.dictValuesValid {
                let values = object &+ UInt64(inline)
                if try memory.load(UInt8.self, at: values &+ UInt64(validField)) != 0 {
                    // PyDictValues: uint8 capacity first; PyObject_VisitManagedDict visits `capacity` slots.
                    let capacity = Int(try memory.load(UInt8.self, at: values))
                    try pointerArray(at: values &+ UInt64(layout.traversal.dictValuesItems ?? 8), count: capacity, &out)
                    return
                }
            }
            append(try memory.word(at: object &- 24), &out)
        }
    }

    /// Values of a class's shared-keys layout: `ht_cached_keys->dk_nentries` slots.
    private func cachedValues(_ values: UInt64, keys: UInt64, _ out: inout [UInt64]) throws(MemoryError) {
        guard keys != 0 else { return }
        let count = Int64(bitPattern: try memory.word(at: keys &+ UInt64(layout.dict.keysEntryCount)))
        guard count >= 0, count < 1 << 16 else {
            throw MemoryError.limitExceeded(what: "shared keys", value: Int(clamping: count), limit: 1 << 16)
        }
        try pointerArray(at: values &+ UInt64(layout.traversal.dictValuesItems ?? 0), count: Int(count), &out)
    }
}
