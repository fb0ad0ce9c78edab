/// Caps on sizes that come from the target. A corrupt or racing pointer can claim any length;
/// these keep every loop and allocation bounded.
public enum ReadLimits {
    /// Type names, qualnames, module names.
    public static let maxNameBytes = 1024
    /// Any single blob copied on request.
    public static let maxBlobBytes = 64 << 20
    /// Objects on one gc generation list. CPython cannot hold more than memory / 16 bytes of heads;
    /// 500 million is far beyond any real heap on the machines pyinspect targets.
    public static let maxListObjects = 500_000_000
    /// Items of `gc.garbage` and of any container read in full.
    public static let maxContainerItems = 100_000_000
    /// Entries of a dict read when looking up a key (type dicts are small).
    public static let maxDictEntries = 1 << 20
}
