/// What only Python 2 has: classic classes and their instances (`PyClassObject`, `PyInstanceObject`),
/// and the frame's block stack, which decides whether a generator needs finalizing (2.7's
/// `PyGen_NeedsFinalizing`). Every field is nil in Python 3.
public struct ClassicLayout: Sendable, Equatable {
    public var instanceClass: Int?
    public var instanceDict: Int?
    public var classBases: Int?
    public var classDict: Int?
    public var className: Int?
    /// `PyFrameObject.f_iblock`, `f_blockstack`, sizeof(PyTryBlock) and its `b_type`.
    public var frameBlockCount: Int?
    public var frameBlockStack: Int?
    public var blockSize: Int?
    public var blockType: Int?

    public init(instanceClass: Int? = nil, instanceDict: Int? = nil, classBases: Int? = nil, classDict: Int? = nil,
                className: Int? = nil, frameBlockCount: Int? = nil, frameBlockStack: Int? = nil, blockSize: Int? = nil,
                blockType: Int? = nil) {
        self.instanceClass = instanceClass
        self.instanceDict = instanceDict
        self.classBases = classBases
        self.classDict = classDict
        self.className = className
        self.frameBlockCount = frameBlockCount
        self.frameBlockStack = frameBlockStack
        self.blockSize = blockSize
        self.blockType = blockType
    }
}
