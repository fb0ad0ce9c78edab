import CPythonLayouts
import HeapGraph
import RemoteMemory

/// The words printed after an object's type on a cycle's path: a frame's or a suspended generator's
/// (coroutine's, async generator's) function and line, `frame ASGIHandler.handle (django/core/handlers/asgi.py:231)`,
/// `coroutine Service.serve (shop/views.py:12)`, and a function's qualified name,
/// `function Outer.make.<locals>.inner`. nil when there is nothing to say or it cannot be read.
final class StepDetails {
    private let memory: CachedMemory
    private let layout: PythonLayout
    private let symbols: [String: UInt64]
    private let interpreter: UInt64
    private let graph: ObjectGraph
    private let typeOf: [UInt64]
    private let frameType: UInt64?
    private let functionType: UInt64?
    /// Generator, coroutine and async generator types, by the symbol that names their fields.
    private let generatorTypes: [UInt64: String]

    init(memory: CachedMemory, layout: PythonLayout, symbols: [String: UInt64], interpreter: UInt64,
         graph: ObjectGraph, typeOf: [UInt64]) {
        self.memory = memory
        self.layout = layout
        self.symbols = symbols
        self.interpreter = interpreter
        self.graph = graph
        self.typeOf = typeOf
        frameType = symbols["PyFrame_Type"]
        functionType = symbols["PyFunction_Type"]
        var generators: [UInt64: String] = [:]
        for symbol in ["PyGen_Type", "PyCoro_Type", "PyAsyncGen_Type"] { if let type = symbols[symbol] { generators[type] = symbol } }
        generatorTypes = generators
    }

    private var strings: ObjectReader { ObjectReader(memory: memory, layout: layout) }

    /// `sys.path` is read once, and only when a path shows code.
    private lazy var describer: FrameDescriber = {
        var describer = FrameDescriber(memory: memory, layout: layout)
        describer.files = SourceFiles(sysPath: SourceFiles.readSysPath(memory: memory, layout: layout, interpreter: interpreter,
                                                                       symbols: symbols))
        if layout.code.qualname == nil { describer.qualifiedName = { [unowned self] in self.qualifiedName(ofCode: $0) } }
        return describer
    }()

    /// The detail of `node`, whose path continues to `next`.
    func detail(_ node: Int32, next: Int32) -> String? {
        guard let (text, omittedBefore) = record(node) else { return nil }
        return omittedBefore == graph.addresses[Int(next)] ? nil : text
    }

    /// The detail of `node` and the object before which a path leaves it out (0: none): a 3.8–3.10
    /// generator's frame, whose own step names the function and line.
    func record(_ node: Int32) -> (text: String, omittedBefore: UInt64)? {
        let type = typeOf[Int(node)], address = graph.addresses[Int(node)]
        if type == frameType { return describer.describe(frameObject: address).map { ($0.detail, 0) } }
        if type == functionType {
            // 2.7 functions have only a __name__.
            return (field("func_qualname", of: "PyFunction_Type") ?? field("func_name", of: "PyFunction_Type"))
                .flatMap { string(at: address &+ UInt64($0)) }.map { ($0, 0) }
        }
        guard let symbol = generatorTypes[type] else { return nil }
        let f = layout.frames
        if let embedded = f.generatorInterpreterFrame, let stateField = f.generatorFrameState, let cleared = f.generatorFrameCleared {
            // 3.11+: the frame is embedded in the generator; once cleared it has no code to name.
            guard let state = try? memory.load(Int8.self, at: address &+ UInt64(stateField)), Int(state) < cleared else { return nil }
            return describer.describe(interpreterFrame: address &+ UInt64(embedded)).map { ($0.detail, 0) }
        }
        // 3.8–3.10: the generator points to its frame object (NULL once finished).
        guard let frameField = generatorField("frame", symbol), let frame = try? memory.word(at: address &+ UInt64(frameField)),
              frame != 0 else { return nil }
        let name = generatorField("qualname", symbol).flatMap { string(at: address &+ UInt64($0)) }
        return describer.describe(frameObject: frame, name: name).map { ($0.detail, frame) }
    }

    /// A `str` pointed to from `slot`.
    private func string(at slot: UInt64) -> String? {
        guard let object = try? memory.word(at: slot), object != 0, let strType = symbols[layout.nameStringTypeSymbol],
              (try? strings.typeOf(object)) == strType else { return nil }
        return try? strings.string(at: object, maxLength: 512)
    }

    /// The offset of C field `name` of a type whose traverse visits a fixed list of named fields.
    private func field(_ name: String, of symbol: String) -> Int? {
        let t = layout.traversal
        guard let names = t.pointerFieldNames[symbol], let offsets = t.pointerFields[symbol], names.count == offsets.count,
              let position = names.firstIndex(of: name) else { return nil }
        return offsets[position]
    }

    /// The offset of `gi_<name>` / `cr_<name>` / `ag_<name>` (as `gen_traverse` visits it).
    private func generatorField(_ name: String, _ symbol: String) -> Int? {
        let f = layout.frames
        guard let names = f.fieldNames["generatorFields:\(symbol)"], let offsets = f.generatorFields[symbol],
              names.count == offsets.count,
              let position = names.firstIndex(where: { $0.count == name.count + 3 && $0.hasSuffix("_" + name) }) else { return nil }
        return offsets[position]
    }

    // MARK: qualified names before 3.11

    /// 3.8–3.10 code objects have no `co_qualname`: the qualified name is on the function object
    /// (`func_qualname`), and a suspended generator keeps its own (`gi_qualname`), and neither is
    /// reachable from a frame. So every tracked function and generator is asked once which code
    /// object it runs; a code object gets the qualified name when all of them agree on it (the same
    /// code can back several functions, and `__qualname__` can be reassigned). A code whose function
    /// is gone (a frame in a traceback that outlived it) keeps its plain `co_name`.
    private lazy var qualnamesByCode: [UInt64: [UInt64]] = {
        var byType: [UInt64: (code: Int, qualname: Int)] = [:]
        if let type = functionType, let code = field("func_code", of: "PyFunction_Type"),
           let qualname = field("func_qualname", of: "PyFunction_Type") {
            byType[type] = (code, qualname)
        }
        for (type, symbol) in generatorTypes {
            if let code = generatorField("code", symbol), let qualname = generatorField("qualname", symbol) { byType[type] = (code, qualname) }
        }
        var found: [UInt64: [UInt64]] = [:]
        guard !byType.isEmpty else { return found }
        for (node, type) in typeOf.enumerated() {
            guard let fields = byType[type] else { continue }
            let address = graph.addresses[node]
            guard let code = try? memory.word(at: address &+ UInt64(fields.code)),
                  let qualname = try? memory.word(at: address &+ UInt64(fields.qualname)), code != 0, qualname != 0 else { continue }
            var names = found[code, default: []]
            if !names.contains(qualname) && names.count < Self.maxNamesPerCode { names.append(qualname) }
            found[code] = names
        }
        return found
    }()

    /// Distinct `__qualname__` objects compared per code object; more are not read.
    private static let maxNamesPerCode = 4

    private func qualifiedName(ofCode code: UInt64) -> String? {
        guard let candidates = qualnamesByCode[code] else { return nil }
        let names = Set(candidates.map { candidate -> String? in
            guard let strType = symbols[layout.nameStringTypeSymbol], (try? strings.typeOf(candidate)) == strType else { return nil }
            return try? strings.string(at: candidate, maxLength: 512)
        })
        guard names.count == 1, let name = names.first else { return nil }
        return name
    }
}
