import CPythonLayouts
import RemoteMemory

/// 2.7's `has_finalizer` (gcmodule.c), which decides per object, not per type, which unreachable
/// objects a collection leaves in `gc.garbage`:
///   * a classic instance (`PyInstance_Type`) whose `__del__` is found in its `__dict__` or along its
///     class and the classes' `__bases__` (`_PyInstance_Lookup`: instance dict, then `class_lookup`);
///   * an object of a heap type (a new-style class) whose `tp_del` is set (a `__del__` in the class
///     or a base: `slot_tp_del`);
///   * a generator (exactly `PyGen_Type`) suspended inside a block other than a loop: a `try`, `with`
///     or `except` whose cleanup must run (`PyGen_NeedsFinalizing`).
/// Static types with `tp_del` are not finalizers there (generators have one and are decided as above).
struct Python2Finalizers {
    let memory: CachedMemory
    let layout: PythonLayout
    let instanceType: UInt64?
    let generatorType: UInt64?

    /// `SETUP_LOOP` (2.7's opcode.h): the one block `PyGen_NeedsFinalizing` can skip.
    static let setupLoop: Int32 = 120
    /// Deeper class hierarchies than any program builds: `__bases__` that loop.
    static let maxClassDepth = 256
    static let heapTypeFlag: UInt64 = 1 << 9

    init(memory: CachedMemory, layout: PythonLayout, symbols: [String: UInt64]) {
        self.memory = memory
        self.layout = layout
        instanceType = symbols["PyInstance_Type"]
        generatorType = symbols["PyGen_Type"]
    }

    /// Why `object` (of `type`) keeps its cycle alive, or nil. Unreadable memory: nil (the object then
    /// counts as freed, as most are).
    func reason(object: UInt64, type: UInt64) -> String? {
        if type == instanceType { return (try? classicDel(object)) ?? nil }
        if type == generatorType { return (try? generatorNeedsFinalizing(object)) == true ? "a suspended try or with block" : nil }
        guard let flags = try? memory.word(at: type &+ UInt64(layout.type.flags)), flags & Self.heapTypeFlag != 0,
              let function = try? memory.word(at: type &+ UInt64(layout.type.legacyFinalizer)), function != 0 else { return nil }
        return "__del__"
    }

    private var names: ObjectReader { ObjectReader(memory: memory, layout: layout) }

    private func classicDel(_ object: UInt64) throws(MemoryError) -> String? {
        let c = layout.classic
        guard let dictField = c.instanceDict, let classField = c.instanceClass else { return nil }
        let dict = try memory.word(at: object &+ UInt64(dictField))
        if dict != 0, try names.dictLookup(dict, key: "__del__") != nil { return "__del__ in an instance __dict__" }
        var pending = [try memory.word(at: object &+ UInt64(classField))]
        var visited = 0
        while let cls = pending.popLast() {
            visited += 1
            guard cls != 0, visited <= Self.maxClassDepth, let classDict = c.classDict, let basesField = c.classBases else { return nil }
            let namespace = try memory.word(at: cls &+ UInt64(classDict))
            if namespace != 0, try names.dictLookup(namespace, key: "__del__") != nil { return "__del__ in a classic class" }
            // class_lookup searches the bases depth first, left to right.
            let bases = try memory.word(at: cls &+ UInt64(basesField))
            guard bases != 0 else { continue }
            let count = Int(Int64(bitPattern: try memory.word(at: bases &+ UInt64(layout.object.size))))
            guard count >= 0, count <= Self.maxClassDepth else { return nil }
            for index in (0..<count).reversed() {
                pending.append(try memory.word(at: bases &+ UInt64(layout.traversal.tupleItems + index * 8)))
            }
        }
        return nil
    }

    /// A suspended frame (`f_stacktop` set) with a block on its stack that is not `SETUP_LOOP`.
    private func generatorNeedsFinalizing(_ generator: UInt64) throws(MemoryError) -> Bool {
        let c = layout.classic
        guard let frameField = layout.frames.generatorFields["PyGen_Type"]?.first, let stackTop = layout.frames.frameStackTop,
              let countField = c.frameBlockCount, let stackField = c.frameBlockStack, let blockSize = c.blockSize,
              let typeField = c.blockType else { return false }
        let frame = try memory.word(at: generator &+ UInt64(frameField))
        guard frame != 0, try memory.word(at: frame &+ UInt64(stackTop)) != 0 else { return false }
        let blocks = Int(try memory.load(Int32.self, at: frame &+ UInt64(countField)))
        guard blocks > 0, blocks <= 64 else { return false }
        for index in 0..<blocks {
            let block = frame &+ UInt64(stackField + index * blockSize + typeField)
            if try memory.load(Int32.self, at: block) != Self.setupLoop { return true }
        }
        return false
    }
}
