/// A Python type as the target holds it, named the ways a user may ask for.
public struct TypeInfo: Sendable, Equatable {
    /// Address of the type object: the one unambiguous identity (two classes may share a name).
    public var address: UInt64
    /// `type(o).__name__`.
    public var name: String
    /// `type.__module__ + "." + type.__qualname__`, e.g. `builtins.dict`, `__main__.Scale.Item`.
    public var qualified: String
    /// The C-level `tp_name` string.
    public var tpName: String
    /// Whether the type was allocated on the heap (a `class` statement or `PyType_FromSpec`).
    public var isHeapType: Bool

    public init(address: UInt64, name: String, qualified: String, tpName: String, isHeapType: Bool) {
        self.address = address
        self.name = name
        self.qualified = qualified
        self.tpName = tpName
        self.isHeapType = isHeapType
    }

    /// Stand-in for a type pointer that could not be read as a type.
    public static func unreadable(_ address: UInt64) -> TypeInfo {
        let label = "<unreadable type 0x\(String(address, radix: 16))>"
        return TypeInfo(address: address, name: label, qualified: label, tpName: label, isHeapType: false)
    }
}

/// How type names are shown: `type(o).__name__` by default, `module.qualname` on request.
public enum TypeNaming: String, Sendable, CaseIterable {
    case name
    case qualified

    public func label(_ type: TypeInfo) -> String {
        switch self {
        case .name: return type.name
        case .qualified: return type.qualified
        }
    }
}
