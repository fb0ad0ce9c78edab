import CPythonLayouts
import HeapGraph
import HeapModel
import RemoteMemory

/// The places the interpreter keeps objects, as sources of the retainer search, each named as a
/// Python programmer thinks of it: every module's globals and then the module itself (what its C
/// state holds), through `sys.modules` in its order,
/// `sys` and `builtins`, then `sys.modules` itself. What the graph leaves unexplained after them is
/// named by `outside` (held from outside the gc graph, or immortal).
struct NamedRoots {
    struct Source {
        var node: Int32
        var name: RootName
        /// A module's globals are its dict's keys: printed as names (`.CACHE`), not as dict keys.
        var keysAreNames = false
        /// A module object: what it holds outside its fields is its module state (`.<state>`).
        var isModule = false
    }

    var sources: [Source] = []

    /// Module dicts in `sys.modules` order, then `sys.modules`. Unreadable parts are left out (their
    /// objects are then explained as held from outside).
    init(memory: CachedMemory, layout: PythonLayout, symbols: [String: UInt64], interpreter: UInt64, graph: ObjectGraph,
         typeOf: [UInt64], planner: TraversalPlanner, finder: ReferenceFinder) {
        let objects = ObjectReader(memory: memory, layout: layout)
        guard interpreter != 0, let sysdict = try? memory.pointer(at: interpreter &+ UInt64(layout.interpreter.sysdict)),
              sysdict != 0, let modules = try? objects.dictLookup(sysdict, key: "modules"), let modulesNode = graph.node(of: modules),
              let moduleType = symbols["PyModule_Type"],
              let dictOffset = layout.traversal.pointerFields["PyModule_Type"]?.first else { return }
        let builtins = layout.builtinsModuleName
        var seen = Set<Int32>()
        for (module, label) in finder.labeledReferents(of: modules, traversal: planner.traversal(ofType: typeOf[Int(modulesNode)])) {
            guard case let .key(name) = label, let moduleNode = graph.node(of: module),
                  Self.isModule(typeOf[Int(moduleNode)], moduleType: moduleType, memory: memory, layout: layout),
                  let dict = try? memory.pointer(at: module &+ UInt64(dictOffset)), let node = graph.node(of: dict),
                  seen.insert(node).inserted else { continue }
            let root: RootName
            switch name {
            case "sys": root = RootName(kind: .interpreter, text: "sys")
            case builtins: root = RootName(kind: .interpreter, text: "builtins")
            default: root = RootName(kind: .module, text: "module " + name)
            }
            sources.append(Source(node: node, name: root, keysAreNames: true))
            // The module object itself: what its C state holds (an extension's module state).
            sources.append(Source(node: moduleNode, name: root, isModule: true))
        }
        sources.append(Source(node: modulesNode, name: RootName(kind: .interpreter, text: "sys.modules")))
        addThreads(memory: memory, layout: layout, symbols: symbols, interpreter: interpreter, graph: graph, planner: planner,
                   finder: finder)
    }

    /// The locals of every thread's running frames, innermost first, main thread first: `thread
    /// Worker-1: frame worker (app/jobs.py:12) .pending`. From 3.11 they live on the thread's data
    /// stack, outside any object; before, in frame objects the running code holds (untracked while
    /// they run), whose references are read the way frame_traverse visits them.
    private mutating func addThreads(memory: CachedMemory, layout: PythonLayout, symbols: [String: UInt64], interpreter: UInt64,
                                     graph: ObjectGraph, planner: TraversalPlanner, finder: ReferenceFinder) {
        let frameType = symbols["PyFrame_Type"]
        for thread in ThreadStack.read(memory: memory, layout: layout, symbols: symbols, interpreter: interpreter) {
            let name = thread.name ?? thread.nativeId.map { "native id \($0)" } ?? "0x" + String(thread.threadId, radix: 16)
            for frame in thread.frames {
                var references = frame.references
                if references.isEmpty, let object = frame.frameObject, let frameType {
                    references = finder.labeledReferents(of: object, traversal: planner.traversal(ofType: frameType))
                }
                for (address, label) in references where !Self.frameFields.contains(label) {
                    guard let node = graph.node(of: address) else { continue }
                    let text = "thread \(name): frame \(frame.detail ?? "?") \(label.text())"
                    sources.append(Source(node: node, name: RootName(kind: .thread, text: text)))
                }
            }
        }
    }

    /// What a frame holds that is not its own data: the code, the caller, the module's globals and
    /// builtins (named roots already), the function and the frame object.
    static let frameFields: Set<EdgeLabel> = Set(["f_back", "f_code", "f_globals", "f_builtins", "f_trace", "f_executable",
                                                  "f_funcobj", "<function>", "<frame object>", "frame_obj"].map { EdgeLabel.attribute($0) })

    /// `PyModule_Type` or a subclass of it (a module may replace its class: `sys.modules[__name__].__class__ = ...`).
    private static func isModule(_ type: UInt64, moduleType: UInt64, memory: CachedMemory, layout: PythonLayout) -> Bool {
        var current = type
        for _ in 0..<Self.maxBaseDepth {
            if current == moduleType { return true }
            guard let base = try? memory.pointer(at: current &+ UInt64(layout.type.base)), base != 0 else { return false }
            current = base
        }
        return false
    }

    /// Deeper class hierarchies than this are not followed (a loop in corrupt memory ends here).
    static let maxBaseDepth = 64
}
