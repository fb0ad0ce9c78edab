import HeapGraph
import HeapModel

/// Where the reference finder puts what it finds. The label is an autoclosure so that the hot path
/// (addresses only) never pays for naming.
protocol ReferenceSink {
    mutating func add(_ pointer: UInt64, _ label: @autoclosure () -> EdgeLabel)
}

/// Addresses only: what the reachability analysis needs, for every object.
struct AddressSink: ReferenceSink {
    var addresses: [UInt64] = []

    @inline(__always)
    mutating func add(_ pointer: UInt64, _ label: @autoclosure () -> EdgeLabel) {
        if pointer != 0 { addresses.append(pointer) }
    }
}

/// Addresses with their labels: for the few objects printed on a cycle's path.
struct LabeledSink: ReferenceSink {
    var edges: [(address: UInt64, label: EdgeLabel)] = []

    mutating func add(_ pointer: UInt64, _ label: @autoclosure () -> EdgeLabel) {
        if pointer != 0 { edges.append((pointer, label())) }
    }
}

/// The hot path: addresses straight into the graph builder's batch.
extension ReferentBatch: ReferenceSink {
    @inline(__always)
    mutating func add(_ pointer: UInt64, _ label: @autoclosure () -> EdgeLabel) {
        if pointer != 0 { appendReferent(pointer) }
    }
}
