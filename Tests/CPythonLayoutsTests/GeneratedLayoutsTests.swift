import CPythonLayouts
import Testing

/// Exact values from docs/cpython-gc-internals.md (DWARF + live walks of the pyenv builds), checked
/// against what scripts/gen-layouts.py wrote into Generated/GeneratedLayouts.swift.
@Suite struct GeneratedLayoutsTests {
    @Test func coversEverySeriesInOrder() {
        #expect(PythonLayout.generated.map(\.series) == ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"])
        #expect(PythonLayout.generated == [.v3_8, .v3_9, .v3_10, .v3_11, .v3_12, .v3_13])
        for layout in PythonLayout.generated {
            #expect(layout.source.hasPrefix("DWARF of libpython\(layout.series).so.1.0 (\(layout.series)."))
        }
    }

    @Test(arguments: PythonLayout.generated)
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
    }

    @Test func v3_8() {
        let l = PythonLayout.v3_8
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
}
