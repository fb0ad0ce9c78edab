/// A set of objects counted by type: one gc generation, `gc.garbage`, the permanent generation.
public struct TypeCensus: Sendable, Equatable {
    /// Number of objects.
    public var count: Int
    /// Objects per type-object address.
    public var byType: [UInt64: Int]
    /// The objects themselves (address and type), when the report asked to keep them (`--list`, ids).
    public var objects: [ObjectRef]?

    public init(count: Int = 0, byType: [UInt64: Int] = [:], objects: [ObjectRef]? = nil) {
        self.count = count
        self.byType = byType
        self.objects = objects
    }

    /// Per-type counts keyed by a type's label; two types with one label are added together.
    public func counts(naming: TypeNaming, types: [UInt64: TypeInfo]) -> [String: Int] {
        var out: [String: Int] = [:]
        for (address, n) in byType {
            out[naming.label(types[address] ?? .unreadable(address)), default: 0] += n
        }
        return out
    }

    /// Rows for display, most common first, ties by label; rows keep type identity (not merged by label).
    public func ranked(naming: TypeNaming, types: [UInt64: TypeInfo]) -> [(type: TypeInfo, count: Int)] {
        byType.map { (types[$0.key] ?? .unreadable($0.key), $0.value) }
            .sorted { lhs, rhs in
                if lhs.1 != rhs.1 { return lhs.1 > rhs.1 }
                let l = naming.label(lhs.0), r = naming.label(rhs.0)
                return l != r ? l < r : lhs.0.address < rhs.0.address
            }
    }
}

/// One object: where it is and what type it has.
public struct ObjectRef: Sendable, Equatable {
    public var address: UInt64
    public var type: UInt64

    public init(address: UInt64, type: UInt64) {
        self.address = address
        self.type = type
    }
}
