/// One batch of nodes as a reader found them, for `ObjectGraphBuilder.finish(batchFrom:_:)`: per
/// node its refcount, whether its references were found exactly, and where its referents end in
/// one flat list of addresses.
///
/// The storage is reused from batch to batch and appending is a store and an increment. An
/// `Array` append checks for a shared buffer first, a call into the Swift runtime each time: on
/// the hot path, millions of them a second.
public struct ReferentBatch {
    public let capacity: Int
    public private(set) var count = 0
    private let refcounts: UnsafeMutablePointer<Int64>
    private let exact: UnsafeMutablePointer<Bool>
    private let ends: UnsafeMutablePointer<Int>
    private var referents: UnsafeMutablePointer<UInt64>
    public private(set) var referentCount = 0
    private var referentCapacity: Int

    /// Room for `capacity` nodes; call `deallocate()` when done.
    public init(capacity: Int) {
        self.capacity = capacity
        refcounts = .allocate(capacity: capacity)
        exact = .allocate(capacity: capacity)
        ends = .allocate(capacity: capacity)
        referentCapacity = max(16, capacity * 4)
        referents = .allocate(capacity: referentCapacity)
    }

    public func deallocate() {
        refcounts.deallocate()
        exact.deallocate()
        ends.deallocate()
        referents.deallocate()
    }

    /// Empties the batch, keeping its storage.
    public mutating func reset() {
        count = 0
        referentCount = 0
    }

    public var isFull: Bool { count == capacity }

    /// Adds a referent of the node being read.
    @inline(__always)
    public mutating func appendReferent(_ address: UInt64) {
        if referentCount == referentCapacity { grow() }
        referents[referentCount] = address
        referentCount += 1
    }

    /// Forgets the referents added after `mark` (a read that failed half way).
    public mutating func dropReferents(to mark: Int) {
        precondition(mark >= 0 && mark <= referentCount)
        referentCount = mark
    }

    /// Ends the node being read: its referents are those added since the previous node ended.
    @inline(__always)
    public mutating func endNode(refcount: Int64, exact isExact: Bool) {
        precondition(count < capacity, "batch is full")
        refcounts[count] = refcount
        exact[count] = isExact
        ends[count] = referentCount
        count += 1
    }

    private mutating func grow() {
        let larger = UnsafeMutablePointer<UInt64>.allocate(capacity: referentCapacity * 2)
        larger.update(from: referents, count: referentCount)
        referents.deallocate()
        referents = larger
        referentCapacity *= 2
    }

    var nodeRefcounts: UnsafeBufferPointer<Int64> { UnsafeBufferPointer(start: refcounts, count: count) }
    var nodeExactness: UnsafeBufferPointer<Bool> { UnsafeBufferPointer(start: exact, count: count) }
    public var nodeEnds: UnsafeBufferPointer<Int> { UnsafeBufferPointer(start: ends, count: count) }
    public var addresses: UnsafeBufferPointer<UInt64> { UnsafeBufferPointer(start: referents, count: referentCount) }
}
