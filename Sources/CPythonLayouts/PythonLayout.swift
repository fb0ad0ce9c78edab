/// Where things are inside one CPython series' structures, in bytes. These are facts read from the
/// DWARF of real builds (see scripts/gen-layouts.py and Generated/); nothing here is computed at run
/// time except by the 3.13+ cross-check against the target's own `_Py_DebugOffsets`.
public struct PythonLayout: Sendable, Equatable, CustomStringConvertible {
    /// The series ("3.12") and the build the numbers were read from.
    public var series: String
    public var source: String
    /// The exact release the numbers were read from ("3.13.18"): patch releases can move fields (3.13.5
    /// packs `PyGC_Head` to 4-byte alignment, which moves every generation), so a series holds one table
    /// per release read, and the registry offers the nearest first.
    public var version: String?

    public var runtime: RuntimeLayout

    public var description: String { "\(series) layout (\(source))" }

    /// The series as a version ("3.12" -> 3.12.0), to order and compare series (2.7 before 3.6).
    /// Parses a string: read it once, not per object.
    public var seriesVersion: PythonVersion { PythonVersion(string: series) ?? PythonVersion(major: 0, minor: 0) }

    /// Whether the series is `major.minor` or later.
    public func isAtLeast(_ major: Int, _ minor: Int) -> Bool { seriesVersion >= PythonVersion(major: major, minor: minor) }

    /// Objects can be immortal (refcount's low 32 bits negative as int32) from 3.12.
    public var hasImmortalObjects: Bool { isAtLeast(3, 12) }

    /// `_Py_IsImmortal` of a 64-bit build, for a series with `hasImmortalObjects`: the low 32 bits
    /// of `ob_refcnt`, as int32, are negative. (Static: hot loops test `hasImmortalObjects` once.)
    @inline(__always)
    public static func isImmortal(refcount: UInt64) -> Bool { Int32(truncatingIfNeeded: refcount) < 0 }
    public var interpreter: InterpreterLayout
    public var gc: GCLayout
    public var object: ObjectLayout
    public var type: TypeLayout
    public var list: ListLayout
    public var unicode: UnicodeLayout
    public var dict: DictLayout
    public var traversal: TraversalLayout
    /// What frames, generators and `_asyncio` futures/tasks visit (see FrameTraversalLayout).
    public var frames: FrameTraversalLayout
    /// Code objects' names, file and line tables; frames' line number and current instruction (see CodeLayout).
    public var code: CodeLayout
    /// Where the entries pyinspect reads sit in the target's `_Py_DebugOffsets` (3.13+; all nil before).
    public var debugOffsets: DebugOffsetsLayout
    /// 3.15's statistics ring buffers (all nil before).
    public var statsRing: GCStatsRingLayout
    /// `bytes` (2.7's `str`) and what only Python 2 has.
    public var bytes: BytesLayout
    public var classic: ClassicLayout
    /// Every thread's Python stack: thread states, their frames and how frames link (see StackLayout).
    public var stacks: StackLayout
    /// The value of an `int` (see LongLayout).
    public var long: LongLayout

    public init(series: String, source: String, version: String? = nil, runtime: RuntimeLayout, interpreter: InterpreterLayout, gc: GCLayout,
                object: ObjectLayout, type: TypeLayout, list: ListLayout, unicode: UnicodeLayout, dict: DictLayout,
                traversal: TraversalLayout, frames: FrameTraversalLayout, code: CodeLayout,
                debugOffsets: DebugOffsetsLayout = DebugOffsetsLayout(), statsRing: GCStatsRingLayout = GCStatsRingLayout(),
                bytes: BytesLayout, classic: ClassicLayout = ClassicLayout(), stacks: StackLayout, long: LongLayout) {
        self.series = series
        self.source = source
        self.version = version
        self.runtime = runtime
        self.interpreter = interpreter
        self.gc = gc
        self.object = object
        self.type = type
        self.list = list
        self.unicode = unicode
        self.dict = dict
        self.traversal = traversal
        self.frames = frames
        self.code = code
        self.debugOffsets = debugOffsets
        self.statsRing = statsRing
        self.bytes = bytes
        self.classic = classic
        self.stacks = stacks
        self.long = long
    }
}

/// What the builtin types' `tp_traverse` functions visit: the facts the unreachable-set analysis
/// needs to find every strong reference between tracked objects exactly as the collector does.
public struct TraversalLayout: Sendable, Equatable {
    /// `PyTypeObject.tp_traverse`, `tp_dictoffset`, `tp_mro`, `tp_bases`.
    public var typeTraverse: Int
    public var typeDictOffset: Int
    public var typeMro: Int
    public var typeBases: Int
    /// `PyHeapTypeObject.ht_cached_keys`: the shared keys that size a managed-dict instance's values
    /// array (3.11+; the field exists since 3.3, but only managed dicts use it for traversal).
    public var heapTypeCachedKeys: Int?
    /// `PyMemberDef`: size, `type`, `offset` (a heap type's members follow it at `Py_TYPE(type)->tp_basicsize`).
    public var memberDefSize: Int
    public var memberType: Int
    public var memberOffset: Int
    /// `PyTupleObject.ob_item`.
    public var tupleItems: Int
    /// `PySetObject.mask`, `.table`; `setentry` size and its `key` offset.
    public var setMask: Int
    public var setTable: Int
    public var setEntrySize: Int
    public var setEntryKey: Int
    /// 3.11+: offset of `values` in `PyDictValues` (before 3.11 `ma_values` points at the array itself).
    public var dictValuesItems: Int?
    /// 3.13+: offset of `valid` in `PyDictValues` (inline values of managed-dict instances).
    public var dictValuesValid: Int?
    /// `PyCFunctionObject.m_ml`, `PyMethodDef.ml_flags` and (3.9+) `PyCMethodObject.mm_class`, which
    /// `meth_traverse` visits only when the flags have METH_METHOD.
    public var cfunctionMethodDef: Int
    public var methodDefFlags: Int
    public var cmethodClass: Int?
    /// For types whose `tp_traverse` visits a fixed set of `PyObject *` fields: the offsets of exactly
    /// those fields, keyed by the exported symbol of the type object (`PyCell_Type`, `PyMethod_Type`,
    /// `PyFunction_Type`, ...; `PyExc_BaseException` for BaseException and subclasses sharing its traverse).
    public var pointerFields: [String: [Int]]
    /// The C name of every offset in `pointerFields`, same keys, same order (`"PyMethod_Type"` →
    /// `["im_func", "im_self"]`). A member of an embedded base is named by itself (`tp_dict` for
    /// `ht_type.tp_dict`), a member of an inner struct by its member path; `Py_TYPE(self)` is `"ob_type"`.
    public var pointerFieldNames: [String: [String]] = [:]

    public init(typeTraverse: Int, typeDictOffset: Int, typeMro: Int, typeBases: Int, heapTypeCachedKeys: Int?,
                memberDefSize: Int, memberType: Int, memberOffset: Int, tupleItems: Int, setMask: Int, setTable: Int,
                setEntrySize: Int, setEntryKey: Int, dictValuesItems: Int?, dictValuesValid: Int?,
                cfunctionMethodDef: Int, methodDefFlags: Int, cmethodClass: Int?,
                pointerFields: [String: [Int]], pointerFieldNames: [String: [String]] = [:]) {
        self.typeTraverse = typeTraverse
        self.typeDictOffset = typeDictOffset
        self.typeMro = typeMro
        self.typeBases = typeBases
        self.heapTypeCachedKeys = heapTypeCachedKeys
        self.memberDefSize = memberDefSize
        self.memberType = memberType
        self.memberOffset = memberOffset
        self.tupleItems = tupleItems
        self.setMask = setMask
        self.setTable = setTable
        self.setEntrySize = setEntrySize
        self.setEntryKey = setEntryKey
        self.dictValuesItems = dictValuesItems
        self.dictValuesValid = dictValuesValid
        self.cfunctionMethodDef = cfunctionMethodDef
        self.methodDefFlags = methodDefFlags
        self.cmethodClass = cmethodClass
        self.pointerFields = pointerFields
        self.pointerFieldNames = pointerFieldNames
    }
}

/// `_PyRuntimeState` (3.7+; every field is nil before, where there is no `_PyRuntime`).
public struct RuntimeLayout: Sendable, Equatable {
    /// sizeof(_PyRuntimeState): also the `st_size` of the `_PyRuntime` symbol, a layout fingerprint.
    public var size: Int?
    public var interpretersHead: Int?
    public var interpretersMain: Int?
    /// 3.8 only: the gc state lives in the runtime (`_PyRuntime.gc`); later it is per interpreter.
    public var gc: Int?
    /// 3.8+: `_PyRuntime.main_thread`: the main thread's `PyThread_get_thread_ident()`, i.e. its
    /// `pthread_self()`, which on glibc x86-64 is the thread pointer (fs_base). Older series: see
    /// `InterpreterLayout.threadStateHead`.
    public var mainThread: Int?

    public init(size: Int?, interpretersHead: Int?, interpretersMain: Int?, gc: Int?, mainThread: Int?) {
        self.size = size
        self.interpretersHead = interpretersHead
        self.interpretersMain = interpretersMain
        self.gc = gc
        self.mainThread = mainThread
    }
}

/// `PyInterpreterState`.
public struct InterpreterLayout: Sendable, Equatable {
    public var next: Int
    /// 3.7+: `interp->id`.
    public var id: Int?
    /// 3.9+: `interp->gc`.
    public var gc: Int?
    /// `interp->sysdict`: the `sys` module's dict (a `PyObject *`), where `sys.path` is found.
    public var sysdict: Int
    /// 3.7–3.10: `interp->tstate_head`, the newest `PyThreadState`; the list ends with the oldest, the
    /// main thread's, whose `thread_id` is its `pthread_self()` (for series without `_PyRuntime.main_thread`).
    public var threadStateHead: Int?
    /// `PyThreadState.next` and `PyThreadState.thread_id` (every series).
    public var threadStateNext: Int
    public var threadStateThreadId: Int
    /// 3.6 (no `_PyRuntime`): `["head": "pystate.c:interp_head"]`, the file-local static that heads the
    /// interpreter list (`file.c:name`, as `TargetImage.wantedSymbols` spells it). Empty from 3.7.
    public var statics: [String: String]

    public init(next: Int, id: Int?, gc: Int?, sysdict: Int, threadStateHead: Int?, threadStateNext: Int, threadStateThreadId: Int,
                statics: [String: String] = [:]) {
        self.next = next
        self.id = id
        self.gc = gc
        self.sysdict = sysdict
        self.threadStateHead = threadStateHead
        self.threadStateNext = threadStateNext
        self.threadStateThreadId = threadStateThreadId
        self.statics = statics
    }
}

/// `struct _gc_runtime_state` and the structs inside it. Before 3.7 there is no such struct: its
/// offsets are nil and `statics` names the variables of gcmodule.c that hold the same state.
public struct GCLayout: Sendable, Equatable {
    /// sizeof(PyGC_Head): the object starts this many bytes after its head.
    public var headSize: Int
    public var stateSize: Int?
    public var enabled: Int?
    public var debug: Int?
    /// The first `struct gc_generation`; the others follow at `generationSize` strides.
    public var generations: Int?
    public var generationCount: Int
    public var generationSize: Int
    public var generationThreshold: Int
    public var generationCountField: Int
    /// 3.7+ (`gc.freeze()`).
    public var permanentGeneration: Int?
    /// The inline `generation_stats[3]` (3.6–3.14); in 3.15 the `struct gc_stats *` that points at
    /// ring buffers (`PythonLayout.statsRing`). nil in 2.7, which keeps none.
    public var generationStats: Int?
    /// `generation0`, which points at `generations[0].head` in every series pyinspect reads (absent from
    /// 3.14.0–3.14.4's incremental collector): one of the checks that a table fits a target.
    public var generation0: Int?
    /// `struct gc_generation_stats` (3.4+; nil in 2.7, which keeps no per-generation statistics).
    public var statsSize: Int?
    public var statsCollections: Int?
    public var statsCollected: Int?
    public var statsUncollectable: Int?
    public var collecting: Int?
    public var garbage: Int?
    /// 3.6: the gcmodule.c variables by role (`generations`, `generation0`, `enabled`, `debug`,
    /// `collecting`, `garbage`, `generationStats`), each `file.c:name`. Empty from 3.7.
    public var statics: [String: String]

    public init(headSize: Int, stateSize: Int?, enabled: Int?, debug: Int?, generations: Int?, generationCount: Int,
                generationSize: Int, generationThreshold: Int, generationCountField: Int, permanentGeneration: Int?,
                generationStats: Int?, generation0: Int? = nil, statsSize: Int?, statsCollections: Int?, statsCollected: Int?,
                statsUncollectable: Int?, collecting: Int?, garbage: Int?, statics: [String: String] = [:]) {
        self.headSize = headSize
        self.stateSize = stateSize
        self.enabled = enabled
        self.debug = debug
        self.generations = generations
        self.generationCount = generationCount
        self.generationSize = generationSize
        self.generationThreshold = generationThreshold
        self.generationCountField = generationCountField
        self.permanentGeneration = permanentGeneration
        self.generationStats = generationStats
        self.generation0 = generation0
        self.statsSize = statsSize
        self.statsCollections = statsCollections
        self.statsCollected = statsCollected
        self.statsUncollectable = statsUncollectable
        self.collecting = collecting
        self.garbage = garbage
        self.statics = statics
    }
}

/// `PyObject` / `PyVarObject`.
public struct ObjectLayout: Sendable, Equatable {
    public var refcount: Int
    public var type: Int
    public var size: Int

    public init(refcount: Int, type: Int, size: Int) {
        self.refcount = refcount
        self.type = type
        self.size = size
    }
}

/// `PyTypeObject` / `PyHeapTypeObject`.
public struct TypeLayout: Sendable, Equatable {
    public var name: Int
    public var basicSize: Int
    public var itemSize: Int
    public var flags: Int
    public var base: Int
    public var dict: Int
    public var heapName: Int
    /// `ht_qualname` (3.3+; a 2.7 class has only its `__name__`).
    public var heapQualname: Int?
    /// `tp_del`, the legacy finalizer slot: an unreachable object whose type sets it is not freed
    /// (gcmodule.c's `has_legacy_finalizer`).
    public var legacyFinalizer: Int

    public init(name: Int, basicSize: Int, itemSize: Int, flags: Int, base: Int, dict: Int, heapName: Int, heapQualname: Int?,
                legacyFinalizer: Int) {
        self.name = name
        self.basicSize = basicSize
        self.itemSize = itemSize
        self.flags = flags
        self.base = base
        self.dict = dict
        self.heapName = heapName
        self.heapQualname = heapQualname
        self.legacyFinalizer = legacyFinalizer
    }
}

/// `PyListObject`.
public struct ListLayout: Sendable, Equatable {
    public var items: Int
    public var allocated: Int

    public init(items: Int, allocated: Int) {
        self.items = items
        self.allocated = allocated
    }
}

/// `PyASCIIObject` / `PyCompactUnicodeObject` (3.3+), or 2.7's `PyUnicodeObject`, whose characters
/// are a separate `Py_UNICODE` array (the compact fields are nil there, the legacy ones from 3.3).
public struct UnicodeLayout: Sendable, Equatable {
    public var length: Int
    public var state: Int?
    /// sizeof(PyASCIIObject): ASCII data follows it.
    public var asciiSize: Int?
    /// sizeof(PyCompactUnicodeObject): data of other compact kinds follows it.
    public var compactSize: Int?
    /// Bit positions inside `state`.
    public var kindShift: Int?
    public var compactShift: Int?
    public var asciiShift: Int?
    /// 2.7: `PyUnicodeObject.str`, the pointer to `length` units of `sizeof(Py_UNICODE)` bytes.
    public var legacyData: Int?
    public var legacyUnitSize: Int?

    public init(length: Int, state: Int?, asciiSize: Int?, compactSize: Int?, kindShift: Int?, compactShift: Int?,
                asciiShift: Int?, legacyData: Int? = nil, legacyUnitSize: Int? = nil) {
        self.length = length
        self.state = state
        self.asciiSize = asciiSize
        self.compactSize = compactSize
        self.kindShift = kindShift
        self.compactShift = compactShift
        self.asciiShift = asciiShift
        self.legacyData = legacyData
        self.legacyUnitSize = legacyUnitSize
    }
}

/// `PyDictObject` and its keys table (3.6+), or 2.7's dict, whose hash table of `{hash, key, value}`
/// entries hangs off the object itself (`ma_table`, `ma_mask + 1` slots; the keys-table fields are nil).
public struct DictLayout: Sendable, Equatable {
    public var used: Int
    public var keys: Int?
    public var values: Int?
    /// 3.6–3.10: `dk_size` (Py_ssize_t). nil from 3.11, which stores `dk_log2_size`.
    public var keysSize: Int?
    /// 3.6–3.10: `dk_lookup`, the lookup function; `dict_traverse` visits keys only when it is
    /// `lookdict` (a table that has held a non-str key). nil from 3.11 (`dk_kind` says it).
    public var keysLookup: Int?
    /// 3.11+: `dk_log2_size`, `dk_log2_index_bytes`, `dk_kind` (uint8 each).
    public var keysLog2Size: Int?
    public var keysLog2IndexBytes: Int?
    public var keysKind: Int?
    public var keysEntryCount: Int?
    public var keysIndices: Int?
    /// sizeof(PyDictKeyEntry) (2.7: PyDictEntry) {hash, key, value}; 3.11+ also sizeof(PyDictUnicodeEntry) {key, value}.
    public var entrySize: Int
    public var unicodeEntrySize: Int?
    /// 2.7: `ma_mask`, `ma_table` and the inline `ma_smalltable` a small dict's table is.
    public var mask: Int?
    public var table: Int?
    public var smallTable: Int?

    public init(used: Int, keys: Int?, values: Int?, keysSize: Int?, keysLookup: Int? = nil, keysLog2Size: Int?,
                keysLog2IndexBytes: Int?, keysKind: Int?, keysEntryCount: Int?, keysIndices: Int?, entrySize: Int,
                unicodeEntrySize: Int?, mask: Int? = nil, table: Int? = nil, smallTable: Int? = nil) {
        self.used = used
        self.keys = keys
        self.values = values
        self.keysSize = keysSize
        self.keysLookup = keysLookup
        self.keysLog2Size = keysLog2Size
        self.keysLog2IndexBytes = keysLog2IndexBytes
        self.keysKind = keysKind
        self.keysEntryCount = keysEntryCount
        self.keysIndices = keysIndices
        self.entrySize = entrySize
        self.unicodeEntrySize = unicodeEntrySize
        self.mask = mask
        self.table = table
        self.smallTable = smallTable
    }
}

/// `PyBytesObject` (2.7: `PyStringObject`, which is 2.7's `str`).
public struct BytesLayout: Sendable, Equatable {
    /// `ob_sval`: the characters (`ob_size` of them, then a NUL).
    public var data: Int

    public init(data: Int) {
        self.data = data
    }
}
