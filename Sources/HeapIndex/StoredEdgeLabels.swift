import HeapGraph
import HeapModel

/// Edge labels and details as a snapshot stored them (HeapPaths): `why` and `top` on a file name
/// their paths exactly as they did on the process.
public struct StoredEdgeLabels: EdgeLabelling {
    public let paths: HeapPaths

    public init(_ paths: HeapPaths) { self.paths = paths }

    public func labels(of parent: Int32, children: [Int32]) -> [EdgeLabel] {
        children.map { child in
            let number = Int(child) < paths.labelOf.count ? Int(paths.labelOf[Int(child)]) : -1
            return paths.labels.indices.contains(number) ? paths.labels[number] : .attribute("?")
        }
    }

    public func detail(_ node: Int32, next: Int32) -> String? {
        guard let detail = paths.details[node], detail.omittedBefore != next else { return nil }
        return detail.text
    }
}

extension RetainerQueries {
    /// What a snapshot stores for these queries to be asked of it later: labels and details for
    /// every node a root reaches (every referrer's labelled referents read once), the sources, and
    /// each node's retainer and root. `details(n)` gives a node's detail and the node before which
    /// it is left out.
    public func stored(sources: [PathSource], frozen: Range<Int32>, details: (Int32) -> HeapPaths.Detail?) -> HeapPaths {
        let search = index.search, count = graph.count
        // Each node's children in the search tree, grouped by parent (a counting sort over `order`).
        var childCount = [Int32](repeating: 0, count: count + 1)
        for node in search.order where search.parent[Int(node)] >= 0 { childCount[Int(search.parent[Int(node)]) + 1] += 1 }
        for position in 0..<count { childCount[position + 1] += childCount[position] }
        var fill = childCount
        var children = [Int32](repeating: 0, count: Int(childCount[count]))
        for node in search.order where search.parent[Int(node)] >= 0 {
            let parent = Int(search.parent[Int(node)])
            children[Int(fill[parent])] = node
            fill[parent] += 1
        }
        var labels: [EdgeLabel] = [], numbers: [EdgeLabel: Int32] = [:]
        var labelOf = [Int32](repeating: -1, count: count), sourceOf = labelOf
        var detailOf: [Int32: HeapPaths.Detail] = [:]
        for node in search.order {
            let parent = search.parent[Int(node)]
            sourceOf[Int(node)] = parent == RetainerSearch.source ? search.sourceOf[Int(node)] : sourceOf[Int(parent)]
            if let detail = details(node) { detailOf[node] = detail }
            let range = Int(childCount[Int(node)])..<Int(childCount[Int(node) + 1])
            guard !range.isEmpty else { continue }
            let mine = Array(children[range])
            for (child, label) in zip(mine, labelling.labels(of: node, children: mine)) {
                if let known = numbers[label] {
                    labelOf[Int(child)] = known
                } else {
                    numbers[label] = Int32(labels.count)
                    labelOf[Int(child)] = Int32(labels.count)
                    labels.append(label)
                }
            }
        }
        return HeapPaths(sources: sources, frozen: frozen, labels: labels, labelOf: labelOf, retainerOf: search.parent, sourceOf: sourceOf,
                         details: detailOf, cycleOf: [:])
    }
}
