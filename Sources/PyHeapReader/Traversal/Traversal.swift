import CPythonLayouts
import HeapModel

/// How the collector's `tp_traverse` finds the references of one type's objects.
indirect enum Traversal: Sendable, Equatable {
    /// Unknown traverse function: pyinspect reports no references for such objects, which can
    /// only make things look reachable (see UnreachableSet), never unreachable.
    case opaque
    /// The type has no `tp_traverse` (e.g. `object`): nothing to visit.
    case nothing
    /// Visits these fixed `PyObject *` fields (named for paths).
    case fields([Int], labels: [EdgeLabel])
    case tuple
    case list
    case dict
    case set
    /// `frame_traverse`: fixed fields, then fast locals and value stack (≤3.10) or the owned
    /// interpreter frame (3.11+).
    case frame
    /// `gen_traverse` / `async_gen_traverse`: fixed fields, then (3.11+) the embedded frame while live.
    case generator([Int], labels: [EdgeLabel])
    /// An inline array of pointers at `offset`: `count` of them, or `Py_SIZE(self)` when nil (HAMT nodes).
    case array(offset: Int, count: Int?)
    /// A C subclass of dict: these fields, then `dict_traverse` (OrderedDict, defaultdict).
    case dictSubtype([Int], labels: [EdgeLabel])
    /// `deque_traverse`: the items in its linked list of fixed-size blocks.
    case deque(DequeLayout)
    /// `subtype_traverse`: a class from a `class` statement.
    case instance(InstancePlan)
    /// No native plan: the type's own `tp_traverse` at this address, run in the emulator.
    case emulated(function: UInt64)
    /// `meth_traverse`: these fields, and (3.9+) a PyCMethod's `mm_class` at `classOffset` when
    /// `m_ml->ml_flags` has METH_METHOD.
    case builtinFunction([Int], labels: [EdgeLabel], classOffset: Int?)

    /// The same plan in storage of its own. Threads that read one plan for every object would
    /// otherwise all bump the reference counts of the same boxes and arrays, and the cache line
    /// holding each count would bounce between the cores.
    func privateCopy() -> Traversal {
        switch self {
        case .opaque: return .opaque
        case .nothing: return .nothing
        case .tuple: return .tuple
        case .list: return .list
        case .dict: return .dict
        case .set: return .set
        case .frame: return .frame
        case let .emulated(function): return .emulated(function: function)
        case let .builtinFunction(offsets, labels, classOffset):
            return .builtinFunction(offsets.map { $0 }, labels: labels.map { $0 }, classOffset: classOffset)
        case let .fields(offsets, labels): return .fields(offsets.map { $0 }, labels: labels.map { $0 })
        case let .generator(offsets, labels): return .generator(offsets.map { $0 }, labels: labels.map { $0 })
        case let .dictSubtype(offsets, labels): return .dictSubtype(offsets.map { $0 }, labels: labels.map { $0 })
        case let .array(offset, count): return .array(offset: offset, count: count)
        case let .deque(layout):
            var copy = layout
            copy.tpName = String(decoding: Array(layout.tpName.utf8), as: UTF8.self)
            return .deque(copy)
        case let .instance(plan):
            return .instance(InstancePlan(slots: plan.slots.map { Slot(offset: $0.offset, name: String(decoding: Array($0.name.utf8), as: UTF8.self)) },
                                          dict: plan.dict, type: plan.type, base: plan.base.privateCopy()))
        }
    }

    /// Whether the references found are exactly the collector's (an emulated call that fails makes
    /// that one object inexact).
    var isExact: Bool {
        switch self {
        case .opaque: return false
        case let .instance(plan): return plan.base.isExact
        default: return true
        }
    }
}

/// What `subtype_traverse` visits for one class: `__slots__` members, the instance dict (wherever
/// this version keeps it), the class itself, then the first non-`subtype_traverse` base's traversal.
struct InstancePlan: Sendable, Equatable {
    /// `T_OBJECT_EX` members (`__slots__`) of the class and its Python-level bases: offset and name.
    var slots: [Slot]
    var dict: DictLocation
    /// The class object, when `subtype_traverse` visits it (instances of heap types reference
    /// their type; nil when a heap-type base's traverse visits it instead).
    var type: UInt64?
    var base: Traversal
}

struct Slot: Sendable, Equatable {
    var offset: Int
    var name: String
}

/// Where an instance's `__dict__` (or its values) lives, per CPython version.
enum DictLocation: Sendable, Equatable {
    case none
    /// `tp_dictoffset`: positive, or negative (counted from the end of a variable-size object).
    case offset(dictOffset: Int, basicSize: Int, itemSize: Int)
    /// 3.11: values pointer at obj-32 (`ht_cached_keys` entries) and dict pointer at obj-24, both visited.
    case managed311(cachedKeys: UInt64)
    /// 3.12: obj-24 holds a dict pointer, or (tagged, bit 0) a values pointer.
    case managed312(cachedKeys: UInt64)
    /// 3.13: inline values after the object when valid, else the dict pointer at obj-24.
    case managed313(inlineValuesAt: Int?, cachedKeys: UInt64)
}
