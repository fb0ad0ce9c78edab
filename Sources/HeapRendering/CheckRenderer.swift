import HeapModel

/// One process of a `check` run: measured, or not read (with the exit code and line it got), or
/// skipped (a `--children` descendant that is not Python or exited first).
public enum CheckRow: Sendable {
    case checked(CheckResult)
    case failed(pid: Int32, exitCode: Int32, message: String)
    case skipped(pid: Int32, reason: String)

    public var pid: Int32 {
        switch self {
        case let .checked(result): return result.report.target.pid
        case let .failed(pid, _, _), let .skipped(pid, _): return pid
        }
    }

    /// A process that was read and is within every limit, or skipped.
    public var ok: Bool {
        switch self {
        case let .checked(result): return result.ok
        case .failed: return false
        case .skipped: return true
        }
    }

    var status: String {
        switch self {
        case let .checked(result): return result.ok ? "ok" : "exceeded"
        case .failed: return "error"
        case .skipped: return "skipped"
        }
    }
}

/// `pyinspect check`: one line per process for people, JSON (`pyinspect-check/1`), or OpenMetrics
/// text for Prometheus (node_exporter's textfile collector reads it as it is). Every process asked
/// for appears in every format, read or not.
public struct CheckRenderer {
    public static let schema = "pyinspect-check/1"
    public var naming: TypeNaming

    public init(naming: TypeNaming = .name) {
        self.naming = naming
    }

    public func text(_ rows: [CheckRow]) -> String {
        rows.map { row in
            switch row {
            case let .checked(result):
                let figures = result.figures.map { figure in
                    "\(figure.name) \(grouped(figure.value))" + (figure.limit.map { figure.exceeded ? " > \(grouped($0)) EXCEEDED" : " <= \(grouped($0))" } ?? "")
                        + (figure.matched ? "" : " (\(Self.unmatched(figure)))")
                }
                return "pid \(result.report.target.pid): \(result.ok ? "ok" : "LIMIT EXCEEDED"): \(figures.joined(separator: ", "))\n"
            case let .failed(pid, code, message):
                return "pid \(pid): NOT READ (exit \(code)): \(message)\n"
            case let .skipped(pid, reason):
                return "pid \(pid): skipped: \(reason)\n"
            }
        }.joined()
    }

    /// "no tracked object has this type; similar: Session, session".
    public static func unmatched(_ figure: CheckResult.Figure) -> String {
        "no tracked object has this type" + (figure.similar.isEmpty ? "" : "; similar: \(figure.similar.joined(separator: ", "))")
    }

    /// `exitCode`: the run's, as the command exits with it.
    public func json(_ rows: [CheckRow], exitCode: Int32) -> String {
        let document: JSONValue = .object([
            ("schema", .string(Self.schema)),
            ("ok", .bool(exitCode == 0)),
            ("exit_code", .int(Int(exitCode))),
            ("processes", .array(rows.map(entry))),
        ])
        return document.serialized() + "\n"
    }

    private func entry(_ row: CheckRow) -> JSONValue {
        var members: [(String, JSONValue)] = [("pid", .int(Int(row.pid))), ("status", .string(row.status)), ("ok", .bool(row.ok))]
        switch row {
        case let .checked(result):
            members.append(("pause_seconds", .double(result.report.target.pause.seconds)))
            members.append(("figures", .array(result.figures.map { figure in
                var fields: [(String, JSONValue)] = [("name", .string(figure.name)), ("value", .int(figure.value)),
                                                     ("limit", figure.limit.map { .int($0) } ?? .null), ("exceeded", .bool(figure.exceeded))]
                if figure.name.hasPrefix("type:") || figure.name.hasPrefix("retained:") {
                    fields.append(("matched", .bool(figure.matched)))
                    if !figure.similar.isEmpty { fields.append(("similar", .array(figure.similar.map { .string($0) }))) }
                }
                return .object(fields)
            })))
        case let .failed(_, code, message):
            members.append(("exit_code", .int(Int(code))))
            members.append(("error", .string(message)))
        case let .skipped(_, reason):
            members.append(("reason", .string(reason)))
        }
        return .object(members)
    }

    /// OpenMetrics text: one family per figure, a sample per process, `# EOF` at the end. A process
    /// that could not be read has `pyinspect_up 0` (and no other samples), so an alert sees it.
    public func openMetrics(_ rows: [CheckRow]) -> String {
        var out = ""
        func family(_ name: String, _ help: String, _ samples: [(labels: [(String, String)], value: String)]) {
            guard !samples.isEmpty else { return }
            out += "# TYPE \(name) gauge\n# HELP \(name) \(help)\n"
            for sample in samples {
                let labels = sample.labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",")
                out += "\(name){\(labels)} \(sample.value)\n"
            }
        }
        let results = rows.compactMap { row -> CheckResult? in
            if case let .checked(result) = row { return result }
            return nil
        }
        let pid = { (r: CheckResult) in ("pid", String(r.report.target.pid)) }
        family("pyinspect_up", "1 when pyinspect read the process, 0 when it could not (the error is on stderr and in --format json).",
               rows.compactMap { row in
                   switch row {
                   case .checked: return ([("pid", String(row.pid))], "1")
                   case .failed: return ([("pid", String(row.pid))], "0")
                   case .skipped: return nil
                   }
               })
        family("pyinspect_tracked_objects", "Objects tracked by the garbage collector, by generation.",
               results.flatMap { r in r.report.generations.enumerated().map { ([pid(r), ("generation", String($0.offset))], String($0.element.count)) } })
        family("pyinspect_collectable_objects", "Objects the next full collection would free.",
               results.map { r in ([pid(r)], String(r.report.collectable?.census.count ?? 0)) })
        family("pyinspect_collectable_bytes", "Bytes the next full collection would free (sys.getsizeof, with untracked objects only the garbage holds).",
               results.map { r in ([pid(r)], String(r.report.collectable?.heldBytes ?? 0)) })
        family("pyinspect_garbage_objects", "Objects in gc.garbage.", results.map { r in ([pid(r)], String(r.report.garbage.count)) })
        family("pyinspect_type_objects", "Tracked objects of a type named in a --max-type limit.",
               results.flatMap { r in r.figures.filter { $0.name.hasPrefix("type:") }.map { ([pid(r), ("type", String($0.name.dropFirst(5)))], String($0.value)) } })
        family("pyinspect_type_retained_bytes", "Bytes the objects of a type named in a --max-retained limit retain (what freeing them all would free).",
               results.flatMap { r in r.figures.filter { $0.name.hasPrefix("retained:") }.map { ([pid(r), ("type", String($0.name.dropFirst(9)))], String($0.value)) } })
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
