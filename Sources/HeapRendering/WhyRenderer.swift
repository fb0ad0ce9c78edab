import HeapModel

/// `pyinspect why` as text, JSON (schema `pyinspect-why/1`) and Graphviz: the retainer groups, the
/// ones that retain most first, each as one line from its root to the object asked about.
public struct WhyRenderer {
    public let options: RenderOptions

    public init(options: RenderOptions) {
        self.options = options
    }

    private func name(_ type: UInt64, _ report: HeapReport) -> String {
        options.naming.label(report.types[type] ?? .unreadable(type))
    }

    /// The types asked about, as one name (`Logger`, or `Logger, Logger` when two classes share it).
    private func asked(_ why: WhyReport, _ report: HeapReport) -> String {
        why.types.isEmpty ? why.query.text : why.types.map { name($0, report) }.joined(separator: ", ")
    }

    /// The root and the path: `module logging .Logger.manager -> Manager.loggerDict -> dict[<str>] -> Logger`.
    public func path(_ group: WhyReport.Group, report: HeapReport) -> String {
        var steps = group.steps
        for position in group.varyingIndex where position < steps.count { steps[position].label = .anyIndex }
        let show = options.showValues
        switch group.root.kind {
        case .module, .interpreter:
            // The root's own object (a module's dict, sys.modules) is the root: its label follows the name.
            guard let first = steps.first?.label else { return group.root.text }
            var head = group.root.text + (first.text(showingValues: show).hasPrefix(".") ? " " : "") + first.text(showingValues: show)
            var rest = Array(steps.dropFirst())
            // `module logging .Logger -> class Logger.manager` reads `module logging .Logger.manager`.
            var elide = false
            if case let .attribute(global) = first, let next = rest.first, let named = report.types[next.object.address],
               named.name == global, next.label != nil {
                elide = true
            }
            if rest.isEmpty { return head }
            let tail = CyclePath.text(rest, types: report.types, naming: options.naming, showingValues: show, classNames: true,
                                      elidingFirstName: elide)
            if elide {
                head += tail
                rest = []
                return head
            }
            return head + " -> " + tail
        case .thread:
            // The root names the frame and its local: `thread Worker-1: frame run (jobs.py:3) .pending -> list[*] -> Job`.
            return group.root.text + " -> " + CyclePath.text(steps, types: report.types, naming: options.naming, showingValues: show, classNames: true)
        case .permanent, .outside, .immortal:
            var root = group.root.text
            if group.root.kind == .outside || group.root.kind == .permanent { root += " (\(grouped(group.outsideReferences)) reference\(group.outsideReferences == 1 ? "" : "s"))" }
            return root + ": " + CyclePath.text(steps, types: report.types, naming: options.naming, showingValues: show, classNames: true)
        }
    }

    public func text(_ why: WhyReport, report: HeapReport) -> String {
        var out = ["pid \(report.target.pid)  python \(report.target.version)  paused \(duration(report.target.pause.seconds))"]
        let what = asked(why, report)
        if why.objects > 0 {
            out.append("\(grouped(why.objects)) live \(what) retain \(byteSize(why.retainedBytes)) (\(percent(why.retainedBytes, why.liveBytes)) of the live heap), along \(grouped(why.groups.count)) path shape\(why.groups.count == 1 ? "" : "s"):")
            let shown = why.groups.prefix(options.topTypes ?? Int.max)
            for group in shown {
                out.append("  \(grouped(group.count)) \(name(group.steps.last?.object.type ?? 0, report)) retained \(byteSize(group.retainedBytes)): \(path(group, report: report))")
            }
            if why.groups.count > shown.count { out.append("  (\(grouped(why.groups.count - shown.count)) more path shapes: --top N shows more)") }
        } else if why.garbage == 0 {
            out.append("no live \(what)")
        }
        if why.garbage > 0 {
            out.append("\(grouped(why.garbage)) \(what) \(why.garbage == 1 ? "is" : "are") garbage: no root reaches \(why.garbage == 1 ? "it" : "them"); the next full collection frees \(why.garbage == 1 ? "it" : "them")")
            if let text = cycleText(why, report) { out.append("  held in the cycle: " + text) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    public func document(_ why: WhyReport, report: HeapReport) -> JSONValue {
        func ref(_ object: ObjectRef) -> JSONValue { .string(hexAddress(object.address)) }
        let groups: [JSONValue] = why.groups.map { group in
            var steps = group.steps
            for position in group.varyingIndex where position < steps.count { steps[position].label = .anyIndex }
            return .object([
                ("count", .int(group.count)),
                ("retained_bytes", .int(group.retainedBytes)),
                ("root", .object([("kind", .string(group.root.kind.rawValue)), ("name", .string(group.root.text)),
                                  ("outside_references", .int(group.outsideReferences))])),
                ("path", .array(labels(steps).map { .string($0) })),
                ("steps", .array(steps.map { step in
                    .object([("type", .string(name(step.object.type, report))), ("address", .string(hexAddress(step.object.address))),
                             ("detail", step.detail.map { .string($0) } ?? .null),
                             ("label", step.label.map { .string($0.text(showingValues: options.showValues)) } ?? .null)])
                })),
                ("text", .string(path(group, report: report))),
                ("samples", .array(group.samples.map(ref))),
            ])
        }
        var fields: [(String, JSONValue)] = [
            ("schema", .string("pyinspect-why/1")),
            ("pid", .int(Int(report.target.pid))),
            ("python_version", .string(report.target.version)),
            ("pause_seconds", .double(report.target.pause.seconds)),
            ("phases", .object(report.phases.map { ($0.name, .double($0.seconds)) })),
            ("query", .string(why.query.text)),
            ("types", .array(why.types.map { .object([("type", .string(name($0, report))), ("type_address", .string(hexAddress($0)))]) })),
            ("objects", .int(why.objects)),
            ("retained_bytes", .int(why.retainedBytes)),
            ("live_bytes", .int(why.liveBytes)),
            ("garbage", .int(why.garbage)),
            ("groups", .array(groups)),
        ]
        if let text = cycleText(why, report) { fields.append(("garbage_cycle", .string(text))) }
        return .object(fields)
    }

    /// The cycle that holds the garbage asked about: read from the process, or as a snapshot stored it.
    private func cycleText(_ why: WhyReport, _ report: HeapReport) -> String? {
        if let cycle = why.garbageCycle, !cycle.path.isEmpty {
            return CyclePath.text(cycle, types: report.types, naming: options.naming, showingValues: options.showValues)
        }
        return options.naming == .qualified ? why.garbageCycleQualifiedPath ?? why.garbageCyclePath : why.garbageCyclePath
    }

    /// The path's labels as the text prints them: `.__dict__` and an attribute's key are one `.name`.
    private func labels(_ steps: [CycleStep]) -> [String] {
        var out: [String] = []
        var index = 0
        while index < steps.count {
            guard let label = steps[index].label else { break }
            if case .attribute("__dict__") = label, index + 1 < steps.count, case let .key(key)? = steps[index + 1].label,
               EdgeLabel.isIdentifier(key) {
                out.append("." + key)
                index += 2
                continue
            }
            out.append(label.text(showingValues: options.showValues))
            index += 1
        }
        return out
    }

    /// Each group's first path as a chain of boxes from its root, labelled with the references.
    public func dot(_ why: WhyReport, report: HeapReport) -> String {
        var out = ["digraph why {",
                   "  graph [rankdir=LR, label=\"\(dotEscaped("pid \(report.target.pid): why \(asked(why, report)) is alive"))\", labelloc=t];",
                   "  node [shape=box, style=filled, fillcolor=\"#dbe8f6\", fontname=\"Helvetica\"];",
                   "  edge [fontname=\"Helvetica\", fontsize=10];"]
        var declared = Set<String>()
        for (number, group) in why.groups.prefix(options.topTypes ?? Int.max).enumerated() {
            let root = "root\(number)"
            out.append("  \"\(root)\" [label=\"\(dotEscaped(group.root.text))\", fillcolor=\"#c9e4c5\"];")
            var previous = root
            var label = ""
            for step in group.steps {
                let id = "o" + hexAddress(step.object.address)
                if declared.insert(id).inserted {
                    var type = dotEscaped(name(step.object.type, report))
                    if let detail = step.detail { type += "\\n" + dotEscaped(detail) }
                    let color = step.object.address == group.steps.last?.object.address ? ", fillcolor=\"#f4b183\"" : ""
                    out.append("  \"\(id)\" [label=\"\(type)\\n\(hexAddress(step.object.address))\"\(color)];")
                }
                out.append("  \"\(previous)\" -> \"\(id)\" [label=\"\(dotEscaped(label))\"];")
                previous = id
                label = step.label.map { $0.text(showingValues: options.showValues) } ?? ""
            }
            out.append("  \"\(previous)\" -> \"count\(number)\" [style=dotted];")
            out.append("  \"count\(number)\" [shape=plaintext, style=\"\", label=\"\(grouped(group.count)) retained \(byteSize(group.retainedBytes))\"];")
        }
        out.append("}")
        return out.joined(separator: "\n") + "\n"
    }

    private func percent(_ part: Int, _ whole: Int) -> String {
        whole > 0 ? "\(fixed(Double(part) * 100 / Double(whole), 1))%" : "-"
    }
}
