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

    /// Only 3.8+ record the main thread in the runtime; older series find it through the thread states.
    @Test func mainThreadSource() {
        for layout in PythonLayout.generated {
            #expect((layout.runtime.mainThread == nil) == ["3.6", "3.7"].contains(layout.series), "\(layout.series)")
            if layout.runtime.mainThread == nil { #expect(layout.interpreter.threadStateHead != nil) }
        }
    }
}
