import HeapModel

/// The human report: process, collector state, then each generation and `gc.garbage` grouped by
/// type, most common first (like `objgraph.show_most_common_types`).
public struct TextRenderer {
    public var options: RenderOptions

    public init(options: RenderOptions) {
        self.options = options
    }

    public func render(_ report: HeapReport) -> String {
        var out: [String] = []
        header(report, &out)
        collector(report, &out)
        for (index, census) in report.generations.enumerated() {
            out.append("")
            let name = report.collector.listName(index).map { " (\($0))" } ?? ""
            section(title: "generation \(index)\(name)", census: census, report: report, &out)
        }
        if report.permanent.count > 0 {
            out.append("")
            section(title: "permanent generation (\(permanentOrigin(report)))", census: report.permanent, report: report, &out)
        }
        out.append("")
        section(title: "gc.garbage", census: report.garbage, report: report, &out)
        if options.listObjects, let objects = report.garbage.objects, !objects.isEmpty {
            for object in objects {
                let type = report.types[object.type] ?? .unreadable(object.type)
                out.append("gc: uncollectable <\(type.tpName) \(hexAddress(object.address))>")
            }
        }
        if let collectable = report.collectable {
            out.append("")
            self.collectable(collectable, report: report, &out)
        }
        if !report.issues.isEmpty {
            out.append("")
            out.append("issues: \(report.issues.unreadableObjects) unreadable object(s), \(report.issues.truncatedLists) truncated list(s)")
            for note in report.issues.notes { out.append("  " + note) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    private func header(_ report: HeapReport, _ out: inout [String]) {
        let t = report.target
        out.append("pid \(t.pid)" + (t.namespacePid.map { " (\($0) in its pid namespace)" } ?? "") + "  \(t.executable)")
        var build = t.buildKind
        if let library = t.pythonLibrary { build += " (\(library))" }
        if t.stripped { build += ", stripped" }
        out.append("  python   \(t.version) (from \(t.versionSource)); \(build)")
        out.append("  layout   \(t.layout)")
        if t.pause.paused {
            let attempts = t.pause.attempts == 1 ? "1 attempt" : "\(t.pause.attempts) attempts"
            let threads = "\(t.pause.threads) thread\(t.pause.threads == 1 ? "" : "s")"
            out.append("  paused   \(duration(t.pause.seconds)) (\(threads), \(attempts); resuming \(duration(t.pause.resumeSeconds)))")
        } else {
            out.append("  paused   no (--no-pause): counts are approximate")
        }
        out.append("  read     \(byteSize(t.bytesCopied)) in \(t.readCalls) batched read\(t.readCalls == 1 ? "" : "s"); took \(duration(t.wallSeconds))")
    }

    private func collector(_ report: HeapReport, _ out: inout [String]) {
        let c = report.collector
        let flags = c.debugFlagNames.isEmpty ? "none" : c.debugFlagNames.map { "DEBUG_" + $0.uppercased() }.joined(separator: "|")
        out.append("")
        let model = c.listNames == nil ? "" : "; incremental collector"
        out.append("gc  \(c.enabled ? "enabled" : "disabled"); debug \(c.debugFlags) (\(flags)); collecting \(c.collecting ? "yes" : "no")\(model)")
        let columns = ["generation", "tracked", "threshold", "count", "collections", "collected", "uncollectable"]
        let widths = [10, 12, 10, 8, 12, 12, 14]
        out.append("  " + zip(columns, widths).map { $0.1 == 10 && $0.0 == "generation" ? padRight($0.0, $0.1) : padLeft($0.0, $0.1) }.joined(separator: " "))
        for (index, census) in report.generations.enumerated() {
            // No statistics (3.15 keeps them behind a pointer, not read): "-", not a made-up 0.
            let stats = index < c.stats.count ? c.stats[index] : nil
            func stat(_ value: Int?) -> String { value.map { grouped($0) } ?? "-" }
            let cells = [padRight(c.listName(index) ?? "\(index)", widths[0]), padLeft(grouped(census.count), widths[1]),
                         padLeft(index < c.thresholds.count ? grouped(c.thresholds[index]) : "-", widths[2]),
                         padLeft(index < c.counts.count ? grouped(c.counts[index]) : "-", widths[3]),
                         padLeft(stat(stats?.collections), widths[4]), padLeft(stat(stats?.collected), widths[5]),
                         padLeft(stat(stats?.uncollectable), widths[6])]
            out.append("  " + cells.joined(separator: " "))
        }
        var permanent = "  " + padRight("permanent", widths[0]) + " " + padLeft(grouped(report.permanent.count), widths[1])
        if report.permanentImmortal > 0 { permanent += "  (\(permanentOrigin(report)))" }
        out.append(permanent)
    }

    /// Who put the permanent generation's objects there: `gc.freeze()`, or (3.12+) the collector,
    /// which moves every immortal object it meets there.
    private func permanentOrigin(_ report: HeapReport) -> String {
        guard report.permanentImmortal > 0 else { return "gc.freeze" }
        return "\(grouped(report.frozen)) from gc.freeze(), \(grouped(report.permanentImmortal)) immortal objects the collector keeps there"
    }

    /// How the references were found: natively, by the target's own tp_traverse in the emulator
    /// (types named, most objects first), or not at all (types named with the reason).
    private func coverageLines(_ set: CollectableSet, report: HeapReport, _ out: inout [String]) {
        let c = set.coverage
        func share(_ count: Int) -> String { fixed(c.tracked == 0 ? 100.0 : 100.0 * Double(count) / Double(c.tracked), 1) + "%" }
        func named(_ counts: [UInt64: Int], limit: Int) -> [String] {
            counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit)
                .map { "\(options.naming.label(report.types[$0.key] ?? .unreadable($0.key))) \(grouped($0.value))" }
        }
        var how = "native \(share(c.native))"
        if c.emulated > 0 {
            let types = named(c.emulatedByType, limit: 5)
            how += ", by the target's own tp_traverse \(share(c.emulated)): " + types.joined(separator: ", ")
            if c.emulatedByType.count > types.count { how += ", …" }
        }
        out.append("  coverage: references found for \(grouped(c.exact)) of \(grouped(c.tracked)) tracked objects (\(how))")
        if c.emulationCalls > 0 {
            out.append("  emulation: \(grouped(c.emulationCalls)) tp_traverse calls in \(fixed(c.emulationSeconds * 1000, 1)) ms "
                       + "(\(fixed(c.emulationSeconds * 1e6 / Double(c.emulationCalls), 1)) µs each)")
        }
        if c.exact < c.tracked {
            // The types whose objects are garbage themselves come first: they stand between the
            // analysis and a verdict on what they hold. Then the most common.
            let worst = c.inexactByType.sorted {
                let (a, b) = (c.inexactSuspectByType[$0.key] ?? 0, c.inexactSuspectByType[$1.key] ?? 0)
                return a != b ? a > b : $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key
            }.prefix(5)
            let names = worst.map { entry -> String in
                let name = options.naming.label(report.types[entry.key] ?? .unreadable(entry.key))
                let garbage = c.inexactSuspectByType[entry.key].map { ", \(grouped($0)) in suspected garbage" } ?? ""
                return "\(name) \(grouped(entry.value))\(garbage) (\(c.inexactReasons[entry.key] ?? "not traversed"))"
            }
            let held = c.inexactSuspectByType.values.reduce(0, +)
            let why = held > 0 ? "garbage they hold may stay hidden" : "each is alive, so what they hold is alive through it"
            out.append("  not traversed (\(why)): " + names.joined(separator: "; "))
        }
        if let check = set.verification { verificationLines(check, report: report, &out) }
    }

    /// `--verify-traversal`: each disagreement by type, with what only one side found.
    private func verificationLines(_ check: TraversalCheck, report: HeapReport, _ out: inout [String]) {
        let skipped = check.notEmulated.values.reduce(0, +)
        var line = "  verify-traversal: \(grouped(check.compared)) objects compared with their type's own tp_traverse, "
        line += check.disagreements.isEmpty ? "no disagreement" : "\(check.disagreements.count) type\(check.disagreements.count == 1 ? "" : "s") disagree"
        if skipped > 0 {
            let reasons = check.notEmulated.sorted { $0.value > $1.value }.prefix(3).map { "\($0.key) \(grouped($0.value))" }
            line += "; \(grouped(skipped)) not emulated (" + reasons.joined(separator: "; ") + ")"
        }
        out.append(line)
        for d in check.disagreements {
            let name = options.naming.label(report.types[d.type] ?? .unreadable(d.type))
            func list(_ addresses: [UInt64]) -> String { addresses.isEmpty ? "none" : addresses.prefix(8).map(hexAddress).joined(separator: " ") }
            out.append("    \(name) \(grouped(d.objects)) object\(d.objects == 1 ? "" : "s") disagree, e.g. \(hexAddress(d.sample)): "
                       + "only the native plan found \(list(d.onlyNative)); only tp_traverse found \(list(d.onlyEmulated))")
        }
    }

    private func collectable(_ set: CollectableSet, report: HeapReport, _ out: inout [String]) {
        let g = set.byGeneration
        section(title: "collectable (a full collection would free these now; by generation \(g.map(grouped).joined(separator: "/")))",
                census: set.census, report: report, bytes: set.bytesByType, &out)
        out.append("  memory held: \(byteSize(set.heldBytes)) (objects \(byteSize(set.bytes)), plus \(grouped(set.untrackedObjects)) untracked "
                   + "object\(set.untrackedObjects == 1 ? "" : "s") only they reference: \(byteSize(set.untrackedBytes)))")
        coverageLines(set, report: report, &out)
        uncollectableLines(set.uncollectable, report: report, &out)
        if !set.overcounted.isEmpty {
            let sample = set.overcounted.prefix(3).map { "<\((report.types[$0.type] ?? .unreadable($0.type)).tpName) \(hexAddress($0.address))>" }
            out.append("  warning: \(set.overcounted.count) object(s) had more references than their refcount (treated as reachable): "
                       + sample.joined(separator: ", "))
        }
        if !set.cycles.isEmpty {
            let total = set.cycles.reduce(0) { $0 + $1.count }
            out.append("")
            out.append("cycles: \(grouped(total)) in \(set.cycles.count) shape\(set.cycles.count == 1 ? "" : "s"), most memory held first")
            let shown = options.shownCycles(set.cycles)
            for (number, group) in shown {
                let types = group.byType.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                    .map { "\(options.naming.label(report.types[$0.key] ?? .unreadable($0.key))) \($0.value)" }
                out.append("  #\(number)  \(grouped(group.count)) cycle\(group.count == 1 ? "" : "s") of this shape, "
                           + "\(grouped(group.objects)) objects holding \(byteSize(group.heldBytes)): \(types.joined(separator: ", "))")
                if !group.path.isEmpty { out.append("      " + CyclePath.text(group, types: report.types, naming: options.naming, showingValues: options.showValues)) }
            }
            if shown.count < set.cycles.count {
                let how = options.cycle == nil ? "--all shows every shape" : "without --cycle every shape is shown"
                out.append("  … \(set.cycles.count - shown.count) more shapes (\(how))")
            }
        }
        if options.listObjects, let objects = set.census.objects {
            for object in objects {
                let type = report.types[object.type] ?? .unreadable(object.type)
                out.append("gc: collectable <\(type.tpName) \(hexAddress(object.address))>")
            }
        }
    }

    /// What legacy finalizers keep from being freed, and why, before any collection puts it in gc.garbage.
    private func uncollectableLines(_ kept: LegacyFinalizers, report: HeapReport, _ out: inout [String]) {
        guard kept.census.count > 0 else { return }
        let reasons = Dictionary(grouping: kept.finalizers, by: \.reason).map { "\($0.value.count) with \($0.key)" }.sorted()
        out.append("  uncollectable: \(grouped(kept.census.count)) of them would not be freed: legacy finalizers (\(reasons.joined(separator: ", "))) "
                   + "go to gc.garbage, the \(grouped(kept.census.count - kept.finalizers.count)) objects reachable from them stay too")
        let rows = kept.census.ranked(naming: options.naming, types: report.types)
        out.append("    " + rows.prefix(options.topTypes ?? rows.count).map { "\(options.naming.label($0.type)) \(grouped($0.count))" }
            .joined(separator: ", "))
        if options.listObjects, let objects = kept.census.objects {
            for object in objects {
                out.append("gc: uncollectable <\((report.types[object.type] ?? .unreadable(object.type)).tpName) \(hexAddress(object.address))>")
            }
        }
    }

    private func section(title: String, census: TypeCensus, report: HeapReport, bytes: [UInt64: Int]? = nil,
                         _ out: inout [String]) {
        let rows = census.ranked(naming: options.naming, types: report.types)
        let typeWord = rows.count == 1 ? "type" : "types"
        out.append("\(title): \(grouped(census.count)) object\(census.count == 1 ? "" : "s"), \(rows.count) \(typeWord)")
        guard !rows.isEmpty else { return }
        let shown = options.topTypes.map { Array(rows.prefix($0)) } ?? rows
        let width = max(5, grouped(shown.first?.count ?? 0).count)
        if let bytes {
            out.append("  " + padLeft("count", width) + "  " + padLeft("bytes", 10) + "  type")
            for row in shown {
                out.append("  " + padLeft(grouped(row.count), width) + "  " + padLeft(byteSize(bytes[row.type.address] ?? 0), 10)
                           + "  " + options.naming.label(row.type))
            }
        } else {
            out.append("  " + padLeft("count", width) + "  type")
            for row in shown {
                out.append("  " + padLeft(grouped(row.count), width) + "  " + options.naming.label(row.type))
            }
        }
        if shown.count < rows.count {
            let rest = rows[shown.count...].reduce(0) { $0 + $1.count }
            out.append("  … \(rows.count - shown.count) more types with \(grouped(rest)) objects (--all shows every type)")
        }
    }
}
