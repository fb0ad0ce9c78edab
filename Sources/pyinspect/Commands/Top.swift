import ArgumentParser
import HeapGraph
import HeapModel
import HeapRendering
import LinuxTarget

extension PyInspect {
    struct Top: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what keeps the most memory alive in a running Python process: retained sizes over the dominator tree of its live heap.",
            discussion: """
            An object retains what would be freed if it were gone: itself and everything only reachable \
            through it (its dominated objects), from the roots, the objects held from outside the gc graph. \
            A type retains what freeing all its objects would free. Leak suspects retain more than \
            --suspect-share of the live heap. Sizes are sys.getsizeof, of tracked objects and of the untracked \
            ones they reach (str, bytes and int payloads, untracked dicts and tuples); garbage (what the next \
            collection frees) is not part of the live heap: `attach` explains it. Given a snapshot file \
            instead of a PID, top answers from the file exactly as it did from the process.
            """)

        @Argument(help: "The process id of a running CPython interpreter, or a snapshot file (pyinspect snapshot).")
        var source: String
        @OptionGroup var pause: PauseOptions

        @Option(name: .long, help: "How many objects and types to list.")
        var top = 20

        @Option(name: .long, help: "The share of the live heap an object or a type must retain to be a leak suspect (0 to 1).")
        var suspectShare = 0.10

        @Option(name: .long, help: "text or json (schema pyinspect-top/1).")
        var format: TopFormat = .text

        @Flag(name: .long, help: "Name types module.qualname (text).")
        var qualified = false

        enum TopFormat: String, ExpressibleByArgument { case text, json }

        func validate() throws {
            guard top > 0 else { throw ValidationError("--top must be at least 1") }
            guard suspectShare > 0, suspectShare <= 1 else { throw ValidationError("--suspect-share must be in (0, 1]") }
            if case let .process(pid) = HeapSource(source), pid <= 0 { throw ValidationError("\(pid) is not a PID: a PID is a positive number") }
        }

        func run() throws {
            let query = TopQuery(count: top, suspectShare: suspectShare)
            let rendering = RenderOptions(naming: qualified || format == .json ? .qualified : .name)
            guard case let .process(pid) = HeapSource(source) else {
                let index: SnapshotHeapIndex
                do { index = try SnapshotHeapIndex(path: source) } catch { fail(error) }
                render(index.top(query), report: index.report, rendering)
                return
            }
            var options = pause.inspection()
            options.top = query
            options.includeUntracked = true
            let outcomes = ProcessRuns.each(try TargetSelection.parse([String(pid)]).resolve(), options: options) { process, report throws(ReportedError) in
                guard var summary = report.top else {
                    throw ReportedError(exit: .internalError, message: "pid \(process.pid): the analysis ranked no objects")
                }
                let status = ProcessStatus.read(process.pid)
                summary.residentBytes = status?.residentBytes
                summary.residentAnonymousBytes = status?.residentAnonymousBytes
                summary.memory?.residentAnonymousBytes = status?.residentAnonymousBytes
                render(summary, report: report, rendering)
            }
            try ProcessRuns.finish(ProcessRuns.exit(outcomes))
        }

        private func render(_ summary: RetentionSummary, report: HeapReport, _ rendering: RenderOptions) {
            let renderer = TopRenderer(options: rendering)
            switch format {
            case .text: writeStdout(renderer.text(summary, report: report))
            case .json: writeStdout(renderer.document(summary, report: report).serialized() + "\n")
            }
        }
    }
}

/// What the objects of each type retain in a recorded heap (empty when no objects were recorded).
func retainedByType(_ report: HeapReport) -> [UInt64: Int] {
    guard let objects = report.objects else { return [:] }
    return Retention(starts: objects.starts, targets: objects.targets, refcounts: objects.refcounts, immortal: HeapObjects.immortal,
                     types: objects.types, own: objects.sizes).retainedByType
}
