import ArgumentParser
import HeapGraph
import HeapModel
import HeapRendering

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
            options.recordObjects = true
            options.includeUntracked = true
            let rendering = RenderOptions(naming: qualified || format == .json ? .qualified : .name)
            let outcomes = ProcessRuns.each(targets.resolve(), options: options) { process, report throws(ReportedError) in
                guard let objects = report.objects else {
                    throw ReportedError(exit: .internalError, message: "pid \(process.pid): the analysis recorded no objects")
                }
                let summary = RetentionSummary(objects, top: top, suspectShare: suspectShare)
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
    /// The retention of a recorded heap: roots, dominators and retained sizes (HeapGraph.Retention).
    init(_ objects: HeapObjects, top: Int, suspectShare: Double) {
        let retention = Retention(starts: objects.starts, targets: objects.targets, refcounts: objects.refcounts,
                                  immortal: HeapObjects.immortal, types: objects.types, own: objects.sizes)
        let live = retention.tree.preorder
        func before(_ x: Int32, _ y: Int32) -> Bool {
            let (a, b) = (retention.retained[Int(x)], retention.retained[Int(y)])
            return a != b ? a > b : objects.addresses[Int(x)] < objects.addresses[Int(y)]
        }
        let threshold = Double(retention.live) * suspectShare
        // The few largest, without sorting the heap: a sorted window of `top`, and the suspects apart.
        var ranked: [Int32] = []
        ranked.reserveCapacity(top + 1)
        var suspects: [Int32] = []
        for node in live {
            if Double(retention.retained[Int(node)]) > threshold { suspects.append(node) }
            guard ranked.count < top || before(node, ranked[ranked.count - 1]) else { continue }
            let position = ranked.firstIndex { before(node, $0) } ?? ranked.count
            ranked.insert(node, at: position)
            if ranked.count > top { ranked.removeLast() }
        }
        suspects.sort(by: before)
        func object(_ node: Int32) -> Object {
            Object(address: objects.addresses[Int(node)], type: objects.types[Int(node)], own: objects.sizes[Int(node)],
                   retained: retention.retained[Int(node)])
        }
        var counts: [UInt64: Int] = [:]
        for node in live { counts[objects.types[Int(node)], default: 0] += 1 }
        let typeRows = retention.retainedByType.map { TypeRow(type: $0.key, objects: counts[$0.key] ?? 0, retained: $0.value) }
            .sorted { $0.retained != $1.retained ? $0.retained > $1.retained : $0.type < $1.type }
        let untracked = live.reduce(0) { $0 + (objects.generations[Int($1)] == HeapObjects.untracked ? 1 : 0) }
        self.init(liveObjects: live.count, liveBytes: retention.live, roots: retention.roots.count,
                  top: ranked.map(object), types: Array(typeRows.prefix(top)), suspectShare: suspectShare,
                  suspects: suspects.map(object),
                  suspectTypes: typeRows.filter { Double($0.retained) > threshold })
        untrackedObjects = untracked
    }
}

/// What the objects of each type retain in a recorded heap (empty when no objects were recorded).
func retainedByType(_ report: HeapReport) -> [UInt64: Int] {
    guard let objects = report.objects else { return [:] }
    return Retention(starts: objects.starts, targets: objects.targets, refcounts: objects.refcounts, immortal: HeapObjects.immortal,
                     types: objects.types, own: objects.sizes).retainedByType
}
