import CPythonLayouts
import Testing

/// Exact values from docs/cpython-gc-internals.md (DWARF + live walks of the pyenv builds), checked
/// against what scripts/gen-layouts.py wrote into Generated/GeneratedLayouts.swift.
@Suite struct GeneratedLayoutsTests {
    @Test func coversEverySeriesInOrder() {
        #expect(PythonLayout.generated.map(\.series) == ["2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13"])
        #expect(PythonLayout.generated == [.v2_7, .v3_6, .v3_7, .v3_8, .v3_9, .v3_10, .v3_11, .v3_12, .v3_13])
        for layout in PythonLayout.generated {
            // 3.6 and 3.7: the "m" (pymalloc) ABI flag is part of the library's name (2.7 has no ABI flags).
            let abi = ["3.6", "3.7"].contains(layout.series) ? "m" : ""
            #expect(layout.source.hasPrefix("DWARF of libpython\(layout.series)\(abi).so.1.0 (\(layout.series)."))
        }
    }

    /// The series from 3.8 on (16-byte PyGC_Head); 3.7 and older are checked in LegacyLayoutsTests.
    static let modern = PythonLayout.generated.filter { !["2.7", "3.6", "3.7"].contains($0.series) }
    /// Python 3 (2.7's own structures are checked in LegacyLayoutsTests).
    static let python3 = PythonLayout.generated.filter { $0.series != "2.7" }

    @Test(arguments: modern)
    func sharedValues(_ layout: PythonLayout) {
        // GC state: identical from 3.8 to 3.13.
        #expect(layout.gc.headSize == 16)
        #expect(layout.gc.stateSize == 240)
        #expect(layout.gc.enabled == 12)
        #expect(layout.gc.debug == 16)
        #expect(layout.gc.generations == 24)
        #expect(layout.gc.generationCount == 3)
        #expect(layout.gc.generationSize == 24)
        #expect(layout.gc.generationThreshold == 16)
        #expect(layout.gc.generationCountField == 20)
        #expect(layout.gc.permanentGeneration == 104)
        #expect(layout.gc.generationStats == 128)
        #expect(layout.gc.statsSize == 24)
        #expect(layout.gc.statsCollections == 0)
        #expect(layout.gc.statsCollected == 8)
        #expect(layout.gc.statsUncollectable == 16)
        #expect(layout.gc.collecting == 200)
        #expect(layout.gc.garbage == 208)
        // Objects, types, lists, strings, dicts.
        #expect(layout.object.refcount == 0)
        #expect(layout.object.type == 8)
        #expect(layout.object.size == 16)
        #expect(layout.type.name == 24)
        #expect(layout.type.basicSize == 32)
        #expect(layout.type.flags == 168)
        #expect(layout.type.base == 256)
        #expect(layout.type.dict == 264)
        #expect(layout.list.items == 24)
        #expect(layout.list.allocated == 32)
        #expect(layout.unicode.length == 16)
        #expect(layout.unicode.state == 32)
        #expect(layout.unicode.kindShift == 2)
        #expect(layout.unicode.compactShift == 5)
        #expect(layout.unicode.asciiShift == 6)
        #expect(layout.dict.used == 16)
        #expect(layout.dict.keys == 32)
        #expect(layout.dict.values == 40)
        #expect(layout.dict.entrySize == 24)
        // Exactly one home for the gc state.
        #expect((layout.runtime.gc == nil) != (layout.interpreter.gc == nil))
        // Traversal: type slots, PyMemberDef, tuples, sets.
        let t = layout.traversal
        #expect(t.typeTraverse == 184)
        #expect(t.typeDictOffset == 288)
        #expect(t.typeMro == 344)
        #expect(t.typeBases == 336)
        #expect(t.heapTypeCachedKeys != nil)  // ht_cached_keys exists in every series (PEP 412, 3.3+)
        #expect(t.memberDefSize == 40)
        #expect(t.memberType == 8)
        #expect(t.memberOffset == 16)
        #expect(t.tupleItems == 24)
        #expect(t.setMask == 32)
        #expect(t.setTable == 40)
        #expect(t.setEntrySize == 16)
        #expect(t.setEntryKey == 0)
        // PyDictValues exists from 3.11; its `valid` byte from 3.13.
        #expect((t.dictValuesItems == nil) == ["3.8", "3.9", "3.10"].contains(layout.series))
        #expect((t.dictValuesValid == nil) == (layout.series != "3.13"))
    }

    /// 3.7+: contextvars and the HAMT exist (3.6 is checked in LegacyLayoutsTests).
    @Test(arguments: Self.python3.filter { $0.series != "3.6" })
    func pointerFieldsSharedByAllSeries(_ layout: PythonLayout) {
        let p = layout.traversal.pointerFields
        #expect(Set(p.keys) == ["PyCell_Type", "PyClassMethod_Type", "PyExc_BaseException", "PyFunction_Type",
                                "PyMethod_Type", "PyModule_Type", "PyProperty_Type", "PyStaticMethod_Type",
                                "PyTraceBack_Type", "PyType_Type", "_PyWeakref_RefType",
                                "PyContext_Type", "PyContextVar_Type", "PyContextToken_Type", "PyCFunction_Type",
                                "_PyHamt_Type", "PyMethodDescr_Type", "PyDictProxy_Type", "_PyMethodWrapper_Type"])
        #expect(p["PyCell_Type"] == [16])                // ob_ref
        #expect(p["PyMethod_Type"] == [16, 24])          // im_func, im_self
        #expect(p["PyClassMethod_Type"] == [16, 24])     // cm_callable, cm_dict
        #expect(p["PyStaticMethod_Type"] == [16, 24])    // sm_callable, sm_dict
        #expect(p["PyTraceBack_Type"] == [16, 24])       // tb_next, tb_frame
        #expect(p["_PyWeakref_RefType"] == [24])         // wr_callback only, never wr_object
        #expect(p["PyModule_Type"] == [16])              // md_dict only (not md_name, not module state)
        #expect(p["PyContext_Type"] == [16, 24])         // ctx_prev, ctx_vars (not ctx_weakreflist)
        #expect(p["PyContextVar_Type"] == [16, 24])      // var_name, var_default; never var_cached (32)
        #expect(p["PyContextToken_Type"] == [16, 24, 32]) // tok_ctx, tok_var, tok_oldval
        // m_self, m_module; never m_ml (16) nor 3.9+'s conditional mm_class (56, past a PyCFunctionObject).
        #expect(p["PyCFunction_Type"] == [24, 32])
        #expect(p["PyCMethod_Type"] == nil)              // inherits meth_traverse at PyType_Ready
        #expect(p["_PyHamt_Type"] == [16])               // h_root (not h_weakreflist)
        #expect(p["PyMethodDescr_Type"] == [16])         // d_type: descr_traverse, shared by every descriptor type
        #expect(p["PyDictProxy_Type"] == [16])           // mapping
        #expect(p["_PyMethodWrapper_Type"] == [16, 24])  // descr, self
        for (symbol, offsets) in p {
            #expect(Set(offsets).count == offsets.count, "\(symbol) lists an offset twice")
            #expect(offsets.allSatisfy { $0 >= 16 && $0 % 8 == 0 }, "\(symbol): \(offsets)")
        }
    }

    /// BaseException_traverse: dict, args, [notes (3.11+)], traceback, cause, context.
    @Test func baseExceptionPointerFields() {
        for l in [PythonLayout.v3_8, .v3_9, .v3_10] {
            #expect(l.traversal.pointerFields["PyExc_BaseException"] == [16, 24, 32, 48, 40])
        }
        for l in [PythonLayout.v3_11, .v3_12, .v3_13] {
            #expect(l.traversal.pointerFields["PyExc_BaseException"] == [16, 24, 32, 40, 56, 48])
        }
    }

    /// func_traverse: every PyObject* field but func_weakreflist; 3.10 adds func_builtins, 3.12 func_typeparams.
    @Test func functionPointerFields() {
        let v38: [Int] = [16, 24, 88, 32, 40, 56, 64, 72, 48, 96, 104]
        let v310: [Int] = [48, 16, 24, 104, 56, 64, 80, 32, 88, 72, 112, 40]
        let v312: [Int] = [48, 16, 24, 104, 56, 64, 80, 32, 88, 72, 112, 120, 40]
        #expect(PythonLayout.v3_8.traversal.pointerFields["PyFunction_Type"] == v38)
        #expect(PythonLayout.v3_9.traversal.pointerFields["PyFunction_Type"] == v38)
        #expect(PythonLayout.v3_10.traversal.pointerFields["PyFunction_Type"] == v310)
        #expect(PythonLayout.v3_11.traversal.pointerFields["PyFunction_Type"] == v310)
        #expect(PythonLayout.v3_12.traversal.pointerFields["PyFunction_Type"] == v312)
        #expect(PythonLayout.v3_13.traversal.pointerFields["PyFunction_Type"] == v312)
    }

    /// property_traverse gains prop_name in 3.10; type_traverse gains ht_module in 3.9.
    @Test func propertyAndTypePointerFields() {
        #expect(PythonLayout.v3_8.traversal.pointerFields["PyProperty_Type"] == [16, 24, 32, 40])
        #expect(PythonLayout.v3_9.traversal.pointerFields["PyProperty_Type"] == [16, 24, 32, 40])
        for l in [PythonLayout.v3_10, .v3_11, .v3_12, .v3_13] {
            #expect(l.traversal.pointerFields["PyProperty_Type"] == [16, 24, 32, 40, 48])
        }
        // tp_dict, tp_cache, tp_mro, tp_bases, tp_base, then ht_module.
        #expect(PythonLayout.v3_8.traversal.pointerFields["PyType_Type"] == [264, 352, 344, 336, 256])
        #expect(PythonLayout.v3_9.traversal.pointerFields["PyType_Type"] == [264, 352, 344, 336, 256, 872])
        #expect(PythonLayout.v3_10.traversal.pointerFields["PyType_Type"] == [264, 352, 344, 336, 256, 880])
        #expect(PythonLayout.v3_11.traversal.pointerFields["PyType_Type"] == [264, 352, 344, 336, 256, 880])
        #expect(PythonLayout.v3_12.traversal.pointerFields["PyType_Type"] == [264, 352, 344, 336, 256, 888])
        #expect(PythonLayout.v3_13.traversal.pointerFields["PyType_Type"] == [264, 352, 344, 336, 256, 888])
        for l in Self.python3 {
            let t = l.traversal
            let typeFields = t.pointerFields["PyType_Type"] ?? []
            #expect(typeFields.contains(l.type.dict) && typeFields.contains(l.type.base))
            #expect(typeFields.contains(t.typeMro) && typeFields.contains(t.typeBases))
        }
    }

    @Test func heapTypeCachedKeysAndDictValues() {
        #expect(Self.modern.map(\.traversal.heapTypeCachedKeys) == [872, 864, 872, 872, 880, 880])
        #expect(Self.modern.map(\.traversal.dictValuesItems) == [nil, nil, nil, 0, 0, 8])
        #expect(Self.modern.map(\.traversal.dictValuesValid) == [nil, nil, nil, nil, nil, 3])
    }

    /// frame_traverse: fixed fields, then 3.8-3.10 fast locals sized by the code object and the value
    /// stack (3.8/3.9 [f_valuestack, f_stacktop), 3.10 f_stackdepth words); 3.11+ the interpreter frame
    /// only when owned by the frame object.
    @Test func frameTraverse() {
        for l in [PythonLayout.v3_8, .v3_9] {
            let f = l.frames
            #expect(f.frameFields == [24, 32, 40, 48, 56, 80])   // f_back f_code f_builtins f_globals f_locals f_trace
            #expect(f.frameLocalsPlus == 360)
            #expect(f.frameCode == 32)
            #expect(f.frameValueStack == 64)
            #expect(f.frameStackTop == 72)
            #expect(f.frameStackDepth == nil)
        }
        let f310 = PythonLayout.v3_10.frames
        #expect(f310.frameFields == [24, 32, 40, 48, 56, 72])
        #expect(f310.frameLocalsPlus == 352)
        #expect(f310.frameCode == 32)
        #expect(f310.frameValueStack == 64)
        #expect(f310.frameStackTop == nil)
        #expect(f310.frameStackDepth == 80)
        for l in [PythonLayout.v3_8, .v3_9, .v3_10] {
            let f = l.frames
            #expect(f.codeNlocals == 28)
            #expect(f.codeFreevars == 80)
            #expect(f.codeCellvars == 88)
            #expect(f.frameInterpreterFrame == nil)
            #expect(f.interpreterFrameOwner == nil)
            #expect(f.ownedByFrameObject == nil)
            #expect(f.interpreterFrameFields.isEmpty)
            #expect(f.interpreterFrameLocalsPlus == nil)
            #expect(f.interpreterFrameStackTop == nil)
            #expect(f.frameFields.contains(f.frameCode ?? -1))
        }
        #expect(PythonLayout.v3_11.frames.frameFields == [16, 32])            // f_back, f_trace
        #expect(PythonLayout.v3_12.frames.frameFields == [16, 32])
        #expect(PythonLayout.v3_13.frames.frameFields == [16, 32, 48, 56])    // + f_extra_locals, f_locals_cache
        #expect([PythonLayout.v3_11, .v3_12, .v3_13].map(\.frames.interpreterFrameOwner) == [69, 70, 70])
        for l in [PythonLayout.v3_11, .v3_12, .v3_13] {
            let f = l.frames
            #expect(f.frameInterpreterFrame == 24)
            #expect(f.ownedByFrameObject == 2)
            #expect(f.frameLocalsPlus == nil && f.frameCode == nil && f.codeNlocals == nil)
            #expect(f.frameValueStack == nil && f.frameStackTop == nil && f.frameStackDepth == nil)
        }
    }

    /// _PyFrame_Traverse: frame_obj, f_locals, f_func(obj), f_code/f_executable, then localsplus[0..<stacktop].
    @Test func interpreterFrameTraverse() {
        #expect(PythonLayout.v3_11.frames.interpreterFrameFields == [40, 24, 0, 32])
        #expect(PythonLayout.v3_12.frames.interpreterFrameFields == [48, 40, 16, 0])
        #expect(PythonLayout.v3_13.frames.interpreterFrameFields == [48, 40, 16, 0])   // f_executable at 0
        for l in [PythonLayout.v3_11, .v3_12, .v3_13] {
            #expect(l.frames.interpreterFrameLocalsPlus == 72)
            #expect(l.frames.interpreterFrameStackTop == 64)      // an int index, also in 3.13.0
        }
    }

    /// gen_traverse (PyGen_Type, PyCoro_Type) and async_gen_traverse (PyAsyncGen_Type).
    @Test func generatorTraverse() {
        let v38: [Int] = [16, 32, 48, 56, 64, 72, 80]   // frame code name qualname exc_type exc_value exc_traceback
        let v310: [Int] = [16, 24, 40, 48, 56, 64, 72]
        let v311: [Int] = [16, 32, 40, 48]              // code name qualname exc_value
        let v312: [Int] = [24, 32, 40]                  // name qualname exc_value
        let expected: [(PythonLayout, [Int], Int)] = [(.v3_8, v38, 96), (.v3_9, v38, 96), (.v3_10, v310, 88),
                                                       (.v3_11, v311, 64), (.v3_12, v312, 56), (.v3_13, v312, 56)]
        for (l, fields, finalizer) in expected {
            let g = l.frames.generatorFields
            #expect(Set(g.keys) == ["PyGen_Type", "PyCoro_Type", "PyAsyncGen_Type"], "\(l.series)")
            #expect(g["PyGen_Type"] == fields, "\(l.series)")
            #expect(g["PyCoro_Type"] == fields, "\(l.series)")
            #expect(g["PyAsyncGen_Type"] == [finalizer] + fields, "\(l.series)")
        }
        for l in [PythonLayout.v3_8, .v3_9, .v3_10] {
            #expect(l.frames.generatorFrameState == nil)
            #expect(l.frames.generatorFrameCleared == nil)
            #expect(l.frames.generatorInterpreterFrame == nil)
        }
        #expect(PythonLayout.v3_11.frames.generatorFrameState == 75)
        #expect(PythonLayout.v3_11.frames.generatorInterpreterFrame == 80)
        for l in [PythonLayout.v3_12, .v3_13] {
            #expect(l.frames.generatorFrameState == 67)
            #expect(l.frames.generatorInterpreterFrame == 72)
        }
        for l in [PythonLayout.v3_11, .v3_12, .v3_13] {
            #expect(l.frames.generatorFrameCleared == 4)
        }
    }

    /// FutureObj_traverse / TaskObj_traverse of the _asyncio extension, Task lists flattened.
    @Test func asyncioTraverse() {
        let fut: [String: [Int]] = [
            "3.6": [16, 24, 40, 32, 48, 72],
            "3.7": [16, 24, 32, 40, 56, 48, 64, 88],
            "3.8": [16, 24, 32, 40, 56, 48, 64, 88],
            "3.9": [16, 24, 32, 40, 56, 48, 64, 72, 96, 112, 120, 128],
            "3.10": [16, 24, 32, 40, 64, 48, 56, 72, 80, 104, 120, 128, 136],
            "3.11": [16, 24, 32, 40, 64, 48, 56, 72, 80, 120, 104],
            "3.12": [8, 16, 24, 32, 40, 64, 48, 56, 72, 80, 120, 104],
            "3.13": [8, 16, 24, 32, 40, 64, 48, 56, 72, 80, 88],          // no dict: managed, left out
        ]
        let taskOwn: [String: [Int]] = [      // task_context, task_coro, task_name (3.8+), task_fut_waiter
            "3.6": [96, 88], "3.7": [120, 112, 104], "3.8": [128, 112, 120, 104], "3.9": [168, 152, 160, 144], "3.10": [176, 160, 168, 152],
            "3.11": [152, 136, 144, 128], "3.12": [8, 152, 136, 144, 128], "3.13": [8, 136, 120, 128, 112],
        ]
        for l in Self.python3 {
            let a = l.frames.asyncioFields
            #expect(Set(a.keys).isSuperset(of: ["_asyncio.Future", "_asyncio.Task"]))
            let future = fut[l.series] ?? []
            let own = taskOwn[l.series] ?? []
            #expect(a["_asyncio.Future"] == future, "\(l.series)")
            #expect(a["_asyncio.Task"] == own + future.filter { !own.contains($0) }, "\(l.series)")
            for (_, offsets) in a {
                #expect(Set(offsets).count == offsets.count)
            }
            // Py_TYPE(self) is visited from 3.12 (heap types).
            #expect((a["_asyncio.Future"] ?? []).contains(8) == ["3.12", "3.13"].contains(l.series))
        }
    }

    /// The other _asyncio types: FutureIter, the step wrapper (renamed in 3.12), the wakeup wrapper (3.8-3.9).
    @Test func asyncioHelperTypes() {
        let old: [String: [Int]] = ["_asyncio.FutureIter": [16], "TaskStepMethWrapper": [16, 24]]
        let new: [String: [Int]] = ["_asyncio.FutureIter": [8, 16], "_asyncio.TaskStepMethWrapper": [8, 16, 24]]
        let expected: [(PythonLayout, [String: [Int]])] = [
            (.v3_8, old.merging(["TaskWakeupMethWrapper": [16]]) { $1 }),
            (.v3_9, old.merging(["TaskWakeupMethWrapper": [16]]) { $1 }),
            (.v3_10, old), (.v3_11, old), (.v3_12, new), (.v3_13, new),
        ]
        for (l, helpers) in expected {
            var a = l.frames.asyncioFields
            a["_asyncio.Future"] = nil
            a["_asyncio.Task"] = nil
            #expect(a == helpers, "\(l.series)")
            #expect(a["_RunningLoopHolder"] == nil)      // not a GC type
        }
    }

    /// HAMT nodes: bitmap/collision visit Py_SIZE(self) elements of b_array/c_array, array nodes all 32 of a_array.
    @Test func hamtArrayFields() {
        for l in Self.python3 where l.series != "3.6" {   // the HAMT is new in 3.7
            let a = l.frames.arrayFields
            #expect(a == [
                "_PyHamt_BitmapNode_Type": ArrayFieldRule(offset: 32, count: .objectSize),
                "_PyHamt_CollisionNode_Type": ArrayFieldRule(offset: 32, count: .objectSize),
                "_PyHamt_ArrayNode_Type": ArrayFieldRule(offset: 16, count: .fixed(32)),
            ], "\(l.series)")
        }
    }

    /// functools.partial (fn, args, kw, dict; Py_TYPE from 3.10); dict subclasses' own fields before dict_traverse.
    @Test func moduleAndDictSubtypeFields() {
        for l in [PythonLayout.v3_8, .v3_9] {
            #expect(l.frames.moduleFields == ["functools.partial": [16, 24, 32, 40]])
        }
        for l in [PythonLayout.v3_10, .v3_11, .v3_12, .v3_13] {
            #expect(l.frames.moduleFields == ["functools.partial": [8, 16, 24, 32, 40]])
        }
        for l in [PythonLayout.v3_8, .v3_9, .v3_10, .v3_11] {
            #expect(l.frames.dictSubtypeFields == ["PyODict_Type": [96], "collections.defaultdict": [48]])
        }
        for l in [PythonLayout.v3_12, .v3_13] {
            #expect(l.frames.dictSubtypeFields == ["PyODict_Type": [96], "collections.defaultdict": [8, 48]])
        }
        for l in Self.python3 {
            #expect(l.frames.dictSubtypeFields["collections.deque"] == nil)   // block list: not expressible
            #expect(l.frames.moduleFields["collections.deque"] == nil)
        }
    }

    // MARK: field names

    @Test(arguments: Self.python3)
    func everyOffsetListIsNamed(_ layout: PythonLayout) {
        let t = layout.traversal
        #expect(Set(t.pointerFieldNames.keys) == Set(t.pointerFields.keys))
        for (key, offsets) in t.pointerFields {
            #expect(t.pointerFieldNames[key]?.count == offsets.count, "\(layout.series) \(key)")
        }
        let f = layout.frames
        var lists: [String: [Int]] = ["frameFields": f.frameFields, "interpreterFrameFields": f.interpreterFrameFields]
        for (label, table) in [("generatorFields", f.generatorFields), ("asyncioFields", f.asyncioFields),
                               ("moduleFields", f.moduleFields), ("dictSubtypeFields", f.dictSubtypeFields)] {
            for (key, offsets) in table { lists["\(label):\(key)"] = offsets }
        }
        #expect(Set(f.fieldNames.keys) == Set(lists.keys))
        for (key, offsets) in lists {
            let names = f.fieldNames[key] ?? []
            #expect(names.count == offsets.count, "\(layout.series) \(key)")
            // Py_TYPE(self) is named ob_type, and only it.
            for (name, offset) in zip(names, offsets) {
                #expect((name == "ob_type") == (offset == layout.object.type), "\(layout.series) \(key) \(name)")
            }
        }
    }

    @Test func pointerFieldNames() {
        for layout in Self.python3 {
            let n = layout.traversal.pointerFieldNames
            #expect(n["PyMethod_Type"] == ["im_func", "im_self"])
            #expect(n["PyTraceBack_Type"] == ["tb_next", "tb_frame"])
            #expect(n["PyCell_Type"] == ["ob_ref"])
            #expect(n["_PyWeakref_RefType"] == ["wr_callback"])
        }
        #expect(PythonLayout.v3_8.traversal.pointerFieldNames["PyType_Type"] == ["tp_dict", "tp_cache", "tp_mro", "tp_bases", "tp_base"])
        #expect(PythonLayout.v3_12.traversal.pointerFieldNames["PyExc_BaseException"] == ["dict", "args", "notes", "traceback", "cause", "context"])
        let f312 = PythonLayout.v3_12.traversal
        #expect(f312.pointerFieldNames["PyFunction_Type"]?.firstIndex(of: "func_typeparams").map { f312.pointerFields["PyFunction_Type"]![$0] } == 120)
    }

    @Test func frameFieldNames() {
        let f38 = PythonLayout.v3_8.frames.fieldNames
        #expect(f38["frameFields"] == ["f_back", "f_code", "f_builtins", "f_globals", "f_locals", "f_trace"])
        #expect(f38["interpreterFrameFields"] == [])
        #expect(f38["generatorFields:PyGen_Type"] == ["gi_frame", "gi_code", "gi_name", "gi_qualname", "gi_exc_state.exc_type",
                                                     "gi_exc_state.exc_value", "gi_exc_state.exc_traceback"])
        #expect(f38["asyncioFields:_asyncio.Future"] == ["fut_loop", "fut_callback0", "fut_context0", "fut_callbacks",
                                                        "fut_result", "fut_exception", "fut_source_tb", "dict"])
        #expect(f38["asyncioFields:TaskWakeupMethWrapper"] == ["ww_task"])
        let f313 = PythonLayout.v3_13.frames.fieldNames
        #expect(f313["frameFields"] == ["f_back", "f_trace", "f_extra_locals", "f_locals_cache"])
        #expect(f313["interpreterFrameFields"] == ["frame_obj", "f_locals", "f_funcobj", "f_executable"])
        #expect(f313["generatorFields:PyAsyncGen_Type"] == ["ag_origin_or_finalizer", "ag_name", "ag_qualname", "ag_exc_state.exc_value"])
        #expect(f313["asyncioFields:_asyncio.Task"]?.prefix(5) == ["ob_type", "task_context", "task_coro", "task_name", "task_fut_waiter"])
        #expect(f313["asyncioFields:_asyncio.Future"]?.contains("fut_exception") == true)
        #expect(f313["moduleFields:functools.partial"] == ["ob_type", "fn", "args", "kw", "dict"])
        #expect(f313["dictSubtypeFields:collections.defaultdict"] == ["ob_type", "default_factory"])
        #expect(f313["dictSubtypeFields:PyODict_Type"] == ["od_inst_dict"])
    }

    // MARK: code objects

    @Test func codeLayout() {
        // (name, qualname, filename, firstlineno, varnames, cellvars, freevars, localsplusnames, nlocalsplus,
        //  code_adaptive, lnotab, linetable, f_lineno, f_lasti, instruction, interpreter-frame code), from the DWARF.
        let want: [String: [Int?]] = [
            "3.6": [104, nil, 96, 36, 64, 80, 72, nil, nil, nil, 112, nil, 124, 120, nil, nil],
            "3.7": [104, nil, 96, 36, 64, 80, 72, nil, nil, nil, 112, nil, 108, 104, nil, nil],
            "3.8": [112, nil, 104, 40, 72, 88, 80, nil, nil, nil, 120, nil, 108, 104, nil, nil],
            "3.9": [112, nil, 104, 40, 72, 88, 80, nil, nil, nil, 120, nil, 108, 104, nil, nil],
            "3.10": [112, nil, 104, 40, 72, 88, 80, nil, nil, nil, nil, 120, 100, 96, nil, nil],
            "3.11": [120, 128, 112, 72, nil, nil, nil, 96, 76, 184, nil, 136, 40, nil, 56, 32],
            "3.12": [120, 128, 112, 68, nil, nil, nil, 96, 72, 192, nil, 136, 40, nil, 56, 0],
            "3.13": [120, 128, 112, 68, nil, nil, nil, 96, 72, 200, nil, 136, 40, nil, 56, 0],
        ]
        for layout in Self.python3 {
            let c = layout.code
            let got: [Int?] = [c.name, c.qualname, c.filename, c.firstLineNumber, c.varnames, c.cellvars, c.freevars,
                               c.localsPlusNames, c.nlocalsPlus, c.codeAdaptive, c.lnotab, c.linetable, c.frameLineNumber,
                               c.frameLastInstruction, c.interpreterFrameInstruction, c.interpreterFrameCode]
            #expect(got == want[layout.series], "\(layout.series)")
        }
        // The interpreter frame's code is the field _PyFrame_Traverse visits last (f_code / f_executable).
        for layout in Self.python3 where layout.code.interpreterFrameCode != nil {
            #expect(layout.frames.interpreterFrameFields.last == layout.code.interpreterFrameCode)
        }
        // 3.8-3.10: co_cellvars / co_freevars are the same members FrameTraversalLayout reads.
        for layout in Self.python3 where layout.code.cellvars != nil {
            #expect(layout.code.cellvars == layout.frames.codeCellvars)
            #expect(layout.code.freevars == layout.frames.codeFreevars)
        }
        let c = PythonLayout.v3_12.code
        #expect(c.name == 120)
        #expect(c.filename == 112)
        #expect(c.firstLineNumber == 68)
    }

    @Test func v3_8() {
        let l = PythonLayout.v3_8
        #expect(l.interpreter.sysdict == 72)
        #expect(l.runtime.size == 1464)
        #expect(l.runtime.interpretersHead == 32)
        #expect(l.runtime.interpretersMain == 40)
        #expect(l.runtime.gc == 344)
        #expect(l.interpreter.gc == nil)
        #expect(l.interpreter.id == 16)
        #expect(l.type.heapName == 848)
        #expect(l.type.heapQualname == 864)
        #expect(l.unicode.asciiSize == 48)
        #expect(l.unicode.compactSize == 72)
        #expect(l.dict.keysSize == 8)
        #expect(l.dict.keysLog2Size == nil)
        #expect(l.dict.keysEntryCount == 32)
        #expect(l.dict.keysIndices == 40)
        #expect(l.dict.unicodeEntrySize == nil)
    }

    @Test func v3_9() {
        let l = PythonLayout.v3_9
        #expect(l.interpreter.sysdict == 872)
        #expect(l.runtime.size == 656)
        #expect(l.runtime.interpretersHead == 32)
        #expect(l.runtime.gc == nil)
        #expect(l.interpreter.gc == 616)
        #expect(l.interpreter.id == 24)
        #expect(l.type.heapName == 840)
        #expect(l.type.heapQualname == 856)
        #expect(l.unicode.asciiSize == 48)
        #expect(l.dict.keysSize == 8)
    }

    @Test func v3_10() {
        let l = PythonLayout.v3_10
        #expect(l.interpreter.sysdict == 872)
        #expect(l.runtime.size == 672)
        #expect(l.runtime.interpretersHead == 32)
        #expect(l.runtime.gc == nil)
        #expect(l.interpreter.gc == 616)
        #expect(l.type.heapQualname == 864)
        #expect(l.unicode.asciiSize == 48)
        #expect(l.dict.keysSize == 8)
        #expect(l.dict.keysKind == nil)
    }

    @Test func v3_11() {
        let l = PythonLayout.v3_11
        #expect(l.interpreter.sysdict == 904)
        #expect(l.runtime.size == 166688)
        #expect(l.runtime.interpretersHead == 40)
        #expect(l.runtime.interpretersMain == 48)
        #expect(l.interpreter.gc == 648)
        #expect(l.interpreter.id == 48)
        #expect(l.type.heapQualname == 864)
        #expect(l.unicode.asciiSize == 48)
        #expect(l.unicode.compactSize == 72)
        #expect(l.dict.keysSize == nil)
        #expect(l.dict.keysLog2Size == 8)
        #expect(l.dict.keysLog2IndexBytes == 9)
        #expect(l.dict.keysKind == 10)
        #expect(l.dict.keysEntryCount == 24)
        #expect(l.dict.keysIndices == 32)
        #expect(l.dict.unicodeEntrySize == 16)
    }

    @Test func v3_12() {
        let l = PythonLayout.v3_12
        #expect(l.interpreter.sysdict == 352)
        #expect(l.runtime.size == 459944)
        #expect(l.runtime.interpretersHead == 40)
        #expect(l.interpreter.gc == 112)
        #expect(l.interpreter.id == 8)
        #expect(l.type.heapName == 856)
        #expect(l.type.heapQualname == 872)
        #expect(l.unicode.asciiSize == 40)
        #expect(l.unicode.compactSize == 56)
        #expect(l.dict.keysLog2Size == 8)
        #expect(l.dict.unicodeEntrySize == 16)
    }

    @Test func v3_13() {
        let l = PythonLayout.v3_13
        #expect(l.interpreter.sysdict == 7640)
        #expect(l.runtime.size == 283320)
        #expect(l.runtime.interpretersHead == 632)
        #expect(l.runtime.interpretersMain == 640)
        #expect(l.runtime.gc == nil)
        #expect(l.interpreter.next == 7264)
        #expect(l.interpreter.id == 7272)
        #expect(l.interpreter.gc == 7400)
        #expect(l.type.heapQualname == 872)
        #expect(l.unicode.asciiSize == 40)
        #expect(l.dict.keysSize == nil)
        #expect(l.dict.keysIndices == 32)
    }

    /// frame_sizeof / gen_sizeof inputs (values checked against the disassembly and live `__sizeof__()`).
    @Test func sizeofOffsets() {
        let old = PythonLayout.v3_10.code
        #expect(old.stackSize == 32 && old.frameObjectSize == 360)
        #expect(old.frameSize == nil && old.frameObjectDataOffset == nil && old.interpreterFrameLocalsPlusOffset == nil
            && old.generatorFrameOffset == nil)
        #expect(PythonLayout.v3_8.code.frameObjectSize == 368)
        let c11 = PythonLayout.v3_11.code
        #expect(c11.stackSize == 68 && c11.frameSize == nil && c11.frameObjectDataOffset == 48
            && c11.interpreterFrameLocalsPlusOffset == 72 && c11.generatorFrameOffset == 80)
        let c13 = PythonLayout.v3_13.code
        #expect(c13.stackSize == 64 && c13.frameSize == 76 && c13.frameObjectDataOffset == 64
            && c13.interpreterFrameLocalsPlusOffset == 72 && c13.generatorFrameOffset == 72)
        #expect(PythonLayout.v3_12.code.frameObjectDataOffset == 48)
    }

    /// The documented formulas reproduce `__sizeof__()` of a frame of `f(a, b)` (4 locals, stack 2, no
    /// cells) and of a generator of `g(a)` (2 locals; stack 1 in 3.10-3.11, 2 in 3.12+), as measured.
    @Test func sizeofFormulas() throws {
        let c10 = PythonLayout.v3_10.code
        let base10: Int = try #require(c10.frameObjectSize)
        #expect(base10 + (2 + 4 + 0 + 0 - 1) * 8 == 400)
        let c11 = PythonLayout.v3_11.code
        let data11: Int = try #require(c11.frameObjectDataOffset)
        let locals11: Int = try #require(c11.interpreterFrameLocalsPlusOffset)
        let gen11: Int = try #require(c11.generatorFrameOffset)
        #expect(data11 + locals11 + (4 + 2) * 8 == 168)
        #expect(gen11 + locals11 + (2 + 1) * 8 == 176)
        for (layout, frame) in [(PythonLayout.v3_12, 168), (PythonLayout.v3_13, 184)] {
            let c = layout.code
            let data: Int = try #require(c.frameObjectDataOffset)
            let localsPlus: Int = try #require(c.interpreterFrameLocalsPlusOffset)
            let gen: Int = try #require(c.generatorFrameOffset)
            let specials = localsPlus / 8                   // FRAME_SPECIALS_SIZE = 9
            #expect(specials == 9)
            let frameSize = 4 + 2 + specials                // co_framesize of f
            let frameBytes = (frameSize - specials) * 8
            #expect(data + localsPlus + frameBytes == frame)
            let genFrameSize = 2 + 2 + specials             // co_framesize of g
            let genBytes = (genFrameSize - specials) * 8
            #expect(gen + localsPlus + genBytes == 176)
            #expect(layout.gc.headSize == 16)               // sys.getsizeof adds the GC header
        }
    }

    @Test func dequeTraversal() {
        func deque(_ visitsType: Bool) -> DequeLayout {
            DequeLayout(tpName: "collections.deque", leftBlock: 24, rightBlock: 32, leftIndex: 40, rightIndex: 48,
                        blockData: 8, blockRightLink: 520, blockLength: 64, visitsType: visitsType, blockSize: 528)
        }
        for layout in Self.python3 {
            #expect(layout.frames.deque == deque(layout.series == "3.12" || layout.series == "3.13"), "\(layout.series)")
        }
        // 2.7 (lib-dynload/_collections.so): 62-slot blocks {data, rightlink, leftlink}, and the count in `len`.
        #expect(PythonLayout.v2_7.frames.deque == DequeLayout(tpName: "collections.deque", leftBlock: 16, rightBlock: 24, leftIndex: 32,
                                                              rightIndex: 40, blockData: 0, blockRightLink: 496, blockLength: 62,
                                                              visitsType: false, blockSize: 512, length: 48))
    }
}
