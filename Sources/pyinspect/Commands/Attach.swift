import ArgumentParser
import HeapModel
import HeapRendering

extension PyInspect {
    struct Attach: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report the gc state, every generation and gc.garbage of a running Python process.")

        @Argument(help: "The process id of a running CPython 3.8–3.13.")
        var pid: Int32

        @OptionGroup var report: ReportOptions
        @OptionGroup var read: ReadOptions

        func run() throws {
            var options = InspectionOptions()
            options.pause = !read.noPause
            options.findCollectable = !read.noCycles
            printReport(pid: pid, inspection: options, report: report)
        }
    }
}

/// Reads `pid` and prints the report; errors become one line on stderr and a documented exit code.
func printReport(pid: Int32, inspection: InspectionOptions, report: ReportOptions) {
    do {
        let heap = try LiveInspection.run(pid: pid, options: inspection)
        let options = RenderOptions(naming: report.qualified ? .qualified : .name,
                                    topTypes: report.all ? nil : report.top, listObjects: report.list)
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
