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
            collection frees) is not part of the live heap: `attach` explains it.
            """)

        @OptionGroup var targets: TargetSelection
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
            if targets.isMultiple { throw ValidationError("top reads one process: give one PID") }
        }

        func run() throws {
            var options = pause.inspection()
            options.top = TopQuery(count: top, suspectShare: suspectShare)
            options.includeUntracked = true
            let rendering = RenderOptions(naming: qualified || format == .json ? .qualified : .name)
            let outcomes = ProcessRuns.each(targets.resolve(), options: options) { process, report throws(ReportedError) in
                guard var summary = report.top else {
                    throw ReportedError(exit: .internalError, message: "pid \(process.pid): the analysis ranked no objects")
                }
                let status = ProcessStatus.read(process.pid)
                summary.residentBytes = status?.residentBytes
                summary.residentAnonymousBytes = status?.residentAnonymousBytes
                summary.memory?.residentAnonymousBytes = status?.residentAnonymousBytes
                let renderer = TopRenderer(options: rendering)
                switch format {
                case .text: writeStdout(renderer.text(summary, report: report))
                case .json: writeStdout(renderer.document(summary, report: report).serialized() + "\n")
                }
            }
            try ProcessRuns.finish(ProcessRuns.exit(outcomes))
        }
    }
}

extension RetentionSummary {
    /// The retention of a recorded heap (a snapshot's): roots, dominators and retained sizes (HeapGraph.Retention).
    init(_ objects: HeapObjects, top: Int, suspectShare: Double) {
        let retention = Retention(starts: objects.starts, targets: objects.targets, refcounts: objects.refcounts,
                                  immortal: HeapObjects.immortal, types: objects.types, own: objects.sizes)
        self.init(ranking: retention.tree.preorder, addresses: objects.addresses, types: objects.types, own: objects.sizes,
                  generations: objects.generations, retained: retention.retained, retainedByType: retention.retainedByType,
                  roots: retention.roots.count, top: top, suspectShare: suspectShare)
    }
}

/// What the objects of each type retain in a recorded heap (empty when no objects were recorded).
func retainedByType(_ report: HeapReport) -> [UInt64: Int] {
    guard let objects = report.objects else { return [:] }
    return Retention(starts: objects.starts, targets: objects.targets, refcounts: objects.refcounts, immortal: HeapObjects.immortal,
                     types: objects.types, own: objects.sizes).retainedByType
}
