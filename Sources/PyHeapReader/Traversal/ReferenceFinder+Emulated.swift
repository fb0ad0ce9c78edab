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
            for (position, referent) in referents.enumerated() { sink.add(referent, fieldLabel(object, holding: referent, position)) }
        }
        if !ran { throw MemoryError.limitExceeded(what: "emulated tp_traverse", value: 0, limit: 0) }
    }

    /// `+0x18`-style label of the first field of `object` (within its basic size) that holds
    /// `referent`; the visit's position when none does (the pointer lives elsewhere).
    func fieldLabel(_ object: UInt64, holding referent: UInt64, _ position: Int) -> EdgeLabel {
        let type = (try? memory.word(at: object &+ UInt64(layout.object.type))) ?? 0
        let size = (try? memory.load(Int64.self, at: type &+ UInt64(layout.type.basicSize))) ?? 0
        guard size > 0, size <= 4096 else { return .index(position) }
        for offset in stride(from: 0, to: Int(size), by: 8) where (try? memory.word(at: object &+ UInt64(offset))) == referent {
            return .offset(offset)
        }
        return .index(position)
    }
}
