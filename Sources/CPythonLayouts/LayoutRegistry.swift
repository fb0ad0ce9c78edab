/// Picks the layout tables for a target's CPython version. A series can hold several tables, one per
/// release they were read from (DWARF of pyenv builds, header probes of Debian's): patch releases
/// usually share a layout but need not (3.13.5 moved the generations), so the reader is offered every
/// table of the series, nearest release first, and keeps the first one the target's own memory confirms.
public enum LayoutRegistry {
    /// Every table: DWARF-generated and header-probed.
    public static let all: [PythonLayout] = PythonLayout.generated + PythonLayout.probed

    /// The tables of `version`'s series, best first: the exact release, then the newest older one, then
    /// the newer ones, oldest first. Empty when the series is not supported: a series is never defaulted.
    public static func candidates(for version: PythonVersion) -> [PythonLayout] {
        let series = all.filter { $0.series == version.series }
        func release(_ layout: PythonLayout) -> PythonVersion {
            layout.version.flatMap(PythonVersion.init(string:)) ?? PythonVersion(major: version.major, minor: version.minor)
        }
        let older = series.filter { release($0) <= version }.sorted { release($0) > release($1) }
        let newer = series.filter { release($0) > version }.sorted { release($0) < release($1) }
        return older + newer
    }

    /// The best table of `version`'s series (see `candidates`), or nil when the series is not supported.
    public static func layout(for version: PythonVersion) -> PythonLayout? {
        candidates(for: version).first
    }

    /// The series that have a table, oldest first ("2.7", "3.6" … "3.15").
    public static var supportedSeries: [String] {
        var seen: [String] = []
        for layout in all.sorted(by: { $0.seriesVersion < $1.seriesVersion }) where !seen.contains(layout.series) { seen.append(layout.series) }
        return seen
    }

    /// The releases tables were read from, for `doctor` and the README ("3.13.0", "3.13.5", …).
    public static var releases: [String] { all.compactMap(\.version) }
}
