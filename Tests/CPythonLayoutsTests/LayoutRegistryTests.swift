import CPythonLayouts
import Testing

@Suite struct LayoutRegistryTests {
    @Test func selectsBySeries() throws {
        let v = try #require(PythonVersion(string: "3.12.5"))
        #expect(LayoutRegistry.layout(for: v) == PythonLayout.v3_12)
        #expect(LayoutRegistry.layout(for: PythonVersion(major: 3, minor: 8, micro: 0)) == PythonLayout.v3_8)
        #expect(LayoutRegistry.layout(for: PythonVersion(major: 3, minor: 13, micro: 0, releaseLevel: 0xC, serial: 2)) == PythonLayout.v3_13)
    }

    /// A series holds one table per release read; the exact release comes first, then older, then newer.
    @Test func nearestReleaseFirst() {
        func order(_ micro: Int) -> [String] {
            LayoutRegistry.candidates(for: PythonVersion(major: 3, minor: 13, micro: micro)).compactMap(\.version)
        }
        #expect(order(18) == ["3.13.18", "3.13.5", "3.13.0"])
        #expect(order(7) == ["3.13.5", "3.13.0", "3.13.18"])
        #expect(order(5) == ["3.13.5", "3.13.0", "3.13.18"])
        #expect(order(2) == ["3.13.0", "3.13.5", "3.13.18"])
        #expect(order(20) == ["3.13.18", "3.13.5", "3.13.0"])
        #expect(LayoutRegistry.candidates(for: PythonVersion(major: 3, minor: 14, micro: 2)).compactMap(\.version) == ["3.14.0", "3.14.10"])
        #expect(LayoutRegistry.candidates(for: PythonVersion(major: 3, minor: 14, micro: 7)).compactMap(\.version) == ["3.14.0", "3.14.10"])
    }

    @Test func unsupportedSeriesHaveNoLayout() {
        #expect(LayoutRegistry.layout(for: PythonVersion(major: 3, minor: 16, micro: 0)) == nil)
        #expect(LayoutRegistry.layout(for: PythonVersion(major: 3, minor: 5, micro: 10)) == nil)
        #expect(LayoutRegistry.layout(for: PythonVersion(major: 2, minor: 6, micro: 9)) == nil)
        #expect(LayoutRegistry.layout(for: PythonVersion(major: 3, minor: 0, micro: 1)) == nil)
    }

    @Test func supportedSeries() {
        #expect(LayoutRegistry.supportedSeries == ["2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"])
        #expect(LayoutRegistry.layout(for: PythonVersion(major: 2, minor: 7, micro: 18)) == PythonLayout.v2_7)
        #expect(LayoutRegistry.layout(for: PythonVersion(major: 3, minor: 7, micro: 16)) == PythonLayout.v3_7)
    }

    /// Probed tables: what the headers of 3.13.5+ say that 3.13.0's DWARF does not (PyGC_Head packed to
    /// 4-byte alignment moves the generations), 3.14's tuple hash cache, 3.15's smaller gc state.
    @Test func probedTablesCarryTheirReleasesFacts() {
        #expect(PythonLayout.v3_13.gc.generations == 24)
        #expect(PythonLayout.v3_13_5.gc.generations == 20)
        #expect(PythonLayout.v3_13_18.gc.generations == 20)
        #expect(PythonLayout.v3_14_10.traversal.tupleItems == 32)
        #expect(PythonLayout.v3_14_10.gc.stateSize == 264)
        #expect(PythonLayout.v3_14_10.gc.generation0 == 256)
        // 3.14.0-3.14.4: the incremental collector's 240-byte state, offsets the placeholders kept.
        #expect(PythonLayout.v3_14_0.gc.stateSize == 240 && PythonLayout.v3_14_0.gc.generation0 == nil)
        #expect(PythonLayout.v3_14_0.gc.generationStats == 120 && PythonLayout.v3_14_0.gc.garbage == PythonLayout.v3_14_10.gc.garbage)
        #expect(PythonLayout.v3_15_2.gc.stateSize == 176)
        // 3.15: generation_stats points at ring buffers; the latest entry of each is gc.get_stats()'s.
        #expect(PythonLayout.v3_15_2.gc.generationStats == 104 && PythonLayout.v3_15_2.statsRing.isPresent)
        #expect(PythonLayout.v3_15_2.statsRing == GCStatsRingLayout(youngItems: 0, youngIndex: 704, youngCapacity: 11, old: 712,
                                                                    oldSize: 200, oldIndex: 192, oldCapacity: 3))
        #expect(!PythonLayout.v3_14_10.statsRing.isPresent)
        #expect(PythonLayout.v3_15_2.debugOffsets.gcSize != PythonLayout.v3_14_10.debugOffsets.gcSize)
        #expect(PythonLayout.v3_14_10.frames.interpreterFrameStackTop == nil)   // frames: emulated
        #expect(PythonLayout.v3_14_10.frames.frameInterpreterFrame == 24)      // but described on paths
        #expect(!PythonLayout.v3_13.visitsMaterializedDict && PythonLayout.v3_13_5.visitsMaterializedDict)
    }
}
