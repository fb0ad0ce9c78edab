import HeapModel

/// One representative cycle as a Graphviz graph, objgraph-style: a box per object (type and
/// address), an arrow per reference labelled with the attribute, index or key.
public struct DOTRenderer {
    public var options: RenderOptions

    public init(options: RenderOptions) {
        self.options = options
    }

    /// The representative cycle of shape `number` (1-based, in report order), or nil if there is none.
    public func render(_ report: HeapReport, cycle number: Int) -> String? {
        guard let cycles = report.collectable?.cycles, number >= 1, number <= cycles.count else { return nil }
        let group = cycles[number - 1]
        guard !group.path.isEmpty else { return nil }
        var out = ["digraph cycle\(number) {",
                   "  graph [rankdir=LR, label=\"\(dotEscaped("pid \(report.target.pid): cycle shape #\(number), \(group.count) cycle(s) of this shape"))\", labelloc=t];",
                   "  node [shape=box, style=filled, fillcolor=\"#f6e7c1\", fontname=\"Helvetica\"];",
                   "  edge [fontname=\"Helvetica\", fontsize=10];"]
        var declared = Set<UInt64>()
        for step in group.path where declared.insert(step.object.address).inserted {
            var type = dotEscaped(options.naming.label(report.types[step.object.type] ?? .unreadable(step.object.type)))
            if let detail = step.detail { type += "\\n" + dotEscaped(detail) }
            let color = step.object.address == group.path.first?.object.address ? ", fillcolor=\"#f4b183\"" : ""
            out.append("  \"o\(hexAddress(step.object.address))\" [label=\"\(type)\\n\(hexAddress(step.object.address))\"\(color)];")
        }
        for (step, next) in zip(group.path, group.path.dropFirst()) {
            let label = step.label.map { dotEscaped($0.text(showingValues: options.showValues)) } ?? ""
            out.append("  \"o\(hexAddress(step.object.address))\" -> \"o\(hexAddress(next.object.address))\" [label=\"\(label)\"];")
        }
        out.append("}")
        return out.joined(separator: "\n") + "\n"
    }
}

/// Text inside a double-quoted DOT string.
func dotEscaped(_ text: String) -> String {
    var out = ""
    for character in text {
        if character == "\\" || character == "\"" { out.append("\\") }
        out.append(character)
    }
    return out
}
