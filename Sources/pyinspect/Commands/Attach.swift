import ArgumentParser
import HeapModel
import HeapRendering
import PyHeapReader

extension PyInspect {
    struct Attach: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report the gc state, every generation and gc.garbage of a running Python process.")

        @OptionGroup var targets: TargetSelection
        @OptionGroup var report: ReportOptions
        @OptionGroup var read: ReadOptions

        @Flag(name: .long, help: "Also run every object's own tp_traverse in the emulator and compare its references with pyinspect's native plan; disagreements are listed by type (exit 25).")
        var verifyTraversal = false

        func validate() throws {
            if verifyTraversal && read.noEmulation {
                throw ValidationError("--verify-traversal runs tp_traverse in the emulator, which --no-emulation turns off: give one or the other")
            }
            if verifyTraversal && read.noCycles {
                throw ValidationError("--verify-traversal checks the references the collectable analysis reads, which --no-cycles skips")
            }
            if (report.format == .dot || report.format == .svg) && targets.isMultiple {
                throw ValidationError("--format \(report.format.rawValue) draws one process's cycle: give one PID")
            }
            try report.validate(findingCollectable: !read.noCycles)
        }

        func run() throws {
            var options = read.pause.inspection()
            options.findCollectable = !read.noCycles
            options.traversal.emulate = !read.noEmulation
            options.traversal.verify = verifyTraversal
            try ProcessRuns.finish(printReports(targets.resolve(), several: targets.isMultiple, inspection: options, report: report))
        }
    }
}

/// Reads each process and prints its report: text one after another, JSON one document (an array
/// with an entry per process when several were asked for), DOT/SVG one cycle. Returns the exit code.
func printReports(_ selected: [SelectedProcess], several: Bool, inspection: InspectionOptions,
                  report: ReportOptions) -> PyInspectExit {
    let options = report.rendering
    var printed = 0
    var disagreed = false
    let outcomes = ProcessRuns.each(selected, options: inspection) { process, heap throws(ReportedError) -> JSONValue? in
        if let check = heap.collectable?.verification, !check.disagreements.isEmpty { disagreed = true }
        if let number = report.cycle, report.format == .text || report.format == .json {
            try requireCycle(number, in: heap)
        }
        defer { printed += 1 }
        switch report.format {
        case .text:
            writeStdout((printed > 0 ? "\n" : "") + TextRenderer(options: options).render(heap))
        case .json:
            let document = JSONRenderer(options: options).document(heap)
            if several { return document }
            writeStdout(document.serialized() + "\n")
        case .dot, .svg:
            let number = report.cycle ?? 1
            try requireCycle(number, in: heap)
            guard let dot = DOTRenderer(options: options).render(heap, cycle: number) else {
                throw ReportedError(exit: .noSuchCycle, message: "pid \(process.pid): cycle shape #\(number) has no path to draw")
            }
            if report.format == .dot { writeStdout(dot) } else { try renderSVG(dot) }
        }
        return nil
    }
    if several && report.format == .json {
        let documents = outcomes.compactMap { outcome -> JSONValue? in
            if case let .done(_, document?) = outcome { return document }
            return ProcessRuns.entry(outcome)
        }
        writeStdout(JSONValue.array(documents).serialized() + "\n")
    }
    return PyInspectExit.mostSerious([ProcessRuns.exit(outcomes), disagreed ? .traversalDisagreement : .success])
}

/// `--cycle N` names a shape this report has.
func requireCycle(_ number: Int, in heap: HeapReport) throws(ReportedError) {
    let shapes = heap.collectable?.cycles.count ?? 0
    guard number > shapes else { return }
    throw ReportedError(exit: .noSuchCycle,
                        message: "pid \(heap.target.pid): no cycle shape #\(number) (the collectable set has \(shapes) shape\(shapes == 1 ? "" : "s"))")
}
