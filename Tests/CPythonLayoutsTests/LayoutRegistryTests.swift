import CPythonLayouts
import Testing

@Suite struct LayoutRegistryTests {
    @Test func selectsBySeries() throws {
        let v = try #require(PythonVersion(string: "3.12.5"))
        #expect(LayoutRegistry.layout(for: v) == PythonLayout.v3_12)
        #expect(LayoutRegistry.layout(for: PythonVersion(major: 3, minor: 8, micro: 0)) == PythonLayout.v3_8)
        #expect(LayoutRegistry.layout(for: PythonVersion(major: 3, minor: 13, micro: 0, releaseLevel: 0xC, serial: 2)) == PythonLayout.v3_13)
    }

    @Test func unsupportedSeriesHaveNoLayout() {
        #expect(LayoutRegistry.layout(for: PythonVersion(major: 3, minor: 5, micro: 10)) == nil)
        #expect(LayoutRegistry.layout(for: PythonVersion(major: 3, minor: 14, micro: 0)) == nil)
        #expect(LayoutRegistry.layout(for: PythonVersion(major: 2, minor: 7, micro: 18)) == nil)
    }

    @Test func supportedSeries() {
        #expect(LayoutRegistry.supportedSeries == ["3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13"])
        #expect(LayoutRegistry.layout(for: PythonVersion(major: 3, minor: 7, micro: 16)) == PythonLayout.v3_7)
    }
}
