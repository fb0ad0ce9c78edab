import CPythonLayouts
import Testing

/// Exact values of the series before 3.8 (32-byte PyGC_Head), from ../shared/docs/cpython-gc-internals.md
/// (DWARF + live walks of the pyenv builds), checked against Generated/GeneratedLayouts.swift.
@Suite struct LegacyLayoutsTests {
    @Test func v3_7() {
        let l = PythonLayout.v3_7
        // _PyRuntime holds the one gc state (as in 3.8); no main_thread yet.
        #expect(l.runtime.size == 1520)
        #expect(l.runtime.interpretersHead == 24)
        #expect(l.runtime.interpretersMain == 32)
        #expect(l.runtime.gc == 320)
        #expect(l.runtime.mainThread == nil)
        #expect(l.interpreter.gc == nil)
        #expect(l.interpreter.threadStateHead == 8)
        #expect(l.interpreter.threadStateNext == 8)
        #expect(l.interpreter.threadStateThreadId == 176)
        // A 32-byte head (union with long double) makes 48-byte generations.
        let g = l.gc
        #expect([g.headSize, g.stateSize, g.enabled, g.debug, g.generations, g.generationSize] == [32, 352, 12, 16, 32, 48])
        #expect([g.generationThreshold, g.generationCountField, g.permanentGeneration, g.generationStats] == [32, 36, 192, 240])
        #expect([g.collecting, g.garbage, g.statsSize] == [312, 320, 24])
        // Compact dicts with dk_size and dk_lookup, as 3.8-3.10.
        #expect(l.dict.keysSize == 8)
        #expect(l.dict.keysLookup == 16)
        #expect(l.dict.keysLog2Size == nil)
        // frame_traverse as 3.8-3.9: f_valuestack .. f_stacktop.
        #expect(l.frames.frameStackTop != nil)
        #expect(l.frames.frameStackDepth == nil)
        #expect(l.frames.fieldNames["frameFields"] == ["f_back", "f_code", "f_builtins", "f_globals", "f_locals", "f_trace"])
        // No PyCMethod (3.9+); TaskObj has no task_name (3.8+).
        #expect(l.traversal.cmethodClass == nil)
        #expect(l.frames.fieldNames["asyncioFields:_asyncio.Task"]?.prefix(3) == ["task_context", "task_coro", "task_fut_waiter"])
    }

    @Test func v3_6() {
        let l = PythonLayout.v3_6
        // No _PyRuntime: the gc state is gcmodule.c's variables, the interpreter list pystate.c's interp_head.
        #expect(l.runtime == RuntimeLayout(size: nil, interpretersHead: nil, interpretersMain: nil, gc: nil, mainThread: nil))
        #expect(l.era.gcStateHome == .moduleStatics)
        #expect(!l.era.hasRuntimeState && !l.era.hasPermanentGeneration)
        #expect(l.interpreter.statics == ["head": "pystate.c:interp_head"])
        #expect(l.interpreter.id == nil)
        #expect(l.interpreter.threadStateThreadId == 152)
        let g = l.gc
        #expect(g.statics == ["generations": "gcmodule.c:generations", "generation0": "gcmodule.c:_PyGC_generation0",
                              "enabled": "gcmodule.c:enabled", "debug": "gcmodule.c:debug", "collecting": "gcmodule.c:collecting",
                              "garbage": "gcmodule.c:garbage", "generationStats": "gcmodule.c:generation_stats"])
        #expect([g.stateSize, g.enabled, g.debug, g.generations, g.permanentGeneration, g.generationStats, g.collecting, g.garbage]
            == [nil, nil, nil, nil, nil, nil, nil, nil])
        #expect([g.headSize, g.generationCount, g.generationSize, g.generationThreshold, g.generationCountField] == [32, 3, 48, 32, 36])
        // The frame still holds the exception being handled; generators have no exc_state yet.
        #expect(l.frames.fieldNames["frameFields"] == ["f_back", "f_code", "f_builtins", "f_globals", "f_locals", "f_trace",
                                                       "f_exc_type", "f_exc_value", "f_exc_traceback"])
        #expect(l.frames.fieldNames["generatorFields:PyGen_Type"] == ["gi_frame", "gi_code", "gi_name", "gi_qualname"])
        // odict_traverse visits od_weakreflist too (3.7 stopped); no contextvars, no HAMT.
        #expect(l.frames.fieldNames["dictSubtypeFields:PyODict_Type"] == ["od_inst_dict", "od_weakreflist"])
        #expect(l.traversal.pointerFields["PyContext_Type"] == nil && l.traversal.pointerFields["_PyHamt_Type"] == nil)
        #expect(l.frames.arrayFields.isEmpty)
    }

    @Test func v2_7() {
        let l = PythonLayout.v2_7
        // gcmodule.c's variables as in 3.6, but no generation statistics; a 32-byte head aligned to 8
        // (a union with a double) makes 40-byte generations.
        #expect(l.era.gcStateHome == .moduleStatics && !l.era.hasRuntimeState && !l.era.hasPermanentGeneration)
        let g = l.gc
        #expect(g.statics == ["generations": "gcmodule.c:generations", "generation0": "gcmodule.c:_PyGC_generation0",
                              "enabled": "gcmodule.c:enabled", "debug": "gcmodule.c:debug", "collecting": "gcmodule.c:collecting",
                              "garbage": "gcmodule.c:garbage"])
        #expect([g.headSize, g.generationCount, g.generationSize, g.generationThreshold, g.generationCountField] == [32, 3, 40, 32, 36])
        #expect([g.statsSize, g.statsCollections, g.generationStats] == [nil, nil, nil])
        #expect(l.interpreter.statics == ["head": "pystate.c:interp_head"])
        #expect([l.interpreter.sysdict, l.interpreter.threadStateHead, l.interpreter.threadStateThreadId] == [24, 8, 144])
        // str is PyStringObject (characters at ob_sval, 36); unicode points at Py_UNICODE (UCS4 here).
        #expect(l.bytes.data == 36)
        #expect(l.unicode == UnicodeLayout(length: 16, state: nil, asciiSize: nil, compactSize: nil, kindShift: nil, compactShift: nil,
                                           asciiShift: nil, legacyData: 24, legacyUnitSize: 4))
        // The dict's table hangs off the object: {hash, key, value} entries, 8 inline.
        #expect([l.dict.used, l.dict.mask, l.dict.table, l.dict.smallTable, l.dict.entrySize] == [24, 32, 40, 56, 24])
        #expect([l.dict.keys, l.dict.values, l.dict.keysEntryCount] == [nil, nil, nil])
        #expect(l.type.heapQualname == nil && l.type.heapName == 856 && l.traversal.heapTypeCachedKeys == nil)
        // setentry is {hash, key}.
        #expect([l.traversal.setEntrySize, l.traversal.setEntryKey] == [16, 8])
        // Classic classes, and the block stack of PyGen_NeedsFinalizing.
        #expect(l.classic == ClassicLayout(instanceClass: 16, instanceDict: 24, classBases: 16, classDict: 24, className: 32,
                                           frameBlockCount: 128, frameBlockStack: 132, blockSize: 12, blockType: 0))
        // What the traverse functions visit where 2.7 differs: methods keep their class, functions have
        // no annotations, kwdefaults or qualname, classmethods no dict, exceptions a message.
        let n = l.traversal.pointerFieldNames
        #expect(n["PyMethod_Type"] == ["im_func", "im_self", "im_class"])
        #expect(n["PyFunction_Type"] == ["func_code", "func_globals", "func_module", "func_defaults", "func_doc", "func_name",
                                         "func_dict", "func_closure"])
        #expect(n["PyClassMethod_Type"] == ["cm_callable"] && n["PyStaticMethod_Type"] == ["sm_callable"])
        #expect(n["PyExc_BaseException"] == ["dict", "args", "message"])
        #expect(n["PyDictProxy_Type"] == ["dict"])
        #expect(l.frames.fieldNames["generatorFields:PyGen_Type"] == ["gi_frame", "gi_code"])
        #expect(l.frames.generatorFields["PyCoro_Type"] == nil && l.frames.asyncioFields.isEmpty)
        // Code: no qualname; lnotab with unsigned line steps.
        #expect([l.code.name, l.code.filename, l.code.lnotab, l.code.frameLastInstruction] == [88, 80, 104, 120])
        #expect(l.code.qualname == nil && !l.lineTableSignedDeltas && !l.hasTypeSlotFinalizerRule)
        #expect(l.nameStringTypeSymbol == "PyString_Type" && l.builtinsModuleName == "__builtin__")
    }

    /// Only 3.8+ record the main thread in the runtime; older series find it through the thread states.
    @Test func mainThreadSource() {
        for layout in PythonLayout.generated {
            #expect((layout.runtime.mainThread == nil) == ["2.7", "3.6", "3.7"].contains(layout.series), "\(layout.series)")
            if layout.runtime.mainThread == nil { #expect(layout.interpreter.threadStateHead != nil) }
        }
    }
}
