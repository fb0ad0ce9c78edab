import HeapGraph
import HeapIndex
import HeapModel

/// What the heap index answered in one read: `why`, `top`, and what a snapshot keeps to answer them later.
struct RetainerAnswers {
    var why: WhyReport?
    var top: RetentionSummary?
    var paths: HeapPaths?
}

extension CollectableAnalysis {
    /// The heap index over `heap` (tracked, frozen and untracked objects), asked what was asked.
    /// `grouping` and `cycles` (in grouping order) name the cycle that holds garbage `why` meets.
    func retainerAnswers(heap: ObjectGraph, typeOf: [UInt64], sizes: [Int], frozen: Range<Int32>, why: WhyQuery?, top: TopQuery?,
                         recordPaths: Bool, grouping: CycleGrouping, cycles: [CycleGroup], planner: TraversalPlanner,
                         finder: ReferenceFinder) -> RetainerAnswers {
        let details = StepDetails(memory: memory, layout: layout, symbols: symbols, interpreter: interpreter, graph: heap, typeOf: typeOf)
        let retainers = RetainerAnalysis(memory: memory, layout: layout, symbols: symbols, interpreter: interpreter, graph: heap,
                                         typeOf: typeOf, sizes: sizes, planner: planner, finder: finder, details: details)
        let (queries, sources) = retainers.queries(frozen: frozen)
        var answers = RetainerAnswers()
        if let why {
            let namer = TypeNamer(objects: ObjectReader(memory: memory, layout: layout))
            var (report, firstGarbage) = queries.why(why, info: { namer.info(for: $0) })
            if let firstGarbage, let position = grouping.groups.firstIndex(where: { $0.nodes.contains(firstGarbage) }) {
                report.garbageCycle = cycles[position]
            }
            answers.why = report
        }
        if let top {
            answers.top = queries.top(top)
            // Where the objects found live: pymalloc pools, malloc blocks, the rest.
            answers.top?.memory = PymallocCensus.breakdown(addresses: heap.addresses, types: typeOf, sizes: sizes, objectSizes: objectSizes(memory),
                                                           memory: memory, layout: layout, listType: symbols["PyList_Type"])
        }
        if recordPaths {
            answers.paths = queries.stored(sources: sources.map { PathSource(node: $0.node, name: $0.name) }, frozen: frozen) { node -> HeapPaths.Detail? in
                guard let (text, before) = details.record(node) else { return nil }
                return HeapPaths.Detail(text: text, omittedBefore: before == 0 ? -1 : heap.node(of: before) ?? -1)
            }
        }
        return answers
    }
}
