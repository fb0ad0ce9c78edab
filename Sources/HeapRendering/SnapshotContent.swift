import Glibc
import HeapModel

/// What `pyinspect snapshot` stores for one report: the objects the analysis recorded, the type
/// table, `gc.garbage`, the cycle shapes with their paths as `attach` prints them, and the
/// description of the read as documented meta keys (the whole JSON report among them, under `report`).
public enum SnapshotContent {
    /// nil when the report carries no recorded objects (the analysis was not asked for them).
    public static func make(from report: HeapReport, naming: TypeNaming = .name, showValues: Bool = false,
                            pyinspectVersion: String) -> HeapSnapshot? {
        guard let objects = report.objects else { return nil }
        let t = report.target
        let c = report.collector
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var meta: [String: String] = [
            "pyinspect_version": pyinspectVersion,
            "created_unix": String(now.tv_sec),
            "pid": String(t.pid),
            "executable": t.executable,
            "python_version": t.version,
            "version_source": t.versionSource,
            "build_kind": t.buildKind,
            "layout": t.layout,
            "paused": t.pause.paused ? "1" : "0",
            "pause_seconds": fixed(t.pause.seconds, 6),
            "threads": String(t.pause.threads),
            "gc_enabled": c.enabled ? "1" : "0",
            "gc_debug": String(c.debugFlags),
            "gc_thresholds": c.thresholds.map(String.init).joined(separator: ","),
            "gc_counts": c.counts.map(String.init).joined(separator: ","),
            "gc_collecting": c.collecting ? "1" : "0",
            "tracked_count": String(report.capture.tracked.count),
            "permanent_count": String(report.permanent.count),
            "permanent_immortal_count": String(report.permanentImmortal),
            "garbage_count": String(report.garbage.count),
            "report": JSONRenderer(options: RenderOptions(naming: naming, showValues: showValues)).render(report),
        ]
        if let library = t.pythonLibrary { meta["python_library"] = library }
        if let inner = t.namespacePid { meta["namespace_pid"] = String(inner) }
        if let set = report.collectable {
            meta["collectable_count"] = String(set.census.count)
            meta["collectable_bytes"] = String(set.heldBytes)
        }
        let cycles = (report.collectable?.cycles ?? []).map {
            SnapshotCycle(count: $0.count, objects: $0.objects, heldBytes: $0.heldBytes,
                          path: CyclePath.text($0, types: report.types, naming: naming, showingValues: showValues),
                          qualifiedPath: CyclePath.text($0, types: report.types, naming: .qualified, showingValues: showValues))
        }
        // Dict keys are values from the target: kept only when asked for, or when they read as names
        // (an instance's attributes, which paths print), as `why` prints them.
        var paths = report.capture.paths
        if !showValues, paths != nil {
            paths!.labels = paths!.labels.map { if case let .key(key) = $0, !EdgeLabel.isIdentifier(key) { return .opaqueKey("str") } else { return $0 } }
        }
        if showValues { meta["values"] = "1" }
        return HeapSnapshot(meta: meta, objects: objects, types: report.types, garbage: report.garbage.objects ?? [], cycles: cycles,
                            paths: paths)
    }
}
