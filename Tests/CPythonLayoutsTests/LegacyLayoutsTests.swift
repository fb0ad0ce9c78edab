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

    /// Only 3.8+ record the main thread in the runtime; older series find it through the thread states.
    @Test func mainThreadSource() {
        for layout in PythonLayout.generated {
            #expect((layout.runtime.mainThread == nil) == (layout.series == "3.7"), "\(layout.series)")
            if layout.runtime.mainThread == nil { #expect(layout.interpreter.threadStateHead != nil) }
        }
    }
}
