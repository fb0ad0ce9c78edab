/// What a table's release does beyond where fields are: behaviour that changed inside a series, where
/// no header says it. Each fact names the CPython change and the releases it was confirmed on (by
/// `--verify-traversal`, the release's own tp_traverse run in the emulator, in the test suite).
extension PythonLayout {
    /// 3.14+ keeps frame slots as `_PyStackRef`, a pointer with tag bits (1 in 3.14, 3 in 3.15) in its
    /// low bits; objects are 8-byte aligned in every series, so clearing three bits is always right.
    public static let stackRefMask: UInt64 = ~7

    /// An instance whose `__dict__` was materialized visits that dict instead of its inline values, and
    /// the dict visits the values embedded in its owner; in 3.13.0 the owner visited the values and the
    /// dict nothing. Confirmed old on 3.13.0, new on 3.13.5, 3.13.18, 3.14.10 and 3.15.2 (3.13.1–3.13.4
    /// were not seen: they take 3.13.0's table, and with it its behaviour).
    public var visitsMaterializedDict: Bool {
        guard let version = version.flatMap(PythonVersion.init(string:)) else { return false }
        switch (version.major, version.minor) {
        case (3, 13): return version.micro >= 5
        case (3, 14...): return true
        default: return false
        }
    }
}
