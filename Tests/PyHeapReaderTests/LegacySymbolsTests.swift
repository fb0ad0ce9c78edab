import CPythonLayouts
import RemoteMemory
import Testing

@Suite struct LegacySymbolsTests {
    /// Every file-local symbol a layout names is one the target image resolves.
    @Test func staticsAreWanted() {
        for layout in PythonLayout.generated {
            for name in layout.gc.statics.values.sorted() + layout.interpreter.statics.values.sorted() {
                #expect(TargetImage.wantedSymbols.contains(name), "\(layout.series): \(name)")
            }
        }
    }

}
