import HeapModel

/// `pyinspect top` as text and JSON (schema `pyinspect-top/1`).
public struct TopRenderer {
    public let options: RenderOptions

    public init(options: RenderOptions) {
        self.options = options
    }

    private func name(_ type: UInt64, _ report: HeapReport) -> String {
        options.naming.label(report.types[type] ?? .unreadable(type))
    }

    private var paths: WhyRenderer { WhyRenderer(options: options) }

    public func text(_ summary: RetentionSummary, report: HeapReport) -> String {
        var out: [String] = []
        out.append("pid \(report.target.pid)  python \(report.target.version)  paused \(duration(report.target.pause.seconds))")
        out.append("live heap: \(grouped(summary.liveObjects)) objects (\(grouped(summary.untrackedObjects)) untracked), \(byteSize(summary.liveBytes)), held through \(grouped(summary.roots)) roots")
        if let anonymous = summary.residentAnonymousBytes, anonymous > 0 {
            out.append("the target's memory: \(byteSize(summary.residentBytes ?? anonymous)) resident, \(byteSize(anonymous)) of it anonymous; "
                       + "the live heap is \(percent(summary.liveBytes, anonymous)) of that (the rest: garbage, allocator free space, C data)")
        }
        if let memory = summary.memory { out += MemoryRendering.lines(memory) }
        let share = Int((summary.suspectShare * 100).rounded())
        if summary.suspects.isEmpty && summary.suspectTypes.isEmpty {
            out.append("leak suspects (more than \(share)% of the live heap): none")
        } else {
            out.append("leak suspects (more than \(share)% of the live heap):")
            for row in summary.suspectTypes {
                out.append("  \(grouped(row.objects)) \(name(row.type, report)) retain \(byteSize(row.retained)) (\(percent(row.retained, summary.liveBytes)))")
                if let group = summary.typePaths[row.type] {
                    out.append("    the largest held: \(paths.path(group, report: report))")
                }
            }
            for object in summary.suspects {
                out.append("  \(name(object.type, report)) \(hexAddress(object.address)) retains \(byteSize(object.retained)) (\(percent(object.retained, summary.liveBytes)))")
                if let group = summary.paths[object.address] { out.append("    held: \(paths.path(group, report: report))") }
            }
        }
        out.append("")
        out.append("objects retaining most:")
        out.append("  " + padLeft("retained", 11) + " " + padLeft("own", 10) + "  " + padRight("type", 28) + " address")
        for object in summary.top {
            out.append("  " + padLeft(byteSize(object.retained), 11) + " " + padLeft(byteSize(object.own), 10) + "  "
                       + padRight(name(object.type, report), 28) + " " + hexAddress(object.address))
        }
        if !summary.rootRows.isEmpty {
            out.append("")
            out.append("roots retaining most (what a module's global, a frame's local or C code holds):")
            for group in summary.rootRows {
                out.append("  " + padLeft(byteSize(group.retainedBytes), 11) + "  " + paths.path(group, report: report))
            }
        }
        out.append("")
        out.append("types retaining most (what freeing every object of the type would free):")
        out.append("  " + padLeft("retained", 11) + " " + padLeft("objects", 10) + "  type")
        for row in summary.types {
            out.append("  " + padLeft(byteSize(row.retained), 11) + " " + padLeft(grouped(row.objects), 10) + "  " + name(row.type, report))
        }
        return out.joined(separator: "\n") + "\n"
    }

    public func document(_ summary: RetentionSummary, report: HeapReport) -> JSONValue {
        func object(_ o: RetentionSummary.Object) -> JSONValue {
            var fields: [(String, JSONValue)] = [("address", .string(hexAddress(o.address))), ("type", .string(name(o.type, report))),
                                                 ("own_bytes", .int(o.own)), ("retained_bytes", .int(o.retained))]
            if let group = summary.paths[o.address] { fields.append(("path", .string(paths.path(group, report: report)))) }
            return .object(fields)
        }
        func type(_ row: RetentionSummary.TypeRow) -> JSONValue {
            var fields: [(String, JSONValue)] = [("type", .string(name(row.type, report))), ("type_address", .string(hexAddress(row.type))),
                                                 ("objects", .int(row.objects)), ("retained_bytes", .int(row.retained))]
            if let group = summary.typePaths[row.type] {
                fields.append(("largest_path", .string(paths.path(group, report: report))))
            }
            return .object(fields)
        }
        return .object([
            ("schema", .string("pyinspect-top/1")),
            ("pid", .int(Int(report.target.pid))),
            ("python_version", .string(report.target.version)),
            ("pause_seconds", .double(report.target.pause.seconds)),
            ("phases", .object(report.phases.map { ($0.name, .double($0.seconds)) })),
            ("live_objects", .int(summary.liveObjects)),
            ("live_untracked_objects", .int(summary.untrackedObjects)),
            ("target_resident_bytes", summary.residentBytes.map { .int($0) } ?? .null),
            ("target_resident_anonymous_bytes", summary.residentAnonymousBytes.map { .int($0) } ?? .null),
            ("live_bytes", .int(summary.liveBytes)),
            ("memory", summary.memory.map(MemoryRendering.document) ?? .null),
            ("roots", .int(summary.roots)),
            ("suspect_share", .double(summary.suspectShare)),
            ("suspects", .array(summary.suspects.map(object))),
            ("suspect_types", .array(summary.suspectTypes.map(type))),
            ("objects", .array(summary.top.map(object))),
            ("types", .array(summary.types.map(type))),
            ("root_objects", .array(summary.rootRows.map { group in
                .object([("path", .string(paths.path(group, report: report))), ("address", .string(hexAddress(group.samples[0].address))),
                         ("type", .string(name(group.samples[0].type, report))), ("retained_bytes", .int(group.retainedBytes))])
            })),
        ])
    }

    private func percent(_ part: Int, _ whole: Int) -> String {
        whole > 0 ? "\(fixed(Double(part) * 100 / Double(whole), 1))%" : "-"
    }
}
