import HeapGraph
import HeapIndex
import HeapModel

/// `why` and `top` asked of a snapshot file: the heap index rebuilt from what the file stored, the
/// same queries as on the process (HeapIndex), and a report that says where the answers come from.
struct SnapshotHeapIndex {
    let snapshot: HeapSnapshot
    let queries: RetainerQueries<StoredEdgeLabels>
    /// For the renderers: the process the snapshot was taken of, its pause and its type names.
    let report: HeapReport

    init(path: String) throws(ReportedError) {
        try self.init(try loadSnapshot(path), path: path)
    }

    init(_ snapshot: HeapSnapshot, path: String) throws(ReportedError) {
        guard let paths = snapshot.paths else {
            throw ReportedError(exit: .newerSnapshot, message: "\(path) has schema \(snapshot.meta["schema"] ?? "?"), without the roots and "
                                + "retainer labels why and top need: take it again with this pyinspect (pyinspect snapshot PID -o FILE)")
        }
        let objects = snapshot.objects
        let graph = ObjectGraph(addresses: objects.addresses,
                                refcounts: objects.refcounts.map { $0 == HeapObjects.immortal ? ObjectGraph.immortal : $0 },
                                generations: objects.generations, exact: [Bool](repeating: true, count: objects.count),
                                starts: objects.starts, targets: objects.targets)
        let index = RetainerIndex(graph: graph, sizes: objects.sizes, sources: paths.sources, frozen: paths.frozen)
        let tuple = snapshot.types.values.first { $0.tpName == "tuple" && !$0.isHeapType }?.address
        queries = RetainerQueries(graph: graph, typeOf: objects.types, sizes: objects.sizes, index: index, tupleType: tuple,
                                  labelling: StoredEdgeLabels(paths))
        self.snapshot = snapshot
        report = Self.report(snapshot)
    }

    /// The type of `address` as the snapshot named it.
    func info(_ type: UInt64) -> TypeInfo { snapshot.types[type] ?? .unreadable(type) }

    /// `why`, with the cycle shape that holds the first garbage object when it is in one.
    func why(_ query: WhyQuery) -> WhyReport {
        var (report, firstGarbage) = queries.why(query, info: info)
        if let firstGarbage, let rank = snapshot.paths?.cycleOf[firstGarbage], snapshot.cycles.indices.contains(Int(rank)) {
            report.garbageCyclePath = snapshot.cycles[Int(rank)].path
            report.garbageCycleQualifiedPath = snapshot.cycles[Int(rank)].qualifiedPath
        }
        return report
    }

    func top(_ query: TopQuery) -> RetentionSummary { queries.top(query) }

    /// The retainer paths of `nodes` (reached ones), grouped by shape, largest first.
    func groups(_ nodes: [Int32]) -> [WhyReport.Group] {
        let search = queries.index.search
        return queries.groups(nodes.filter { search.parent[Int($0)] != -2 }, grouped: true).0
    }

    /// What the renderers print of the source: the pid, version and pause of the read the
    /// snapshot recorded (meta keys), and its type table.
    private static func report(_ snapshot: HeapSnapshot) -> HeapReport {
        let meta = snapshot.meta
        let pause = PauseSummary(paused: meta["paused"] == "1", seconds: meta["pause_seconds"].flatMap(Double.init) ?? 0,
                                 threads: meta["threads"].flatMap { Int($0) } ?? 0, attempts: 1)
        let target = TargetSummary(pid: snapshot.pid ?? 0, executable: meta["executable"] ?? "?", pythonLibrary: meta["python_library"],
                                   version: meta["python_version"] ?? "?", versionSource: meta["version_source"] ?? "?",
                                   buildKind: meta["build_kind"] ?? "?", stripped: false, layout: meta["layout"] ?? "?", pause: pause,
                                   bytesCopied: 0, readCalls: 0, wallSeconds: 0)
        let collector = CollectorState(enabled: meta["gc_enabled"] == "1", debugFlags: meta["gc_debug"].flatMap { Int($0) } ?? 0,
                                       thresholds: [], counts: [], stats: [], collecting: meta["gc_collecting"] == "1")
        let capture = HeapCapture(collector: collector, generations: [], permanent: TypeCensus(), garbage: TypeCensus(),
                                  types: snapshot.types, issues: ScanIssues())
        return HeapReport(target: target, capture: capture)
    }
}

/// A command's source: a running process (its pid) or a snapshot file.
enum HeapSource {
    case process(Int32)
    case snapshot(String)

    /// A number is a pid; anything else is a file (`./1234` for a file named like a pid).
    init(_ text: String) {
        if let pid = Int32(text), !text.hasPrefix("+") { self = .process(pid) } else { self = .snapshot(text) }
    }
}
