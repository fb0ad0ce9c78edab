import CPythonLayouts
import HeapModel
import RemoteMemory

/// One thread of an interpreter and its Python stack, read from the sealed copy: for `why`, which names
/// what running frames hold (`thread MainThread: frame worker (app/worker.py:42) .pending`), and for a
/// listing of every thread's stack.
struct ThreadStack {
    /// `tstate->thread_id`: the thread's `threading.get_ident()` (its `pthread_self()`).
    var threadId: UInt64
    /// The kernel's id for it (its tid): `tstate->native_thread_id` (3.11+), else the `threading.Thread`'s
    /// `_native_id` (3.8–3.10); nil where neither is known.
    var nativeId: Int?
    /// The `threading.Thread`'s name (`MainThread`, `Worker-1`); nil for a thread `threading` does not
    /// know (started by `_thread` or by C code) or whose name cannot be read.
    var name: String?
    /// Innermost first.
    var frames: [ThreadFrame]
    /// false when part of the stack is in memory the copy does not hold, or its links are broken. The
    /// paused copy `attach` takes leaves the threads' C stacks out: there 3.11–3.12 cannot find the
    /// innermost frame (`tstate->cframe` is on the C stack) and 3.12+ cannot follow a frame past a C
    /// call's entry frame. The frames are then those the thread's data stack holds, joined by their
    /// links: every frame the thread owns is there, but a generator's or coroutine's frame that runs
    /// innermost (3.11–3.12) or below a C call is missing.
    var complete = true
}

struct ThreadFrame {
    /// What FrameDescriber says of it: `Worker.run (app/worker.py:42)` (before 3.11 the code's
    /// `co_name`, `run`: a code object has no qualified name there). nil when it cannot be read.
    var detail: String?
    /// ≤3.10: the `PyFrameObject` (a tracked gc object, whose traverse visits its locals). 3.11+: the frame
    /// object made for this frame (`frame_obj`: by `sys._getframe()`, a traceback), if any; it does not
    /// hold the frame's locals while the thread runs the frame.
    var frameObject: UInt64?
    /// 3.11+: the `_PyInterpreterFrame`.
    var interpreterFrame: UInt64?
    /// 3.11+, frames the thread owns: the objects the frame holds outside every gc object, named by
    /// `ReferenceFinder.labeledReferents(ofInterpreterFrame:)` (locals by name, `<stack N>`, `f_locals`,
    /// `<function>`, `f_code`, `<frame object>`). Empty before 3.11 (the frame object's traverse visits
    /// them) and for a generator's or coroutine's frame (the generator object holds them).
    var references: [(address: UInt64, label: EdgeLabel)]
}

extension ThreadStack {
    /// Frames read per thread at the most; a longer chain loops or is corrupt (CPython's default
    /// recursion limit is 1000).
    static let maxFrames = 1 << 14
    /// Data-stack chunks per thread (16 KiB and up each).
    static let maxChunks = 1 << 12

    /// Every thread of the interpreter at `interpreter` (a `PyInterpreterState`), in the order they were
    /// made (the main thread first). Unreadable parts are left out; a thread state that cannot be read
    /// at all ends the list.
    static func read(memory: CachedMemory, layout: PythonLayout, symbols: [String: UInt64], interpreter: UInt64) -> [ThreadStack] {
        guard interpreter != 0, var state = try? memory.word(at: interpreter &+ UInt64(layout.stacks.threadsHead)) else { return [] }
        var states: [UInt64] = [], seen = Set<UInt64>()
        while state != 0, states.count < HeapReader.maxThreadStates, seen.insert(state).inserted {
            states.append(state)
            guard let next = try? memory.word(at: state &+ UInt64(layout.interpreter.threadStateNext)) else { break }
            state = next
        }
        let reader = StackReader(memory: memory, layout: layout, symbols: symbols, interpreter: interpreter)
        let threads = reader.threadObjects()
        return states.reversed().compactMap { state in
            guard var stack = reader.stack(of: state) else { return nil }
            let known = threads[stack.threadId]
            stack.name = known?.name
            if stack.nativeId == nil { stack.nativeId = known?.nativeId }
            return stack
        }
    }
}

private struct StackReader {
    let memory: CachedMemory
    let layout: PythonLayout
    let symbols: [String: UInt64]
    let interpreter: UInt64
    let describer: FrameDescriber
    let finder: ReferenceFinder
    var objects: ObjectReader { ObjectReader(memory: memory, layout: layout) }

    init(memory: CachedMemory, layout: PythonLayout, symbols: [String: UInt64], interpreter: UInt64) {
        (self.memory, self.layout, self.symbols, self.interpreter) = (memory, layout, symbols, interpreter)
        var describer = FrameDescriber(memory: memory, layout: layout)
        describer.files = SourceFiles(sysPath: SourceFiles.readSysPath(memory: memory, layout: layout, interpreter: interpreter, symbols: symbols))
        self.describer = describer
        finder = ReferenceFinder(memory: memory, layout: layout, strType: symbols[layout.nameStringTypeSymbol])
    }

    func word(_ address: UInt64, _ offset: Int) -> UInt64? { try? memory.word(at: address &+ UInt64(offset)) }

    func stack(of state: UInt64) -> ThreadStack? {
        guard let id = word(state, layout.interpreter.threadStateThreadId) else { return nil }
        var stack = ThreadStack(threadId: id, frames: [])
        stack.nativeId = layout.stacks.nativeThreadId.flatMap { word(state, $0) }.map { Int(bitPattern: UInt($0)) }
        if let field = layout.stacks.frame { frameObjects(from: word(state, field), into: &stack) } else { interpreterFrames(state, into: &stack) }
        return stack
    }

    /// ≤3.10: `tstate->frame`, then `f_back`.
    private func frameObjects(from first: UInt64?, into stack: inout ThreadStack) {
        guard var frame = first else { stack.complete = false; return }
        var seen = Set<UInt64>()
        while frame != 0 {
            guard stack.frames.count < ThreadStack.maxFrames, seen.insert(frame).inserted else { stack.complete = false; return }
            stack.frames.append(ThreadFrame(detail: describer.describe(frameObject: frame)?.detail, frameObject: frame,
                                            interpreterFrame: nil, references: []))
            guard let back = word(frame, layout.stacks.frameBack) else { stack.complete = false; return }
            frame = back
        }
    }

    /// 3.11+: from the innermost frame along `previous`, skipping entry frames; where a frame is not in
    /// the copy (the C stack), on from the next older frame of the thread's data stack. A frame not in
    /// the copy below the oldest one the thread owns ends the stack (there is nothing it can hide but a
    /// generator driven straight from C below every Python function of the thread).
    private func interpreterFrames(_ state: UInt64, into stack: inout ThreadStack) {
        let s = layout.stacks
        guard let previousField = s.previous, let ownerField = s.owner else { stack.complete = false; return }
        let owned = ownedFrames(state)
        var position: [UInt64: Int] = [:]
        for (index, frame) in owned.enumerated() { position[frame] = index }
        var oldest = owned.count
        var cursor = innermostFrame(state)
        if cursor == nil {
            stack.complete = false
            cursor = owned.last
        }
        var seen = Set<UInt64>()
        while let frame = cursor, frame != 0 {
            guard seen.count < ThreadStack.maxFrames, seen.insert(frame).inserted else { stack.complete = false; return }
            if let at = position[frame] { oldest = min(oldest, at) }
            guard let owner = try? memory.load(UInt8.self, at: frame &+ UInt64(ownerField)), let previous = word(frame, previousField) else {
                // Below the oldest frame the thread owns: the entry frame of the C call that runs them all.
                if oldest == 0 && !owned.isEmpty { return }
                stack.complete = false
                cursor = oldest > 0 ? owned[oldest - 1] : nil
                continue
            }
            if s.firstNonPythonOwner.map({ Int(owner) < $0 }) ?? true {
                let object = s.frameObject.flatMap { word(frame, $0) }
                stack.frames.append(ThreadFrame(detail: describer.describe(interpreterFrame: frame)?.detail,
                                                frameObject: object == 0 ? nil : object, interpreterFrame: frame,
                                                references: Int(owner) == s.ownedByThread ? finder.labeledReferents(ofInterpreterFrame: frame) : []))
            }
            cursor = previous
        }
    }

    /// `tstate->current_frame` (3.13+), `tstate->cframe->current_frame` (3.11–3.12); nil when not in the copy.
    private func innermostFrame(_ state: UInt64) -> UInt64? {
        let s = layout.stacks
        if let field = s.currentFrame { return word(state, field) }
        guard let cframeField = s.cframe, let currentField = s.cframeCurrentFrame, let cframe = word(state, cframeField) else { return nil }
        return word(cframe, currentField)
    }

    /// The frames the thread owns, oldest first: its data-stack chunks, each filled with frames from
    /// `data[1]` (the first chunk) or `data[0]` to its top (see StackLayout).
    private func ownedFrames(_ state: UInt64) -> [UInt64] {
        let s = layout.stacks
        guard let chunkField = s.dataStackChunk, let topField = s.dataStackTop, let previousField = s.chunkPrevious,
              let chunkTopField = s.chunkTop, let dataField = s.chunkData,
              var chunk = word(state, chunkField), var end = word(state, topField) else { return [] }
        var spans: [(start: UInt64, end: UInt64)] = []
        while chunk != 0, spans.count < ThreadStack.maxChunks, let previous = word(chunk, previousField) {
            spans.append((chunk &+ UInt64(dataField) &+ (previous == 0 ? 8 : 0), end))
            guard previous != 0, let top = word(previous, chunkTopField), top < 1 << 32 else { break }
            end = previous &+ UInt64(dataField) &+ top * 8
            chunk = previous
        }
        var frames: [UInt64] = []
        for span in spans.reversed() {
            var frame = span.start
            while frame < span.end, frames.count < ThreadStack.maxFrames, let words = frameWords(frame) {
                frames.append(frame)
                frame &+= UInt64(words * 8)
            }
        }
        return frames
    }

    /// A data-stack frame's size in words: `co_framesize` (3.12+), or (3.11) `co_nlocalsplus +
    /// co_stacksize + FRAME_SPECIALS_SIZE`. nil unless the frame's code is a code object.
    private func frameWords(_ frame: UInt64) -> Int? {
        let c = layout.code
        guard let codeField = c.interpreterFrameCode, let codeType = symbols["PyCode_Type"],
              let code = word(frame, codeField).flatMap(layout.stacks.object(fromStackRef:)),
              (try? objects.typeOf(code)) == codeType else { return nil }
        func int32(_ field: Int?) -> Int? { field.flatMap { try? memory.load(Int32.self, at: code &+ UInt64($0)) }.map(Int.init) }
        var words: Int?
        if c.frameSize != nil {
            words = int32(c.frameSize)
        } else if let locals = int32(c.nlocalsPlus), let stack = int32(c.stackSize), let size = layout.stacks.interpreterFrameSize {
            words = locals + stack + (size - 1) / 8
        }
        guard let words, words > 0, words <= 1 << 20 else { return nil }
        return words
    }

    // MARK: threading's names

    /// `threading._active`: each thread's id → its `Thread`'s name and native id.
    func threadObjects() -> [UInt64: (name: String?, nativeId: Int?)] {
        let t = layout.traversal
        guard let dictType = symbols["PyDict_Type"], let sysdict = word(interpreter, layout.interpreter.sysdict), sysdict != 0,
              let modules = try? objects.dictLookup(sysdict, key: "modules"),
              let threading = try? objects.dictLookup(modules, key: "threading"),
              let names = t.pointerFieldNames["PyModule_Type"], let at = names.firstIndex(of: "md_dict"),
              let offsets = t.pointerFields["PyModule_Type"], at < offsets.count,
              let namespace = word(threading, offsets[at]), namespace != 0,
              let active = try? objects.dictLookup(namespace, key: "_active"), (try? objects.typeOf(active)) == dictType,
              let shape = try? DictShape(dict: active, memory: memory, layout: layout.dict, limit: HeapReader.maxThreadStates),
              shape.values == 0 else { return [:] }
        // Thread is a `class` statement's type: its tp_traverse is subtype_traverse, which stripped builds do not name.
        let threadClass = try? objects.dictLookup(namespace, key: "Thread")
        let planner = TraversalPlanner(memory: memory, layout: layout, symbols: symbols, censusTypes: [],
                                       subtypeTraverse: threadClass.flatMap { word($0, t.typeTraverse) })
        var found: [UInt64: (name: String?, nativeId: Int?)] = [:]
        for index in 0..<shape.count {
            let slot = shape.table.keySlot(index)
            guard let key = word(slot, 0), key != 0, let thread = word(slot, 8), thread != 0, let id = integer(key) else { continue }
            found[UInt64(bitPattern: id)] = attributes(of: thread, planner: planner)
        }
        return found
    }

    /// A `Thread`'s name and `_native_id`, from its instance attributes (values, or its `__dict__`).
    private func attributes(of thread: UInt64, planner: TraversalPlanner) -> (name: String?, nativeId: Int?) {
        guard let type = try? objects.typeOf(thread) else { return (nil, nil) }
        var edges = finder.labeledReferents(of: thread, traversal: planner.traversal(ofType: type))
        if let dict = edges.first(where: { $0.label == .attribute("__dict__") })?.address,
           (try? objects.typeOf(dict)) == symbols["PyDict_Type"] {
            for edge in finder.labeledReferents(of: dict, traversal: .dict) {
                if case let .key(name) = edge.label { edges.append((edge.address, .attribute(name))) }
            }
        }
        func attribute(_ name: String) -> UInt64? { edges.first { $0.label == .attribute(name) }?.address }
        let name = attribute(layout.threadNameAttribute).flatMap { string -> String? in
            guard (try? objects.typeOf(string)) == symbols[layout.nameStringTypeSymbol] else { return nil }
            return try? objects.string(at: string, maxLength: 1024)
        }
        return (name, attribute("_native_id").flatMap(integer).map { Int($0) })
    }

    /// The value of an `int` (2.7: `int` or `long`).
    private func integer(_ object: UInt64) -> Int64? {
        guard let type = try? objects.typeOf(object) else { return nil }
        if type == symbols["PyLong_Type"] { return (try? objects.longValue(at: object)) ?? nil }
        if type == symbols["PyInt_Type"], let field = layout.long.intValue {
            return try? memory.load(Int64.self, at: object &+ UInt64(field))
        }
        return nil
    }
}
