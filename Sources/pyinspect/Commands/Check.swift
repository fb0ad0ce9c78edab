import ArgumentParser
import HeapModel
import HeapRendering

extension PyInspect {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Exit 0 when a process's gc garbage is within limits, 1 when a limit is exceeded (for runbooks and monitoring).",
            discussion: """
            Other exit codes are errors (see `pyinspect --help`). --format openmetrics prints the figures for \
            Prometheus: write them to node_exporter's textfile collector directory from cron.
            """)

        @OptionGroup var targets: TargetSelection

        @Option(name: .long, parsing: .unconditional, help: "Most collectable objects allowed.")
        var maxCollectable: Int?

        @Option(name: .long, parsing: .unconditional, help: "Most collectable bytes allowed (e.g. 50000000, 64KiB, 20MB, 1GiB).",
                transform: ByteCount.parse)
        var maxCollectableBytes: ByteCount?

        @Option(name: .long, parsing: .unconditional, help: "Most objects allowed in gc.garbage.")
        var maxGarbage: Int?

        @Option(name: .long, help: ArgumentHelp("Most tracked objects of TYPE (its __name__ or module.qualname); repeatable.", valueName: "TYPE=N"),
                transform: TypeLimit.parse)
        var maxType: [TypeLimit] = []

        @Option(name: .long, help: "Output format: text, json (schema pyinspect-check/1) or openmetrics.")
        var format: CheckFormat = .text

        @OptionGroup var pause: PauseOptions

        enum CheckFormat: String, ExpressibleByArgument { case text, json, openmetrics }

        func validate() throws {
            for (name, value) in [("--max-collectable", maxCollectable), ("--max-garbage", maxGarbage)] {
                if let value, value < 0 { throw ValidationError("\(name) \(value): the most objects allowed is a count: 0 or more") }
            }
        }

        func run() throws {
            let limits = CheckLimits(maxCollectable: maxCollectable, maxCollectableBytes: maxCollectableBytes?.bytes,
                                     maxGarbage: maxGarbage, maxTypes: maxType.map { ($0.type, $0.limit) })
            let options = pause.inspection()
            let outcomes = ProcessRuns.each(targets.resolve(), options: options) { process, report throws(ReportedError) -> CheckResult in
                let result = CheckResult(report: report, limits: limits)
                for figure in result.figures where !figure.matched {
                    writeStderr("pyinspect: pid \(process.pid): --max-type \(figure.name.dropFirst(5)): \(CheckRenderer.unmatched(figure)) "
                                + "(a type is named by its __name__ or module.qualname), so this limit cannot be exceeded")
                }
                return result
            }
            let rows = outcomes.map { outcome -> CheckRow in
                switch outcome {
                case let .done(_, result): return .checked(result)
                case let .skipped(process, reason): return .skipped(pid: process.pid, reason: reason)
                case let .failed(process, error): return .failed(pid: process.pid, exitCode: error.exit.rawValue, message: error.message)
                }
            }
            let exceeded = rows.contains { if case let .checked(result) = $0 { return !result.ok } else { return false } }
            let code = ProcessRuns.exit(outcomes, also: exceeded ? .limitExceeded : .success)
            let renderer = CheckRenderer()
            switch format {
            case .text: writeStdout(renderer.text(rows))
            case .json: writeStdout(renderer.json(rows, exitCode: code.rawValue))
            case .openmetrics: writeStdout(renderer.openMetrics(rows))
            }
            try ProcessRuns.finish(code)
        }
    }
}
