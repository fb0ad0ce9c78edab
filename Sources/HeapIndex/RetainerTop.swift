import HeapGraph
import HeapModel

extension RetainerQueries {
    /// `top`: the ranking of the live heap (RetentionSummary) with the path from a root to each object
    /// listed and to the object of each suspect type that retains most (grouping every object of a
    /// type by path is `why`'s job: it costs a labelled read of every referrer on their paths), and
    /// the roots' own objects that retain most (a module's globals, a frame's locals, what C code holds).
    public func top(_ query: TopQuery) -> RetentionSummary {
        let generations = graph.generations
        let byType = Retention.byType(tree: index.tree, retained: index.retained, types: typeOf)
        var summary = RetentionSummary(ranking: index.tree.preorder, addresses: graph.addresses, types: typeOf, own: sizes,
                                       generations: generations, retained: index.retained, retainedByType: byType,
                                       roots: index.roots, top: query.count, suspectShare: query.suspectShare)
        // The largest object of each suspect type, in one pass.
        var largest: [UInt64: Int32] = [:]
        let suspectTypes = Set(summary.suspectTypes.map(\.type))
        if !suspectTypes.isEmpty {
            for node in index.tree.preorder where suspectTypes.contains(typeOf[Int(node)]) {
                let type = typeOf[Int(node)]
                if let best = largest[type], index.retained[Int(best)] >= index.retained[Int(node)] { continue }
                largest[type] = node
            }
        }
        let listed = Array(Set((summary.top + summary.suspects).compactMap { graph.node(of: $0.address) } + largest.values)).sorted()
        for group in groups(listed, grouped: false).0 { summary.paths[group.samples[0].address] = group }
        for (type, node) in largest { summary.typePaths[type] = summary.paths[graph.addresses[Int(node)]] }
        summary.rootRows = rootRows(query.count)
        return summary
    }

    /// The objects a root holds directly (one step from a named root, or a root the graph does not
    /// explain), largest retained first.
    private func rootRows(_ count: Int) -> [WhyReport.Group] {
        let search = index.search, retained = index.retained
        var candidates: [Int32] = []
        for node in search.order {
            let parent = search.parent[Int(node)]
            let held = parent >= 0 ? search.parent[Int(parent)] == RetainerSearch.source && index.sourceIsModuleLike(search.sourceOf[Int(parent)])
                : !index.sourceIsModuleLike(search.sourceOf[Int(node)])
            if held { candidates.append(node) }
        }
        candidates.sort { retained[Int($0)] != retained[Int($1)] ? retained[Int($0)] > retained[Int($1)] : $0 < $1 }
        return groups(Array(candidates.prefix(count)), grouped: false).0
    }
}
