import HeapModel

/// `pyinspect diff`: text for people, JSON (schema `pyinspect-diff/1`) for scripts.
public struct DiffRenderer {
    public static let schema = "pyinspect-diff/1"
    public var options: RenderOptions

    public init(options: RenderOptions) {
        self.options = options
    }

    /// `paths`: the second snapshot as a report, to print the new objects' retainer paths with.
    public func text(_ diff: HeapDiff, before: String, after: String, paths: HeapReport? = nil) -> String {
        var out = "diff \(before) -> \(after)\n"
        if diff.trackedOnly {
            out += "  note: only one snapshot records untracked objects (str, bytes, untracked dicts): both are compared on their tracked objects\n"
        }
        if !diff.sameProcess {
            out += "  note: the snapshots come from different processes: growth by type is meaningful, object identities are not\n"
            out += "        (new, gone and new collectable objects are left out)\n"
        }
        let b = diff.before, a = diff.after
        out += "  objects      \(grouped(b.objects)) -> \(grouped(a.objects)) (\(signed(a.objects - b.objects)))"
        out += "   bytes \(byteSize(b.bytes)) -> \(byteSize(a.bytes)) (\(signedBytes(a.bytes - b.bytes)))\n"
        out += "  collectable  \(grouped(b.collectable)) -> \(grouped(a.collectable)) (\(signed(a.collectable - b.collectable)))"
        out += "   bytes \(byteSize(b.collectableBytes)) -> \(byteSize(a.collectableBytes)) (\(signedBytes(a.collectableBytes - b.collectableBytes)))\n"
        if let held = b.collectableHeldBytes, let now = a.collectableHeldBytes {
            out += "  held by the collectable objects, with what only they reference: \(byteSize(held)) -> \(byteSize(now)) (\(signedBytes(now - held)))\n"
        }
        out += "\n"
        let shown = options.topTypes.map { Array(diff.growth.prefix($0)) } ?? diff.growth
        out += "growth by type: \(diff.growth.count) type\(diff.growth.count == 1 ? "" : "s") changed\n"
        if !shown.isEmpty {
            let width = max(4, shown.map(\.type.count).max() ?? 4)
            out += "  \(padRight("type", width))  \(padLeft("count", 10))  \(padLeft("delta", 9))  \(padLeft("bytes delta", 12))\n"
            for change in shown {
                out += "  \(padRight(change.type, width))  \(padLeft(grouped(change.count), 10))  \(padLeft(signed(change.delta), 9))"
                out += "  \(padLeft(signedBytes(change.bytesDelta), 12))\n"
            }
            if shown.count < diff.growth.count { out += "  … \(diff.growth.count - shown.count) more (--all shows every type)\n" }
        }
        guard diff.sameProcess else { return out }
        out += "\n" + section("new objects still alive", diff.newObjects)
        if let paths, !diff.newRetainers.isEmpty {
            let shown = options.topTypes.map { Array(diff.newRetainers.prefix($0)) } ?? diff.newRetainers
            out += "\nwhat holds the new objects (why):\n"
            let why = WhyRenderer(options: options)
            for group in shown {
                out += "  \(padLeft(signed(group.count), 10)) \(options.naming.label(paths.types[group.samples[0].type] ?? .unreadable(group.samples[0].type)))"
                out += " retained \(byteSize(group.retainedBytes)): \(why.path(group, report: paths))\n"
            }
            if shown.count < diff.newRetainers.count { out += "  … \(diff.newRetainers.count - shown.count) more path shapes\n" }
        }
        if !diff.grown.isEmpty {
            let shown = options.topTypes.map { Array(diff.grown.prefix($0)) } ?? diff.grown
            out += "\ngrown in place (the same object, larger):\n"
            for object in shown {
                out += "  \(padLeft(signedBytes(object.after - object.before), 12))  \(object.type) \(hexAddress(object.address))"
                out += " \(byteSize(object.before)) -> \(byteSize(object.after))\n"
            }
        }
        out += "\n" + section("new collectable garbage", diff.newCollectable)
        out += "\n" + section("gone since the first snapshot", diff.gone)
        return out
    }

    private func section(_ title: String, _ set: HeapDiff.ObjectSet) -> String {
        var out = "\(title): \(grouped(set.count)) object\(set.count == 1 ? "" : "s") (\(byteSize(set.bytes)))\n"
        let ranked = set.byType.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let shown = options.topTypes.map { Array(ranked.prefix($0)) } ?? ranked
        for (type, count) in shown { out += "  \(padLeft(grouped(count), 10))  \(type)\n" }
        if shown.count < ranked.count { out += "  … \(ranked.count - shown.count) more types\n" }
        return out
    }

    public func json(_ diff: HeapDiff, before: String, after: String, paths: HeapReport? = nil) -> String {
        func totals(_ t: HeapDiff.Totals) -> JSONValue {
            .object([("objects", .int(t.objects)), ("bytes", .int(t.bytes)), ("collectable", .int(t.collectable)),
                     ("collectable_bytes", .int(t.collectableBytes)), ("collectable_held_bytes", t.collectableHeldBytes.map { .int($0) } ?? .null)])
        }
        func set(_ s: HeapDiff.ObjectSet) -> JSONValue {
            .object([("count", .int(s.count)), ("bytes", .int(s.bytes)),
                     ("by_type", .object(s.byType.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                        .map { ($0.key, .int($0.value)) }))])
        }
        let document: JSONValue = .object([
            ("schema", .string(Self.schema)),
            ("before", .string(before)), ("after", .string(after)),
            ("same_process", .bool(diff.sameProcess)),
            ("totals_before", totals(diff.before)), ("totals_after", totals(diff.after)),
            ("growth", .array(diff.growth.map {
                .object([("type", .string($0.type)), ("count", .int($0.count)), ("delta", .int($0.delta)),
                         ("bytes", .int($0.bytes)), ("bytes_delta", .int($0.bytesDelta))])
            })),
            ("new_objects", set(diff.newObjects)),
            ("new_collectable", set(diff.newCollectable)),
            ("gone", set(diff.gone)),
            ("tracked_only", .bool(diff.trackedOnly)),
            ("grown", .array(diff.grown.map {
                .object([("address", .string(hexAddress($0.address))), ("type", .string($0.type)), ("bytes_before", .int($0.before)),
                         ("bytes_after", .int($0.after))])
            })),
            ("new_retainers", .array(paths.map { report in
                let why = WhyRenderer(options: options)
                return diff.newRetainers.map { group in
                    .object([("count", .int(group.count)), ("retained_bytes", .int(group.retainedBytes)),
                             ("type", .string(options.naming.label(report.types[group.samples[0].type] ?? .unreadable(group.samples[0].type)))),
                             ("root", .string(group.root.text)), ("text", .string(why.path(group, report: report)))])
                }
            } ?? [])),
        ])
        return document.serialized() + "\n"
    }
}

public func signed(_ value: Int) -> String { value > 0 ? "+" + grouped(value) : grouped(value) }

func signedBytes(_ value: Int) -> String { value < 0 ? "-" + byteSize(-value) : "+" + byteSize(value) }
