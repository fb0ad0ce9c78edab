/// Picks the layout table for a target's CPython version. Tables exist per series ("3.12"); patch
/// releases of one series share a layout, so only `major.minor` is used.
public enum LayoutRegistry {
    /// The generated table for `version`'s series, or nil when that series is not supported.
    public static func layout(for version: PythonVersion) -> PythonLayout? {
        let series = version.series
        return PythonLayout.generated.first { $0.series == series }
    }

    /// The series that have a table, oldest first ("3.8" … "3.13").
    public static var supportedSeries: [String] {
        PythonLayout.generated.map(\.series)
    }
}
