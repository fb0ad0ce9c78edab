/// How one object refers to the next on a path, named the way Python code would reach it.
public enum EdgeLabel: Sendable, Hashable {
    /// `.name`: an attribute (instance dict entry, slot, inline value) or a named C field.
    case attribute(String)
    /// `[i]`: a list or tuple item.
    case index(Int)
    /// `['key']`: a dict entry with a str key (printed only with `--values`: values from the
    /// target stay out of the output, except keys that name an attribute, see `isIdentifier`).
    case key(String)
    /// `[<type>]`: a dict entry whose key is not printed.
    case opaqueKey(String)
    /// A member of a set or frozenset.
    case element
    /// `[*]`: list items at different positions on the paths of one retainer group.
    case anyIndex
    /// A reference pyinspect cannot name (a C field it knows only by offset).
    case offset(Int)

    /// The label as it is printed after the referrer's type name. A dict key is a value from the
    /// target (it may be a token or an e-mail address), so it is shown only when `showingValues`
    /// (`--values`), cut to `valueLimit` characters; otherwise only its type: `[<str>]`.
    public func text(showingValues: Bool = false, valueLimit: Int = EdgeLabel.valueLimit) -> String {
        switch self {
        case let .attribute(name): return "." + name
        case let .index(position): return "[\(position)]"
        case let .key(key):
            guard showingValues else { return "[<str>]" }
            return key.count > valueLimit ? "['\(key.prefix(valueLimit))…']" : "['\(key)']"
        case let .opaqueKey(type): return "[<\(type)>]"
        case .element: return "{}"
        case .anyIndex: return "[*]"
        case let .offset(offset): return ".<+\(offset)>"
        }
    }

    /// Whether a key reads as a Python name (an instance's `__dict__` keys that do are attribute
    /// names, code rather than data, and printed as `.name`).
    public static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || first.properties.isXIDStart else { return false }
        return text.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isXIDContinue }
    }

    /// How much of a value `--values` shows.
    public static let valueLimit = 32
}

/// One hop of a cycle: the object, and how it refers to the next one.
public struct CycleStep: Sendable, Equatable {
    public var object: ObjectRef
    public var label: EdgeLabel?
    /// Extra words printed after the type (a frame's function, file and line).
    public var detail: String?

    public init(object: ObjectRef, label: EdgeLabel?, detail: String? = nil) {
        self.object = object
        self.label = label
        self.detail = detail
    }
}

/// Strongly connected groups of the collectable set that have the same shape (the same types,
/// referring to each other the same way), counted together.
public struct CycleGroup: Sendable {
    /// How many groups have this shape.
    public var count: Int
    /// Objects in all of them, and their types.
    public var objects: Int
    public var byType: [UInt64: Int]
    /// One representative cycle, starting and ending at the same object; empty for a shape of
    /// single objects that do not refer to themselves.
    public var path: [CycleStep]
    /// Addresses of one group of this shape (the representative's).
    public var sample: [ObjectRef]
    /// Memory held by all cycles of this shape (own sizes plus untracked objects only they reference).
    public var heldBytes: Int = 0
    /// Said after the path when the path alone would not tell this shape from another, or passes
    /// through no exception while the shape holds one (or a traceback); nil otherwise.
    public var note: PathNote?

    public init(count: Int, objects: Int, byType: [UInt64: Int], path: [CycleStep], sample: [ObjectRef]) {
        self.count = count
        self.objects = objects
        self.byType = byType
        self.path = path
        self.sample = sample
    }
}

/// What a shape's path leaves out, printed after it: `(+ 2 dict, 1 traceback off the path)`.
public struct PathNote: Sendable, Equatable {
    /// Objects of one cycle of this shape, with the garbage it holds, that the path does not pass
    /// through, by type.
    public var offPath: [UInt64: Int]
    /// When shapes that differ only in how their objects refer to each other off the path would
    /// still print the same (path and `offPath`): this one is `variant.number` of `variant.of`.
    public var variant: (number: Int, of: Int)?

    public init(offPath: [UInt64: Int], variant: (number: Int, of: Int)? = nil) {
        self.offPath = offPath
        self.variant = variant
    }

    public static func == (lhs: PathNote, rhs: PathNote) -> Bool {
        lhs.offPath == rhs.offPath && lhs.variant?.number == rhs.variant?.number && lhs.variant?.of == rhs.variant?.of
    }
}
