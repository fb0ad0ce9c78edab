import HeapModel

/// `pyinspect check`: one line per process for people, JSON (`pyinspect-check/1`), or OpenMetrics
/// text for Prometheus (node_exporter's textfile collector reads it as it is).
public struct CheckRenderer {
    public static let schema = "pyinspect-check/1"
    public var naming: TypeNaming

    public init(naming: TypeNaming = .name) {
        self.naming = naming
    }

    public func text(_ results: [CheckResult]) -> String {
        results.map { result in
            let figures = result.figures.map { figure in
                "\(figure.name) \(grouped(figure.value))" + (figure.limit.map { figure.exceeded ? " > \(grouped($0)) EXCEEDED" : " <= \(grouped($0))" } ?? "")
            }
            return "pid \(result.report.target.pid): \(result.ok ? "ok" : "LIMIT EXCEEDED"): \(figures.joined(separator: ", "))\n"
        }.joined()
    }

    public func json(_ results: [CheckResult]) -> String {
        let document: JSONValue = .object([
            ("schema", .string(Self.schema)),
            ("ok", .bool(results.allSatisfy(\.ok))),
            ("processes", .array(results.map { result in
                .object([
                    ("pid", .int(Int(result.report.target.pid))),
                    ("ok", .bool(result.ok)),
                    ("pause_seconds", .double(result.report.target.pause.seconds)),
                    ("figures", .array(result.figures.map { figure in
                        .object([("name", .string(figure.name)), ("value", .int(figure.value)),
                                 ("limit", figure.limit.map { .int($0) } ?? .null), ("exceeded", .bool(figure.exceeded))])
                    })),
                ])
            })),
        ])
        return document.serialized() + "\n"
    }

    /// OpenMetrics text: one family per figure, a sample per process, `# EOF` at the end.
    public func openMetrics(_ results: [CheckResult]) -> String {
        var out = ""
        func family(_ name: String, _ help: String, _ samples: [(labels: [(String, String)], value: String)]) {
            guard !samples.isEmpty else { return }
            out += "# TYPE \(name) gauge\n# HELP \(name) \(help)\n"
            for sample in samples {
                let labels = sample.labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",")
                out += "\(name){\(labels)} \(sample.value)\n"
            }
        }
        let pid = { (r: CheckResult) in ("pid", String(r.report.target.pid)) }
        family("pyinspect_tracked_objects", "Objects tracked by the garbage collector, by generation.",
               results.flatMap { r in r.report.generations.enumerated().map { ([pid(r), ("generation", String($0.offset))], String($0.element.count)) } })
        family("pyinspect_collectable_objects", "Objects the next full collection would free.",
               results.map { r in ([pid(r)], String(r.report.collectable?.census.count ?? 0)) })
        family("pyinspect_collectable_bytes", "Bytes the next full collection would free (sys.getsizeof, with untracked objects only the garbage holds).",
               results.map { r in ([pid(r)], String(r.report.collectable?.heldBytes ?? 0)) })
        family("pyinspect_garbage_objects", "Objects in gc.garbage.", results.map { r in ([pid(r)], String(r.report.garbage.count)) })
        family("pyinspect_type_objects", "Tracked objects of a type named in a --max-type limit.",
               results.flatMap { r in r.figures.filter { $0.name.hasPrefix("type:") }.map { ([pid(r), ("type", String($0.name.dropFirst(5)))], String($0.value)) } })
        family("pyinspect_limit", "The limit set for a figure.",
               results.flatMap { r in r.figures.compactMap { f in f.limit.map { ([pid(r), ("figure", f.name)], String($0)) } } })
        family("pyinspect_limit_exceeded", "1 when the figure is over its limit.",
               results.flatMap { r in r.figures.filter { $0.limit != nil }.map { ([pid(r), ("figure", $0.name)], $0.exceeded ? "1" : "0") } })
        family("pyinspect_pause_seconds", "How long pyinspect stopped the process to read it.",
               results.map { r in ([pid(r)], fixed(r.report.target.pause.seconds, 6)) })
        out += "# EOF\n"
        return out
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
