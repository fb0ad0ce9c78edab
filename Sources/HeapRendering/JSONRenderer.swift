import HeapModel

/// The machine-readable report, schema `pyinspect-report/1` (docs/json-schema.md).
///
/// Each census section carries `count`, `types` (keyed by the chosen naming), `qualified_types`
/// and `by_type` (keyed by type-object address, the unambiguous key), so that
/// `oracle_check.py TRUTH REPORT` accepts it as it is.
public struct JSONRenderer {
    public static let schema = "pyinspect-report/1"
    public var options: RenderOptions

    public init(options: RenderOptions) {
        self.options = options
    }

    public func render(_ report: HeapReport) -> String {
        document(report).serialized() + "\n"
    }

    public func document(_ report: HeapReport) -> JSONValue {
        let c = report.collector
        let gc: JSONValue = .object([
            ("enabled", .bool(c.enabled)),
            ("debug", .int(c.debugFlags)),
            ("debug_flags", .array(c.debugFlagNames.map { .string($0) })),
            ("threshold", .array(c.thresholds.map { .int($0) })),
            ("count", .array(c.counts.map { .int($0) })),
            ("stats", .array(c.stats.map {
                .object([("collections", .int($0.collections)), ("collected", .int($0.collected)),
                         ("uncollectable", .int($0.uncollectable))])
            })),
            ("collecting", .bool(c.collecting)),
            ("model", .string(c.model)),
            ("freeze_count", .int(report.permanent.count)),
            ("frozen", .int(report.frozen)),
            ("permanent_immortal", .int(report.permanentImmortal)),
        ])
        var generations: [JSONValue] = []
        for (index, census) in report.generations.enumerated() {
            let name = c.listName(index).map { [("name", JSONValue.string($0))] } ?? []
            generations.append(section(census, report, leading: [("generation", .int(index))] + name, ids: false))
        }
        let typeTable: JSONValue = .object(report.types.keys.sorted().map { address in
            let type = report.types[address]!
            return (hexAddress(address), .object([
                ("name", .string(type.name)), ("qualified", .string(type.qualified)),
                ("tp_name", .string(type.tpName)), ("heap_type", .bool(type.isHeapType)),
            ]))
        })
        var collectable: [(String, JSONValue)] = []
        if let set = report.collectable {
            let c = set.coverage
            var section = self.section(set.census, report, leading: [], ids: true)
            if case var .object(members) = section {
                members.append(("by_generation", .array(set.byGeneration.map { .int($0) })))
                members.append(("bytes", .int(set.bytes)))
                let bytesByType = set.bytesByType.map { (options.naming.label(report.types[$0.key] ?? .unreadable($0.key)), $0.value) }
                    .reduce(into: [String: Int]()) { $0[$1.0, default: 0] += $1.1 }
                members.append(("bytes_by_type", .object(bytesByType.keys.sorted { bytesByType[$0]! != bytesByType[$1]! ? bytesByType[$0]! > bytesByType[$1]! : $0 < $1 }
                    .map { ($0, .int(bytesByType[$0]!)) })))
                members.append(("untracked_objects", .int(set.untrackedObjects)))
                members.append(("untracked_bytes", .int(set.untrackedBytes)))
                members.append(("held_bytes", .int(set.heldBytes)))
                members.append(("coverage", coverage(c, report)))
                if let check = set.verification { members.append(("verification", verification(check, report))) }
                members.append(("uncollectable", uncollectable(set.uncollectable, report)))
                members.append(("would_free", .object([("count", .int(set.census.count - set.uncollectable.census.count))])))
                members.append(("overcounted", .array(set.overcounted.map { .string(hexAddress($0.address)) })))
                members.append(("cycles", .array(options.shownCycles(set.cycles, all: true).map { cycle(number: $0.number, group: $0.group, report) })))
                section = .object(members)
            }
            collectable = [("collectable", section)]
        }
        return .object([
            ("schema", .string(Self.schema)),
            ("type_key", .string(options.naming.rawValue)),
            ("process", process(report.target, phases: report.phases)),
            ("gc", gc),
            ("generations", .array(generations)),
            ("permanent_generation", section(report.permanent, report, leading: [], ids: false)),
            ("garbage", section(report.garbage, report, leading: [], ids: true)),
        ] + collectable + [
            ("type_table", typeTable),
            ("issues", .object([
                ("unreadable_objects", .int(report.issues.unreadableObjects)),
                ("truncated_lists", .int(report.issues.truncatedLists)),
                ("notes", .array(report.issues.notes.map { .string($0) })),
            ])),
        ])
    }

    private func cycle(number: Int, group: CycleGroup, _ report: HeapReport) -> JSONValue {
        let types = group.byType.map { (options.naming.label(report.types[$0.key] ?? .unreadable($0.key)), $0.value) }
            .reduce(into: [String: Int]()) { $0[$1.0, default: 0] += $1.1 }
        return .object([
            ("number", .int(number)),
            ("count", .int(group.count)),
            ("objects", .int(group.objects)),
            ("held_bytes", .int(group.heldBytes)),
            ("types", .object(types.keys.sorted { types[$0]! != types[$1]! ? types[$0]! > types[$1]! : $0 < $1 }.map { ($0, .int(types[$0]!)) })),
            ("path_text", .string(CyclePath.text(group, types: report.types, naming: options.naming, showingValues: options.showValues))),
            ("path", .array(group.path.map { step in
                .object([
                    ("address", .string(hexAddress(step.object.address))),
                    ("type", .string(options.naming.label(report.types[step.object.type] ?? .unreadable(step.object.type)))),
                    ("label", step.label.map { .string($0.text(showingValues: options.showValues)) } ?? .null),
                    ("detail", step.detail.map { .string($0) } ?? .null),
                ])
            })),
        ])
    }

    private func process(_ t: TargetSummary, phases: [(name: String, seconds: Double)]) -> JSONValue {
        .object([
            ("pid", .int(Int(t.pid))),
            ("namespace_pid", t.namespacePid.map { .int(Int($0)) } ?? .null),
            ("executable", .string(t.executable)),
            ("python_library", t.pythonLibrary.map { .string($0) } ?? .null),
            ("python_version", .string(t.version)),
            ("version_source", .string(t.versionSource)),
            ("build", .string(t.buildKind)),
            ("stripped", .bool(t.stripped)),
            ("layout", .string(t.layout)),
            ("paused", .bool(t.pause.paused)),
            ("pause_seconds", .double(t.pause.seconds)),
            ("resume_seconds", .double(t.pause.resumeSeconds)),
            ("threads", .int(t.pause.threads)),
            ("attempts", .int(t.pause.attempts)),
            ("approximate", .bool(t.pause.approximate)),
            ("bytes_copied", .int(t.bytesCopied)),
            ("read_calls", .int(t.readCalls)),
            ("wall_seconds", .double(t.wallSeconds)),
            ("phases", .object(phases.map { ($0.name, .double($0.seconds)) })),
        ])
    }

    /// The unreachable objects legacy finalizers keep: a section like the others, and the finalizer
    /// objects themselves with why (docs/json-schema.md).
    private func uncollectable(_ kept: LegacyFinalizers, _ report: HeapReport) -> JSONValue {
        guard case var .object(members) = section(kept.census, report, leading: [], ids: true) else { return .null }
        members.append(("finalizers", .array(kept.finalizers.map { finalizer in
            .object([("address", .string(hexAddress(finalizer.object.address))),
                     ("type", .string(options.naming.label(report.types[finalizer.object.type] ?? .unreadable(finalizer.object.type)))),
                     ("reason", .string(finalizer.reason))])
        })))
        return .object(members)
    }

    private func section(_ census: TypeCensus, _ report: HeapReport, leading: [(String, JSONValue)], ids: Bool) -> JSONValue {
        func counts(_ naming: TypeNaming) -> JSONValue {
            let map = census.counts(naming: naming, types: report.types)
            return .object(map.keys.sorted { map[$0]! != map[$1]! ? map[$0]! > map[$1]! : $0 < $1 }.map { ($0, .int(map[$0]!)) })
        }
        var members = leading
        members.append(("count", .int(census.count)))
        members.append(("types", counts(options.naming)))
        if options.naming != .qualified { members.append(("qualified_types", counts(.qualified))) }
        members.append(("by_type", .object(census.byType.keys.sorted().map { (hexAddress($0), .int(census.byType[$0]!)) })))
        if ids, let objects = census.objects {
            members.append(("ids", .array(objects.map { .string(hexAddress($0.address)) })))
        }
        return .object(members)
    }
}
