import CPythonLayouts
import RemoteMemory

/// Lays out CPython structures byte by byte in a `MemoryImage`, using a layout table's offsets, so
/// that the reader can be tested on every supported series without a process.
final class SyntheticHeap {
    let layout: PythonLayout
    let version: PythonVersion
    let image = MemoryImage()
    let runtime: UInt64 = 0x10_0000
    let interpreter: UInt64 = 0x20_0000
    private var cursor: UInt64 = 0x100_0000
    /// Where objects have been laid out so far.
    var usedRange: Range<UInt64> { 0x100_0000..<cursor }
    /// Where gcmodule.c's variables are, for a series without `_PyRuntime` (3.6).
    let statics: UInt64 = 0x30_0000
    /// The address of each part of the gc state (a structure's fields, or the statics).
    private(set) var stateAt: [String: UInt64] = [:]

    init(layout: PythonLayout) {
        self.layout = layout
        version = PythonVersion(string: layout.series + ".7")!
        image.map(at: runtime, size: max(layout.runtime.size ?? 0, 4096))
        image.map(at: interpreter, size: 64 * 1024)
        image.map(at: statics, size: 4096)
        image.map(at: cursor, size: 16 << 20)
        let g = layout.gc
        switch layout.era.gcStateHome {
        case let .runtime(offset):
            setStructure(at: runtime + UInt64(offset))
        case let .interpreter(offset):
            image.store(interpreter, at: runtime + UInt64(layout.runtime.interpretersMain!))
            image.store(interpreter, at: runtime + UInt64(layout.runtime.interpretersHead!))
            setStructure(at: interpreter + UInt64(offset))
        case .moduleStatics:
            // Each variable at its own place, in the order gcmodule.c does not promise.
            stateAt = ["generations": statics, "enabled": statics + 0x200, "debug": statics + 0x210,
                       "collecting": statics + 0x220, "garbage": statics + 0x230]
            if g.statics["generationStats"] != nil { stateAt["generationStats"] = statics + 0x300 }  // 3.6; 2.7 keeps none
            image.store(interpreter, at: statics + 0x400)  // interp_head
        }
        // Empty, self-linked generation lists.
        for index in 0..<g.generationCount { linkEmpty(generationHead(index)) }
        if let permanent = stateAt["permanent"] { linkEmpty(permanent) }
        if let generation0 = g.generation0, let generations = stateAt["generations"], let offset = g.generations {
            image.store(generations, at: generations - UInt64(offset) + UInt64(generation0))  // the struct's own field
        }
    }

    private func setStructure(at base: UInt64) {
        let g = layout.gc
        let fields: [(String, Int?)] = [("generations", g.generations), ("enabled", g.enabled), ("debug", g.debug),
                                        ("collecting", g.collecting), ("garbage", g.garbage),
                                        ("generationStats", g.generationStats), ("permanent", g.permanentGeneration)]
        for (role, offset) in fields { if let offset { stateAt[role] = base + UInt64(offset) } }
    }

    var symbols: [String: ResolvedSymbol] {
        guard let size = layout.runtime.size else {
            var out: [String: ResolvedSymbol] = [:]
            for (role, name) in layout.gc.statics {
                guard let address = stateAt[role] else { continue }
                out[name] = ResolvedSymbol(name: name, address: address, size: 8, file: "libpython.so")
            }
            if let head = layout.interpreter.statics["head"] {
                out[head] = ResolvedSymbol(name: head, address: statics + 0x400, size: 8, file: "libpython.so")
            }
            return out
        }
        var out = ["_PyRuntime": ResolvedSymbol(name: "_PyRuntime", address: runtime, size: UInt64(size), file: "libpython.so")]
        if version.minor >= 11 {
            out["Py_Version"] = ResolvedSymbol(name: "Py_Version", address: pyVersionAddress, size: 8, file: "libpython.so")
        }
        return out
    }

    var pyVersionAddress: UInt64 { interpreter + 60 * 1024 }

    func targetImage() -> TargetImage {
        image.store(version.hex, at: pyVersionAddress)
        // Before 3.11 there is no Py_Version: the version comes from the library's name.
        let library = "/lib/libpython\(layout.series)\(version.major == 3 && version.minor < 8 ? "m" : "").so.1.0"
        return TargetImage(pid: 0, executable: "/usr/bin/python3", pythonLibrary: library, hasSymbolTable: true,
                           regions: image.regions, symbols: symbols)
    }

    /// Writes a `_Py_DebugOffsets` table (3.13 shape) that agrees with the layout.
    func writeDebugOffsets(overriding: [String: UInt64] = [:]) {
        image.storeBytes(DebugOffsets.cookie, at: runtime)
        image.store(version.hex, at: runtime + 8)
        image.store(UInt64(0), at: runtime + 16)
        let values: [String: Int?] = [
            "runtime_state.size": layout.runtime.size, "runtime_state.interpreters_head": layout.runtime.interpretersHead,
            "interpreter_state.id": layout.interpreter.id, "interpreter_state.next": layout.interpreter.next,
            "interpreter_state.gc": layout.interpreter.gc,
            "interpreter_state.sysdict": layout.interpreter.sysdict, "pyobject.ob_type": layout.object.type,
            "type_object.tp_name": layout.type.name, "type_object.tp_flags": layout.type.flags,
            "list_object.ob_item": layout.list.items, "list_object.ob_size": layout.object.size,
            "dict_object.ma_keys": layout.dict.keys, "dict_object.ma_values": layout.dict.values,
            "unicode_object.state": layout.unicode.state, "unicode_object.length": layout.unicode.length,
            "unicode_object.asciiobject_size": layout.unicode.asciiSize, "gc.size": layout.gc.stateSize,
            "gc.collecting": layout.gc.collecting,
        ]
        for (name, field) in DebugOffsetsLayout.entries {
            guard let offset = layout.debugOffsets[keyPath: field] else { continue }
            if let value = overriding[name] ?? values[name].flatMap({ $0.map(UInt64.init) }) {
                image.store(value, at: runtime + UInt64(offset))
            }
        }
    }

    func generationHead(_ index: Int) -> UInt64 {
        stateAt["generations"]! + UInt64(index * layout.gc.generationSize)
    }

    /// The permanent generation's head (3.7+; nil before).
    var permanentHead: UInt64? { stateAt["permanent"] }

    func setCollector(enabled: Bool, debug: Int32, thresholds: [Int32], counts: [Int32], collecting: Bool = false) {
        let g = layout.gc
        image.store(Int32(enabled ? 1 : 0), at: stateAt["enabled"]!)
        image.store(debug, at: stateAt["debug"]!)
        for index in 0..<3 {
            let generation = generationHead(index)
            image.store(thresholds[index], at: generation + UInt64(g.generationThreshold))
            image.store(counts[index], at: generation + UInt64(g.generationCountField))
            guard let first = stateAt["generationStats"], let size = g.statsSize, let collections = g.statsCollections,
                  let collected = g.statsCollected, let uncollectable = g.statsUncollectable else { continue }
            let stats = layout.statsRing.isPresent ? ringEntry(index, pointerAt: first, size: size) : first + UInt64(index * size)
            image.store(Int64(10 * (index + 1)), at: stats + UInt64(collections))
            image.store(Int64(100 * (index + 1)), at: stats + UInt64(collected))
            image.store(Int64(index), at: stats + UInt64(uncollectable))
        }
        image.store(Int32(collecting ? 1 : 0), at: stateAt["collecting"]!)
    }

    /// 3.15: the latest entry of generation `index`'s ring buffer behind the pointer at `pointerAt`
    /// (made on first use; each ring's latest entry is at index 1, an older one at 0).
    private func ringEntry(_ index: Int, pointerAt: UInt64, size: Int) -> UInt64 {
        let r = layout.statsRing
        var buffers = (try? image.load(UInt64.self, at: pointerAt)) ?? 0
        if buffers == 0 {
            buffers = allocate(r.old! + 2 * r.oldSize!)
            image.store(buffers, at: pointerAt)
            image.store(Int8(1), at: buffers + UInt64(r.youngIndex!))
            for space in 0..<2 { image.store(Int8(1), at: buffers + UInt64(r.old! + space * r.oldSize! + r.oldIndex!)) }
        }
        let items = index == 0 ? buffers + UInt64(r.youngItems!) : buffers + UInt64(r.old! + (index - 1) * r.oldSize!)
        return items + UInt64(size)
    }

    func allocate(_ size: Int) -> UInt64 {
        let address = cursor
        cursor += UInt64((size + 15) & ~15)
        return address
    }

    private func linkEmpty(_ head: UInt64) {
        image.store(head, at: head)
        image.store(head, at: head + 8)
    }

    /// A C string in "read-only data".
    func cString(_ text: String) -> UInt64 {
        let address = allocate(text.utf8.count + 1)
        image.storeBytes(Array(text.utf8) + [0], at: address)
        return address
    }

    /// 2.7's `str` type: a static type with `Py_TPFLAGS_STRING_SUBCLASS`, which tells the reader how
    /// to read its objects (made on first use).
    private(set) lazy var byteStringType: UInt64 = {
        let address = allocate(layout.type.heapName + 32)
        image.store(cString("str"), at: address + UInt64(layout.type.name))
        image.store(UInt64(1 << 27), at: address + UInt64(layout.type.flags))
        return address
    }()

    /// A compact ASCII or 2-byte-kind `str` object; in 2.7 a `str` (`PyStringObject`) of the UTF-8 bytes.
    func str(_ text: String, type strType: UInt64 = 0) -> UInt64 {
        let u = layout.unicode
        guard let stateField = u.state, let asciiSize = u.asciiSize, let compactSize = u.compactSize,
              let kindShift = u.kindShift, let compactShift = u.compactShift, let asciiShift = u.asciiShift else {
            let bytes = Array(text.utf8)
            let address = allocate(layout.bytes.data + bytes.count + 1)
            image.store(Int64(1), at: address)
            image.store(strType == 0 ? byteStringType : strType, at: address + UInt64(layout.object.type))
            image.store(Int64(bytes.count), at: address + UInt64(layout.object.size))
            image.storeBytes(bytes + [0], at: address + UInt64(layout.bytes.data))
            return address
        }
        let ascii = text.unicodeScalars.allSatisfy { $0.isASCII }
        let scalars = Array(text.unicodeScalars)
        let kind: UInt32 = ascii ? 1 : 2
        let address = allocate((ascii ? asciiSize : compactSize) + scalars.count * Int(kind) + 1)
        image.store(Int64(1), at: address)
        image.store(strType, at: address + UInt64(layout.object.type))
        image.store(Int64(scalars.count), at: address + UInt64(u.length))
        let state = kind << UInt32(kindShift) | 1 << UInt32(compactShift) | (ascii ? 1 : 0) << UInt32(asciiShift)
        image.store(state, at: address + UInt64(stateField))
        if ascii {
            image.storeBytes(Array(text.utf8), at: address + UInt64(asciiSize))
        } else {
            for (index, scalar) in scalars.enumerated() {
                image.store(UInt16(scalar.value), at: address + UInt64(compactSize + index * 2))
            }
        }
        return address
    }

    /// A combined-table dict with str keys (2.7: an 8-slot table the dict points at, filled in order).
    func dict(_ entries: [(String, UInt64)]) -> UInt64 {
        let d = layout.dict
        guard let keysField = d.keys, let valuesField = d.values, let countField = d.keysEntryCount,
              let indicesField = d.keysIndices else {
            let object = allocate(64)
            let table = allocate(8 * d.entrySize)
            image.store(Int64(entries.count), at: object + UInt64(d.used))
            image.store(Int64(7), at: object + UInt64(d.mask!))
            image.store(table, at: object + UInt64(d.table!))
            for (index, (key, value)) in entries.prefix(8).enumerated() {
                let entry = table + UInt64(index * d.entrySize)
                image.store(Int64(index + 1), at: entry)    // me_hash
                image.store(str(key), at: entry + 8)
                image.store(value, at: entry + 16)
            }
            return object
        }
        let object = allocate(64)
        let keys = allocate(256 + entries.count * 24)
        image.store(keys, at: object + UInt64(keysField))
        image.store(UInt64(0), at: object + UInt64(valuesField))
        image.store(Int64(entries.count), at: object + UInt64(d.used))
        image.store(Int64(entries.count), at: keys + UInt64(countField))
        let entryBase: UInt64
        var entrySize = d.entrySize
        var keyOffset: UInt64 = 8
        if let sizeField = d.keysSize {
            image.store(Int64(8), at: keys + UInt64(sizeField))  // 8 slots, 1-byte indices
            entryBase = keys + UInt64(indicesField) + 8
        } else {
            image.store(UInt8(3), at: keys + UInt64(d.keysLog2Size!))
            image.store(UInt8(3), at: keys + UInt64(d.keysLog2IndexBytes!))
            image.store(UInt8(1), at: keys + UInt64(d.keysKind!))  // unicode keys: {key, value}
            entryBase = keys + UInt64(indicesField) + 8
            entrySize = d.unicodeEntrySize!
            keyOffset = 0
        }
        for (index, (key, value)) in entries.enumerated() {
            let entry = entryBase + UInt64(index * entrySize)
            image.store(str(key), at: entry + keyOffset)
            image.store(value, at: entry + keyOffset + 8)
        }
        return object
    }

    /// A static type: `tp_name` only.
    func staticType(_ tpName: String) -> UInt64 {
        let address = allocate(max(layout.type.heapName, layout.type.heapQualname ?? 0) + 16)
        image.store(cString(tpName), at: address + UInt64(layout.type.name))
        image.store(UInt64(1 << 14), at: address + UInt64(layout.type.flags))
        return address
    }

    /// A class: heap type with `__name__`, `__qualname__` and `__module__` in its dict.
    func heapType(name: String, qualname: String, module: String) -> UInt64 {
        let address = allocate(max(layout.type.heapName, layout.type.heapQualname ?? 0) + 16)
        image.store(cString(name), at: address + UInt64(layout.type.name))
        image.store(UInt64(1 << 14 | 1 << 9), at: address + UInt64(layout.type.flags))
        image.store(str(name), at: address + UInt64(layout.type.heapName))
        if let field = layout.type.heapQualname { image.store(str(qualname), at: address + UInt64(field)) }
        image.store(dict([("__doc__", 0), ("__module__", str(module))]), at: address + UInt64(layout.type.dict))
        return address
    }

    /// A gc-tracked object of `type`, appended to the list at `head`. Returns the object address.
    @discardableResult
    func trackedObject(type: UInt64, in head: UInt64) -> UInt64 {
        let headSize = UInt64(layout.gc.headSize)
        let gc = allocate(Int(headSize) + 32)
        let object = gc + headSize
        image.store(Int64(1), at: object + UInt64(layout.object.refcount))
        image.store(type, at: object + UInt64(layout.object.type))
        // Append at the tail: tail.next = gc, gc.prev = tail, gc.next = head, head.prev = gc.
        let tail = (try? image.load(UInt64.self, at: head + 8)) ?? head
        image.store(gc, at: tail)
        image.store(tail, at: gc + 8)
        image.store(head, at: gc)
        image.store(gc, at: head + 8)
        return object
    }

    /// `gc.garbage` as a list holding `items`.
    func setGarbage(_ items: [UInt64], listType: UInt64) {
        let list = allocate(64)
        let array = allocate(max(8, items.count * 8))
        image.store(listType, at: list + UInt64(layout.object.type))
        image.store(Int64(items.count), at: list + UInt64(layout.object.size))
        image.store(array, at: list + UInt64(layout.list.items))
        for (index, item) in items.enumerated() { image.store(item, at: array + UInt64(index * 8)) }
        image.store(list, at: stateAt["garbage"]!)
    }
}

extension SyntheticHeap {
    /// Gives a static type a (fake) traverse function address, as the planner recognises types by it.
    func setTraverse(_ type: UInt64, _ function: UInt64) {
        image.store(function, at: type + UInt64(layout.traversal.typeTraverse))
    }

    /// A tracked list of `items` (its item array allocated separately, as CPython does).
    @discardableResult
    func trackedList(_ items: [UInt64], type listType: UInt64, in head: UInt64, claimedSize: Int64? = nil) -> UInt64 {
        let list = trackedObject(type: listType, in: head)
        let array = allocate(max(8, items.count * 8))
        for (index, item) in items.enumerated() { image.store(item, at: array + UInt64(index * 8)) }
        image.store(claimedSize ?? Int64(items.count), at: list + UInt64(layout.object.size))
        image.store(array, at: list + UInt64(layout.list.items))
        return list
    }

    func setRefcount(_ object: UInt64, _ count: Int64) {
        image.store(count, at: object + UInt64(layout.object.refcount))
    }
}
