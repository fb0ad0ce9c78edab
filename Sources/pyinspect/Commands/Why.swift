import ArgumentParser
import HeapModel
import HeapRendering

extension PyInspect {
    struct Why: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what keeps objects alive in a running Python process: the paths from its roots to them, grouped by shape.",
            discussion: """
            OBJECTS is a type (its __name__, e.g. Logger, or module.qualname, e.g. logging.Logger) or one \
            object's address (0x7f..., its id()). Each path starts at a root named the way the program \
            holds it: a module's global (module app.cache .CACHE), sys or builtins, sys.modules, or what is \
            held from outside the gc graph (C code, extension state, a running frame's locals, untracked \
            containers: the references the graph leaves unexplained, with their count). Paths of the same \
            shape are counted together, the ones that retain most first; a group retains what freeing all its \
            objects would free. Objects no root reaches are garbage: why says so and shows their cycle. \
            Given a snapshot file instead of a PID, why answers from the file exactly as it did from the process.
            """)

        @Argument(help: "The process id of a running CPython interpreter, or a snapshot file (pyinspect snapshot).")
        var source: String

        @Argument(help: "A type name (Logger, logging.Logger) or an object's address (0x...).")
        var objects: String

        @OptionGroup var pause: PauseOptions

        @Option(name: .long, help: "How many path shapes to show (text and dot).")
        var top = 20

        @Option(name: .long, help: "text, json (schema pyinspect-why/1), dot or svg (Graphviz).")
        var format: WhyFormat = .text

        @Flag(name: .long, help: "Name types module.qualname.")
        var qualified = false

        @Flag(name: .long, help: "Show dict keys on the paths (values from the target; hidden by default).")
        var values = false

        enum WhyFormat: String, ExpressibleByArgument { case text, json, dot, svg }

        var query: WhyQuery {
            if objects.lowercased().hasPrefix("0x"), let address = UInt64(objects.dropFirst(2), radix: 16) { return .address(address) }
            return .type(objects)
        }

        func validate() throws {
            guard top > 0 else { throw ValidationError("--top must be at least 1") }
            if case let .process(pid) = HeapSource(source), pid <= 0 { throw ValidationError("\(pid) is not a PID: a PID is a positive number") }
            if objects.lowercased().hasPrefix("0x"), UInt64(objects.dropFirst(2), radix: 16) == nil {
                throw ValidationError("\(objects) is not an address: give 0x and hexadecimal digits, or a type name")
            }
            guard !objects.isEmpty, !objects.contains(where: { $0.isWhitespace }) else {
                throw ValidationError("give a type name (Logger, logging.Logger) or an address (0x...)")
            }
        }

        func run() throws {
            let rendering = RenderOptions(naming: qualified || format == .json ? .qualified : .name, topTypes: top, showValues: values)
            guard case let .process(pid) = HeapSource(source) else {
                let index: SnapshotHeapIndex
                do { index = try SnapshotHeapIndex(path: source) } catch { fail(error) }
                let why = index.why(query)
                if let problem = why.problem { fail(ReportedError(exit: .noSuchObject, message: "\(source): \(problem)")) }
                do { try render(why, report: index.report, rendering) } catch { fail(error) }
                return
            }
            var options = pause.inspection()
            options.why = query
            options.includeUntracked = true
            let targets = try TargetSelection.parse([String(pid)])
            let outcomes = ProcessRuns.each(targets.resolve(), options: options) { process, report throws(ReportedError) in
                guard let why = report.why else {
                    throw ReportedError(exit: .internalError, message: "pid \(process.pid): the analysis found no retainer paths")
                }
                if let problem = why.problem {
                    throw ReportedError(exit: .noSuchObject, message: "pid \(process.pid): \(problem)")
                }
                try render(why, report: report, rendering)
            }
            try ProcessRuns.finish(ProcessRuns.exit(outcomes))
        }

        private func render(_ why: WhyReport, report: HeapReport, _ rendering: RenderOptions) throws(ReportedError) {
            let renderer = WhyRenderer(options: rendering)
            switch format {
            case .text: writeStdout(renderer.text(why, report: report))
            case .json: writeStdout(renderer.document(why, report: report).serialized() + "\n")
            case .dot: writeStdout(renderer.dot(why, report: report))
            case .svg: try renderSVG(renderer.dot(why, report: report))
            }
        }
    }
}
