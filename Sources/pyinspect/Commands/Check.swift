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

        @Option(name: .long, help: "Most collectable objects allowed.")
        var maxCollectable: Int?

        @Option(name: .long, help: "Most collectable bytes allowed (e.g. 50000000, 64KiB, 20MB, 1GiB).")
        var maxCollectableBytes: ByteCount?

        @Option(name: .long, help: "Most objects allowed in gc.garbage.")
        var maxGarbage: Int?

        @Option(name: .long, help: "TYPE=N: most tracked objects of TYPE (its __name__ or module.qualname); repeatable.")
        var maxType: [TypeLimit] = []

        @Option(name: .long, help: "Output format: text, json (schema pyinspect-check/1) or openmetrics.")
        var format: CheckFormat = .text

        @OptionGroup var pause: PauseOptions

        enum CheckFormat: String, ExpressibleByArgument { case text, json, openmetrics }

        func run() throws {
            let limits = CheckLimits(maxCollectable: maxCollectable, maxCollectableBytes: maxCollectableBytes?.bytes,
                                     maxGarbage: maxGarbage, maxTypes: maxType.map { ($0.type, $0.limit) })
            let options = pause.inspection()
            var results: [CheckResult] = []
            var error: ReportedError?
            for pid in targets.resolved {
                do {
                    results.append(CheckResult(report: try LiveInspection.run(pid: pid, options: options), limits: limits))
                } catch let failure {
                    let reported = LiveInspection.describe(failure, pid: pid)
                    writeStderr("pyinspect: \(reported.message)")
                    error = error ?? reported
                }
            }
            let renderer = CheckRenderer()
            switch format {
            case .text: writeStdout(renderer.text(results))
            case .json: writeStdout(renderer.json(results))
            case .openmetrics: writeStdout(renderer.openMetrics(results))
            }
            // An error outranks a limit: the check could not be done.
            if let error { throw ExitCode(error.exit.rawValue) }
            if !results.allSatisfy(\.ok) { throw ExitCode(PyInspectExit.limitExceeded.rawValue) }
        }
    }
}

/// `TYPE=N` for --max-type.
struct TypeLimit: ExpressibleByArgument {
    var type: String
    var limit: Int

    init?(argument: String) {
        guard let equals = argument.lastIndex(of: "="), let limit = Int(argument[argument.index(after: equals)...]), limit >= 0,
              equals != argument.startIndex else { return nil }
        type = String(argument[..<equals])
        self.limit = limit
    }
}

/// A byte count with an optional unit: 1000, 64KiB, 20MB, 1.5GiB.
struct ByteCount: ExpressibleByArgument {
    var bytes: Int

    init?(argument: String) {
        let units: [(String, Double)] = [("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("KB", 1e3), ("MB", 1e6),
                                         ("GB", 1e9), ("K", 1024), ("M", 1_048_576), ("G", 1_073_741_824), ("B", 1)]
        var number = Substring(argument)
        var scale = 1.0
        for (suffix, factor) in units where argument.hasSuffix(suffix) {
            number = argument.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Double(number), value >= 0, value * scale < 9e18 else { return nil }
        bytes = Int(value * scale)
    }
}
