import CPythonLayouts
import Testing

/// StackLayout's presence table (which way each series finds and links its frames) and its `_PyStackRef`
/// decoding; LongLayout's int layouts.
@Suite struct StackLayoutTests {
    @Test(arguments: LayoutRegistry.all)
    func eachSeriesHasOneWayToItsFrames(_ layout: PythonLayout) {
        let s = layout.stacks
        let frameObjects = !layout.isAtLeast(3, 11)
        // ≤3.10 frame objects linked by f_back; 3.11+ interpreter frames linked by `previous`.
        #expect((s.frame != nil) == frameObjects && (s.previous != nil) == !frameObjects, "\(layout)")
        // The innermost interpreter frame: through the _PyCFrame (3.11–3.12) or the thread state (3.13+).
        #expect((s.cframeCurrentFrame != nil) == (layout.isAtLeast(3, 11) && !layout.isAtLeast(3, 13)), "\(layout)")
        #expect((s.currentFrame != nil) == layout.isAtLeast(3, 13), "\(layout)")
        // The stack top: an int index until 3.13, a pointer from 3.14, where the slots are _PyStackRefs.
        #expect((s.stackTop != nil) == (!frameObjects && !layout.isAtLeast(3, 14)), "\(layout)")
        #expect((s.stackPointer != nil) == layout.isAtLeast(3, 14) && (s.stackRefTagBits != nil) == layout.isAtLeast(3, 14), "\(layout)")
        // Entry frames exist from 3.12; every 3.11+ thread keeps its own frames in data-stack chunks.
        #expect((s.firstNonPythonOwner != nil) == layout.isAtLeast(3, 12), "\(layout)")
        let dataStack = [s.dataStackChunk, s.dataStackTop, s.chunkPrevious, s.chunkTop, s.chunkData, s.interpreterFrameSize]
        #expect(dataStack.allSatisfy { ($0 != nil) == !frameObjects }, "\(layout)")
        #expect((s.nativeThreadId != nil) == !frameObjects, "\(layout)")
        // 3.11–3.13 describe the same fields for frame traversal: the two tables agree.
        if let owner = layout.frames.interpreterFrameOwner { #expect(s.owner == owner && s.stackTop == layout.frames.interpreterFrameStackTop) }
        #expect(layout.long.digitBits == 30 && (layout.long.tag != nil) == layout.isAtLeast(3, 12), "\(layout)")
        #expect((layout.long.intValue != nil) == (layout.series == "2.7"), "\(layout)")
    }

    @Test func stackReferencesAreUntaggedFrom314() {
        let tagged = PythonLayout.v3_14_10.stacks
        #expect(tagged.stackRefTagBits == 3 && tagged.stackRefIntTag == 3)
        #expect(tagged.object(fromStackRef: 0x7f00_1234_5670) == 0x7f00_1234_5670)      // a strong reference
        #expect(tagged.object(fromStackRef: 0x7f00_1234_5671) == 0x7f00_1234_5670)      // borrowed or immortal
        #expect(tagged.object(fromStackRef: 1) == nil)                                  // PyStackRef_NULL
        #expect(tagged.object(fromStackRef: 42 << 2 | 3) == nil)                        // a tagged int
        let plain = PythonLayout.v3_13.stacks
        #expect(plain.object(fromStackRef: 0x7f00_1234_5671) == 0x7f00_1234_5671)       // a PyObject *, as it is
        #expect(plain.object(fromStackRef: 0) == nil)
    }
}
