import CPythonLayouts
import HeapModel
import RemoteMemory

/// Names type objects the way Python does, once per type (a heap has thousands of objects per type).
///
/// Static (C) types: `tp_name` is "module.Name" or a bare builtin name; `__name__` is the part after
/// the last dot and `__module__` the part before (or "builtins"; 2.7: "__builtin__").
/// Heap types (a `class` statement, `PyType_FromSpec`): `__name__` is `ht_name`, `__qualname__` is
/// `ht_qualname`, `__module__` is the `'__module__'` entry of the type's dict.
final class TypeNamer {
    private let objects: ObjectReader
    private let layout: PythonLayout
    private(set) var types: [UInt64: TypeInfo] = [:]
    private(set) var unreadable = 0

    static let heapTypeFlag: UInt64 = 1 << 9

    private let builtins: String

    init(objects: ObjectReader) {
        self.objects = objects
        layout = objects.layout
        builtins = layout.builtinsModuleName
    }

    @discardableResult
    func info(for address: UInt64) -> TypeInfo {
        if let known = types[address] { return known }
        let info: TypeInfo
        do {
            info = try read(address)
        } catch {
            unreadable += 1
            info = .unreadable(address)
        }
        types[address] = info
        return info
    }

    private func read(_ address: UInt64) throws(MemoryError) -> TypeInfo {
        let memory = objects.memory
        let flags = try memory.load(UInt64.self, at: address &+ UInt64(layout.type.flags))
        let tpName = try memory.cString(at: memory.pointer(at: address &+ UInt64(layout.type.name)))
        let staticName = tpName.split(separator: ".").last.map(String.init) ?? tpName
        guard flags & Self.heapTypeFlag != 0 else {
            let module = tpName.contains(".") ? String(tpName[..<tpName.lastIndex(of: ".")!]) : builtins
            return TypeInfo(address: address, name: staticName, qualified: "\(module).\(staticName)", tpName: tpName, isHeapType: false)
        }
        let name = (try? objects.string(at: memory.pointer(at: address &+ UInt64(layout.type.heapName)))) ?? staticName
        // 2.7 has no __qualname__: the truth of its tools is module.__name__.
        let qualname = layout.type.heapQualname.flatMap { try? objects.string(at: memory.pointer(at: address &+ UInt64($0))) } ?? name
        var module = builtins
        let dict = try memory.pointer(at: address &+ UInt64(layout.type.dict))
        if dict != 0, let value = try? objects.dictLookup(dict, key: "__module__"), value != 0,
           let text = try? objects.string(at: value) {
            module = text
        } else if tpName.contains(".") {
            module = String(tpName[..<tpName.lastIndex(of: ".")!])
        }
        return TypeInfo(address: address, name: name, qualified: "\(module).\(qualname)", tpName: tpName, isHeapType: true)
    }
}
