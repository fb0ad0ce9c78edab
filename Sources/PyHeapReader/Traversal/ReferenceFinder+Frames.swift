import CPythonLayouts
import HeapModel
import RemoteMemory

/// The objects a running 3.11+ interpreter frame holds: for a frame its thread owns, these are held from
/// outside every gc object (the collector treats them as roots), so `why` names them by the frame.
extension ReferenceFinder {
    /// Named as `_PyFrame_Traverse`'s visits are on paths (`<frame object>`, `f_locals`, `<function>`,
    /// `f_code`), then the `localsplus` slots: locals, cells and free variables by name
    /// (`.attribute("pending")`), value-stack entries as `<stack N>`. Empty slots are left out, and so are
    /// the 3.14+ tagged ints. A running frame's stack top is often not stored (`stacktop` -1,
    /// `stackpointer` NULL: the interpreter keeps it in a register): then only the `co_nlocalsplus` named
    /// slots are read. Empty when the frame cannot be read or the layout does not describe frames.
    func labeledReferents(ofInterpreterFrame frame: UInt64) -> [(address: UInt64, label: EdgeLabel)] {
        let s = layout.stacks, c = layout.code
        guard let localsPlus = c.interpreterFrameLocalsPlusOffset, let codeField = c.interpreterFrameCode,
              let function = s.function, let locals = s.locals, let frameObject = s.frameObject else { return [] }
        var sink = LabeledSink()
        do {
            // _PyFrame_Traverse's order: frame_obj, f_locals, the function, the code.
            for (field, name, tagged) in [(frameObject, "frame_obj", false), (locals, "f_locals", false),
                                          (function, "f_funcobj", true), (codeField, "f_executable", true)] {
                let word = try memory.word(at: frame &+ UInt64(field))
                if let object = tagged ? s.object(fromStackRef: word) : word { sink.add(object, .attribute(PythonNames.label(forCField: name))) }
            }
            let count = try slotsInUse(frame, localsPlus: localsPlus, code: try memory.word(at: frame &+ UInt64(codeField)))
            let names = LocalNames { [self] in FrameDescriber(memory: memory, layout: layout).describe(interpreterFrame: frame)?.slotNames ?? [] }
            guard count > 0 else { return sink.edges }
            try memory.withBytes(at: frame &+ UInt64(localsPlus), count: count * 8, limit: Self.maxFrameSlots * 8) { raw in
                for index in 0..<count {
                    if let object = s.object(fromStackRef: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)) {
                        sink.add(object, names.label(index))
                    }
                }
            }
        } catch {
            return []
        }
        return sink.edges
    }

    /// `localsplus` slots in use: up to `stacktop` / `stackpointer` when stored, else `co_nlocalsplus`.
    private func slotsInUse(_ frame: UInt64, localsPlus: Int, code codeWord: UInt64) throws(MemoryError) -> Int {
        let s = layout.stacks
        var count = -1
        if let field = s.stackTop {
            count = Int(try memory.load(Int32.self, at: frame &+ UInt64(field)))
        } else if let field = s.stackPointer {
            let top = try memory.word(at: frame &+ UInt64(field)), base = frame &+ UInt64(localsPlus)
            if top >= base, (top - base) % 8 == 0, (top - base) / 8 <= UInt64(Self.maxFrameSlots) { count = Int((top - base) / 8) }
        }
        if count < 0, let nlocals = layout.code.nlocalsPlus, let code = s.object(fromStackRef: codeWord) {
            count = Int(try memory.load(Int32.self, at: code &+ UInt64(nlocals)))
        }
        guard count >= 0, count <= Self.maxFrameSlots else {
            throw MemoryError.limitExceeded(what: "frame slots", value: count, limit: Self.maxFrameSlots)
        }
        return count
    }
}
