/// Where each `_Py_DebugOffsets` entry pyinspect reads sits inside that table (byte offsets from
/// `_PyRuntime`, i.e. from the table's start), per series: 3.13+ only (nil before). Generated like every
/// other offset (scripts/gen-layouts.py, group `debugOffsets`): the table's shape changes between series.
public struct DebugOffsetsLayout: Sendable, Equatable {
    public var runtimeStateSize: Int?
    public var interpretersHead: Int?
    public var interpreterId: Int?
    public var interpreterNext: Int?
    public var interpreterGC: Int?
    public var interpreterSysdict: Int?
    public var objectType: Int?
    public var typeName: Int?
    public var typeFlags: Int?
    public var listItems: Int?
    public var listSize: Int?
    public var dictKeys: Int?
    public var dictValues: Int?
    public var unicodeState: Int?
    public var unicodeLength: Int?
    public var unicodeAsciiSize: Int?
    public var gcSize: Int?
    public var gcCollecting: Int?

    public init(runtimeStateSize: Int? = nil, interpretersHead: Int? = nil, interpreterId: Int? = nil, interpreterNext: Int? = nil, interpreterGC: Int? = nil, interpreterSysdict: Int? = nil, objectType: Int? = nil, typeName: Int? = nil, typeFlags: Int? = nil, listItems: Int? = nil, listSize: Int? = nil, dictKeys: Int? = nil, dictValues: Int? = nil, unicodeState: Int? = nil, unicodeLength: Int? = nil, unicodeAsciiSize: Int? = nil, gcSize: Int? = nil, gcCollecting: Int? = nil) {
        self.runtimeStateSize = runtimeStateSize
        self.interpretersHead = interpretersHead
        self.interpreterId = interpreterId
        self.interpreterNext = interpreterNext
        self.interpreterGC = interpreterGC
        self.interpreterSysdict = interpreterSysdict
        self.objectType = objectType
        self.typeName = typeName
        self.typeFlags = typeFlags
        self.listItems = listItems
        self.listSize = listSize
        self.dictKeys = dictKeys
        self.dictValues = dictValues
        self.unicodeState = unicodeState
        self.unicodeLength = unicodeLength
        self.unicodeAsciiSize = unicodeAsciiSize
        self.gcSize = gcSize
        self.gcCollecting = gcCollecting
    }

    /// Entry names (as CPython declares them) and the field holding each one's position.
    public static let entries: [(name: String, field: any KeyPath<DebugOffsetsLayout, Int?> & Sendable)] = [
        ("runtime_state.size", \.runtimeStateSize),
        ("runtime_state.interpreters_head", \.interpretersHead),
        ("interpreter_state.id", \.interpreterId),
        ("interpreter_state.next", \.interpreterNext),
        ("interpreter_state.gc", \.interpreterGC),
        ("interpreter_state.sysdict", \.interpreterSysdict),
        ("pyobject.ob_type", \.objectType),
        ("type_object.tp_name", \.typeName),
        ("type_object.tp_flags", \.typeFlags),
        ("list_object.ob_item", \.listItems),
        ("list_object.ob_size", \.listSize),
        ("dict_object.ma_keys", \.dictKeys),
        ("dict_object.ma_values", \.dictValues),
        ("unicode_object.state", \.unicodeState),
        ("unicode_object.length", \.unicodeLength),
        ("unicode_object.asciiobject_size", \.unicodeAsciiSize),
        ("gc.size", \.gcSize),
        ("gc.collecting", \.gcCollecting),
    ]
}
