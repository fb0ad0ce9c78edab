import HeapModel

/// Python-level names of the C fields a builtin `tp_traverse` visits, in visit order (the order the
/// generated offsets are in). A list is used only when its length matches the offsets for that
/// version; otherwise the path shows the raw offset, never a wrong name.
enum FieldNames {
    static let byType: [String: [[String]]] = [
        "PyCell_Type": [["cell_contents"]],
        "PyMethod_Type": [["__func__", "__self__"]],
        "PyClassMethod_Type": [["__func__", "__dict__"]],
        "PyStaticMethod_Type": [["__func__", "__dict__"]],
        "PyTraceBack_Type": [["tb_next", "tb_frame"]],
        "_PyWeakref_RefType": [["__callback__"]],
        "PyModule_Type": [["__dict__"]],
        "PyCFunction_Type": [["__self__", "__module__"]],
        "PyContext_Type": [["<prev>", "<vars>"]],
        "PyContextVar_Type": [["name", "<default>"]],
        "PyContextToken_Type": [["<context>", "var", "old_value"]],
        "_PyHamt_Type": [["<root>"]],
        "PyProperty_Type": [["fget", "fset", "fdel", "__doc__"], ["fget", "fset", "fdel", "__doc__", "__name__"]],
        "PyFunction_Type": [
            ["__code__", "__globals__", "__module__", "__defaults__", "__kwdefaults__", "__doc__", "__name__", "__dict__",
             "__closure__", "__annotations__", "__qualname__"],
            ["__code__", "__globals__", "__builtins__", "__module__", "__defaults__", "__kwdefaults__", "__doc__", "__name__",
             "__dict__", "__closure__", "__annotations__", "__qualname__"],
            ["__code__", "__globals__", "__builtins__", "__module__", "__defaults__", "__kwdefaults__", "__doc__", "__name__",
             "__dict__", "__closure__", "__annotations__", "__type_params__", "__qualname__"],
        ],
        "PyExc_BaseException": [
            ["__dict__", "args", "__traceback__", "__cause__", "__context__"],
            ["__dict__", "args", "__notes__", "__traceback__", "__cause__", "__context__"],
        ],
        "PyType_Type": [["__dict__", "<tp_cache>", "__mro__", "__bases__", "__base__"],
                        ["__dict__", "<tp_cache>", "__mro__", "__bases__", "__base__", "<ht_module>"]],
    ]

    /// Labels for `offsets` of the type exported as `symbol`.
    static func labels(symbol: String, offsets: [Int]) -> [EdgeLabel] {
        if let names = byType[symbol]?.first(where: { $0.count == offsets.count }) {
            return names.map { EdgeLabel.attribute($0) }
        }
        return offsets.map { EdgeLabel.offset($0) }
    }
}
