import ArgumentParser
import HeapModel
import HeapRendering
import OutputFiles

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

        @Option(name: .long, help: ArgumentHelp("Most bytes the objects of TYPE may retain: what freeing them all would free, over the dominator tree of the live heap (e.g. Logger=50MB); repeatable.", valueName: "TYPE=SIZE"),
                transform: RetainedLimit.parse)
        var maxRetained: [RetainedLimit] = []

        @Option(name: .long, help: "Output format: text, json (schema pyinspect-check/1) or openmetrics.")
        var format: CheckFormat = .text

        @Option(name: [.short, .long], help: ArgumentHelp("Write the output to FILE instead of standard output: atomically, whatever the exit code, so a textfile collector never reads half a file nor keeps stale figures (a new file is mode 0644).", valueName: "FILE"))
        var output: String?

        @OptionGroup var pause: PauseOptions

        enum CheckFormat: String, ExpressibleByArgument { case text, json, openmetrics }

        func validate() throws {
            for (name, value) in [("--max-collectable", maxCollectable), ("--max-garbage", maxGarbage)] {
                if let value, value < 0 { throw ValidationError("\(name) \(value): the most objects allowed is a count: 0 or more") }
            }
        }

        func run() throws {
            let limits = CheckLimits(maxCollectable: maxCollectable, maxCollectableBytes: maxCollectableBytes?.bytes,
                                     maxGarbage: maxGarbage, maxTypes: maxType.map { ($0.type, $0.limit) },
                                     maxRetained: maxRetained.map { ($0.type, $0.bytes) })
            // Before any process is read: a destination that cannot take the file never pauses one.
            if let output {
                let example = switch format {
                case .text: "pyinspect-check.txt"
                case .json: "pyinspect-check.json"
                case .openmetrics: "pyinspect.prom"
                }
                do { try OutputDestination.check(output, example: example) } catch { fail(ReportedError(exit: .outputFailed, message: "-o \(error)")) }
            }
            var options = pause.inspection()
            options.recordObjects = limits.needsRetention
            options.includeUntracked = limits.needsRetention
            let outcomes = ProcessRuns.each(targets.resolve(), options: options) { process, report throws(ReportedError) -> CheckResult in
                let result = CheckResult(report: report, limits: limits, retainedByType: limits.needsRetention ? retainedByType(report) : [:])
                for figure in result.figures where !figure.matched {
                    let option = figure.name.hasPrefix("retained:") ? "--max-retained" : "--max-type"
                    writeStderr("pyinspect: pid \(process.pid): \(option) \(figure.name.split(separator: ":", maxSplits: 1).last ?? ""): \(CheckRenderer.unmatched(figure)) "
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
            let text = switch format {
            case .text: renderer.text(rows)
            case .json: renderer.json(rows, exitCode: code.rawValue)
            case .openmetrics: renderer.openMetrics(rows)
            }
            if let output {
                do { try writeOutputFile(text, to: output, shared: true) } catch { fail(error) }
            } else {
                writeStdout(text)
            }
            try ProcessRuns.finish(code)
        }
    }
}
