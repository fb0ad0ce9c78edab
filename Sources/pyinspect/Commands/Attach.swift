import ArgumentParser
import HeapModel
import HeapRendering

extension PyInspect {
    struct Attach: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report the gc state, every generation and gc.garbage of a running Python process.")

        @OptionGroup var targets: TargetSelection
        @OptionGroup var report: ReportOptions
        @OptionGroup var read: ReadOptions

        func validate() throws {
            if (report.format == .dot || report.format == .svg) && (targets.pids.count > 1 || targets.children) {
                throw ValidationError("--format \(report.format.rawValue) draws one process's cycle: give one PID")
            }
        }

        func run() throws {
            var options = read.pause.inspection()
            options.findCollectable = !read.noCycles
            let pids = targets.resolved
            guard pids.count > 1 else {
                printReport(pid: pids[0], inspection: options, report: report)
                return
            }
            // Several processes: each report in turn (JSON: one array); an error is reported and the
            // rest are still read; the exit code is the first error's.
            var failure: ReportedError?
            var documents: [JSONValue] = []
            let rendering = report.rendering
            for (position, pid) in pids.enumerated() {
                do {
                    let heap = try LiveInspection.run(pid: pid, options: options)
                    if report.format == .json {
                        documents.append(JSONRenderer(options: rendering).document(heap))
                    } else {
                        writeStdout((position > 0 ? "\n" : "") + TextRenderer(options: rendering).render(heap))
                    }
                } catch {
                    let reported = LiveInspection.describe(error, pid: pid)
                    writeStderr("pyinspect: \(reported.message)")
                    failure = failure ?? reported
                }
            }
            if report.format == .json { writeStdout(JSONValue.array(documents).serialized() + "\n") }
            if let failure { throw ExitCode(failure.exit.rawValue) }
        }
    }
}

/// Reads `pid` and prints the report; errors become one line on stderr and a documented exit code.
func printReport(pid: Int32, inspection: InspectionOptions, report: ReportOptions) {
    do {
        let heap = try LiveInspection.run(pid: pid, options: inspection)
        let options = report.rendering
        switch report.format {
        case .text: writeStdout(TextRenderer(options: options).render(heap))
        case .json: writeStdout(JSONRenderer(options: options).render(heap))
        case .dot, .svg:
            guard heap.collectable != nil else {
                fail(ReportedError(exit: .usage, message: "--format \(report.format.rawValue) draws a cycle; it cannot be combined with --no-cycles"))
            }
            guard let dot = DOTRenderer(options: options).render(heap, cycle: report.cycle) else {
                let shapes = heap.collectable?.cycles.count ?? 0
                fail(ReportedError(exit: .noSuchCycle,
                                   message: "pid \(pid): no cycle shape #\(report.cycle) (the collectable set has \(shapes) shape\(shapes == 1 ? "" : "s"))"))
            }
            if report.format == .dot { writeStdout(dot) } else { try renderSVG(dot) }
        }
    } catch {
        fail(error)
    }
}
