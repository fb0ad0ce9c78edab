/// What `deque_traverse` (`collections.deque`, Modules/_collectionsmodule.c, compiled into libpython; 2.7's
/// lib-dynload/_collections.so, whose loop runs over every block to a NULL link, which is the same) visits:
/// the items of a doubly linked list of fixed-size blocks, which `TraversalLayout.pointerFields` cannot
/// describe.
///
/// Every offset is in bytes: the `deque*` fields from the start of the `dequeobject`, the `block*` fields
/// from the start of a `struct BLOCK`. Each was read from the DWARF of the series' build and checked against
/// the x86-64 disassembly of `deque_traverse` (scripts/gen-layouts.py: `DEQUE` in
/// scripts/layouts/spec_frames.py).
///
/// How to apply it (`visit(p)` means "p is a reference, if not NULL"):
///
/// ```
/// if visitsType { visit(Py_TYPE(deque)) }
/// b = *(deque + leftBlock); last = *(deque + rightBlock); lo = *(int64 *)(deque + leftIndex)
/// while b != last {
///     for i in lo ..< blockLength { visit(*(b + blockData + 8 * i)) }
///     lo = 0; b = *(b + blockRightLink)
/// }
/// for i in lo ... *(int64 *)(deque + rightIndex) { visit(*(b + blockData + 8 * i)) }   // empty if hi < lo
/// ```
public struct DequeLayout: Sendable, Equatable {
    /// The type's `tp_name`, `"collections.deque"`; the module exports no symbol for it, so the type is
    /// recognised by name.
    public var tpName: String
    /// `dequeobject.leftblock`: the first block (`block *`).
    public var leftBlock: Int
    /// `dequeobject.rightblock`: the last block (`block *`).
    public var rightBlock: Int
    /// `dequeobject.leftindex` (`Py_ssize_t`): index of the first item in the first block.
    public var leftIndex: Int
    /// `dequeobject.rightindex` (`Py_ssize_t`): index of the last item in the last block (inclusive).
    public var rightIndex: Int
    /// `struct BLOCK.data`: the inline `PyObject *data[BLOCKLEN]` array.
    public var blockData: Int
    /// `struct BLOCK.rightlink`: the next block (`block *`).
    public var blockRightLink: Int
    /// `BLOCKLEN`, the number of `data` slots in a block (64 in 3.6–3.13; 62 in 2.7).
    public var blockLength: Int
    /// sizeof(struct BLOCK), what `deque_sizeof` counts per block (2.7's blocks end with the left link).
    public var blockSize: Int
    /// 2.7: `dequeobject.len`, the item count; nil where the deque counts its items in `ob_size`.
    public var length: Int?
    /// Whether `deque_traverse` also visits `Py_TYPE(self)`, first: from 3.12, where the type is a heap type
    /// (`deque_spec`).
    public var visitsType: Bool

    public init(tpName: String, leftBlock: Int, rightBlock: Int, leftIndex: Int, rightIndex: Int, blockData: Int,
                blockRightLink: Int, blockLength: Int, visitsType: Bool, blockSize: Int, length: Int? = nil) {
        self.tpName = tpName
        self.leftBlock = leftBlock
        self.rightBlock = rightBlock
        self.leftIndex = leftIndex
        self.rightIndex = rightIndex
        self.blockData = blockData
        self.blockRightLink = blockRightLink
        self.blockLength = blockLength
        self.visitsType = visitsType
        self.blockSize = blockSize
        self.length = length
    }
}
