import CPythonLayouts
import HeapModel
import RemoteMemory

/// `.emulated` plans: the target's own tp_traverse, run by the finder's emulator session.
extension ReferenceFinder {
    /// The type's own tp_traverse, run in the emulator. Each referent is labelled by the offset of
    /// the object's field that holds it, when one does (read only when a label is asked for).
    func emulated<Sink: ReferenceSink>(_ object: UInt64, function: UInt64, _ sink: inout Sink) throws(MemoryError) {
        guard let emulation else { throw MemoryError.limitExceeded(what: "emulated tp_traverse", value: 0, limit: 0) }
        let ran = emulation.traverse(function: function, object: object, memory: memory) { referents in
            let locals = frameLocals.interpreterFrame(of: object, memory: memory, layout: layout).map { frame in
                LocalSlots(frame: frame, memory: memory, layout: layout)
            }
            for (position, referent) in referents.enumerated() {
                sink.add(referent, locals?.label(holding: referent) ?? fieldLabel(object, holding: referent, position))
            }
        }
        if !ran { throw MemoryError.limitExceeded(what: "emulated tp_traverse", value: 0, limit: 0) }
    }

    /// `+0x18`-style label of the first field of `object` (within its basic size) that holds
    /// `referent`; the visit's position when none does (the pointer lives elsewhere).
    /// A value of a 2.7 dict subclass (defaultdict, whose module is an extension there) is named by its
    /// key, as the native dict plan names it.
    func fieldLabel(_ object: UInt64, holding referent: UInt64, _ position: Int) -> EdgeLabel {
        let type = (try? memory.word(at: object &+ UInt64(layout.object.type))) ?? 0
        if layout.dict.table != nil, let flags = try? memory.word(at: type &+ UInt64(layout.type.flags)),
           flags & Self.dictSubclassFlag != 0, let key = legacyDictKey(object, holding: referent) {
            return key
        }
        let size = (try? memory.load(Int64.self, at: type &+ UInt64(layout.type.basicSize))) ?? 0
        guard size > 0, size <= 4096 else { return .index(position) }
        for offset in stride(from: 0, to: Int(size), by: 8) where (try? memory.word(at: object &+ UInt64(offset))) == referent {
            return .offset(offset)
        }
        return .index(position)
    }

    /// `Py_TPFLAGS_DICT_SUBCLASS`.
    static let dictSubclassFlag: UInt64 = 1 << 29

    /// The label of the 2.7 table entry whose value (or key) is `referent`.
    private func legacyDictKey(_ object: UInt64, holding referent: UInt64) -> EdgeLabel? {
        guard let shape = try? DictShape(dict: object, memory: memory, layout: layout.dict, limit: 1 << 16) else { return nil }
        for index in 0..<shape.count {
            let slot = shape.table.keySlot(index)
            guard let key = try? memory.word(at: slot), key != 0 else { continue }
            if (try? memory.word(at: slot &+ 8)) == referent { return label(forKey: key) }
            if key == referent { return .attribute("<key>") }
        }
        return nil
    }
}

/// Which types hold an interpreter frame (3.11+), so that their emulated references are named by the
/// locals that hold them, as the native frame plans name them: a frame object points to its frame, a
/// generator, coroutine or async generator embeds its own.
struct FrameLocals: Sendable {
    var frameObjectType: UInt64?
    var generatorTypes: Set<UInt64> = []

    init(symbols: [String: UInt64] = [:]) {
        frameObjectType = symbols["PyFrame_Type"]
        generatorTypes = Set(["PyGen_Type", "PyCoro_Type", "PyAsyncGen_Type"].compactMap { symbols[$0] })
    }

    func interpreterFrame(of object: UInt64, memory: CachedMemory, layout: PythonLayout) -> UInt64? {
        guard frameObjectType != nil || !generatorTypes.isEmpty,
              let type = try? memory.word(at: object &+ UInt64(layout.object.type)) else { return nil }
        if type == frameObjectType, let field = layout.frames.frameInterpreterFrame {
            return (try? memory.word(at: object &+ UInt64(field))).flatMap { $0 == 0 ? nil : $0 }
        }
        if generatorTypes.contains(type), let offset = layout.code.generatorFrameOffset { return object &+ UInt64(offset) }
        return nil
    }
}

/// The named local slots of one interpreter frame: `localsplus[i]` (tag bits cleared) is `.name`.
private struct LocalSlots {
    var slots: [(name: String, value: UInt64)] = []

    init(frame: UInt64, memory: CachedMemory, layout: PythonLayout) {
        guard let names = FrameDescriber(memory: memory, layout: layout).describe(interpreterFrame: frame)?.slotNames,
              let localsPlus = layout.code.interpreterFrameLocalsPlusOffset else { return }
        for (index, name) in names.prefix(ReferenceFinder.maxFrameSlots).enumerated() {
            guard let word = try? memory.word(at: frame &+ UInt64(localsPlus + index * 8)) else { break }
            slots.append((name, word & PythonLayout.stackRefMask))
        }
    }

    func label(holding referent: UInt64) -> EdgeLabel? {
        slots.first { $0.value == referent }.map { .attribute($0.name) }
    }
}
