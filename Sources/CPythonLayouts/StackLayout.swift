/// Where each thread's Python stack is: the interpreter's list of thread states, each one's innermost
/// frame, and how frames link to their callers. Offsets in bytes from the start of the
/// `PyInterpreterState` (`threadsHead`), the `PyThreadState` (`nativeThreadId`, `frame`, `cframe`,
/// `currentFrame`, `dataStack*`), the `_PyCFrame`, the `PyFrameObject` (`frameBack`), the
/// `_PyInterpreterFrame` or the `_PyStackChunk` (`chunk*`). Read from the DWARF of the pyenv builds and
/// from offsetof probes of the Debian roots' headers (scripts/layouts/spec_stacks.py).
///
/// How a thread's frames are found, innermost first:
/// * 2.7–3.10: `tstate->frame`, a `PyFrameObject *`, then each frame's `f_back` until NULL.
/// * 3.11–3.12: `tstate->cframe->current_frame` (the `_PyCFrame` is a local of the running
///   `_PyEval_EvalFrameDefault`, on the C stack); 3.13+: `tstate->current_frame`. Then each
///   `_PyInterpreterFrame`'s `previous`. From 3.12 a C call into Python adds an entry frame, on the C
///   stack, whose `owner` is at least `firstNonPythonOwner` (3.14+ also the thread's base frame): not a
///   Python function's, skipped.
/// * 3.11+: the frames a thread owns (`owner == ownedByThread`) are also laid out back to back in its
///   data stack: chunks from `tstate->datastack_chunk` back through `previous`, each holding frames
///   from `data[1]` (the first chunk, whose `previous` is NULL) or `data[0]`, to `datastack_top` (the
///   newest chunk) or `data[top]`. A frame takes `co_framesize` words (3.12+) or `co_nlocalsplus +
///   co_stacksize + (interpreterFrameSize - 1) / 8` (3.11). This finds the owned frames when the C
///   stack is not in the copy.
///
/// What a frame holds (3.11+): `function`, `locals` (`f_locals`), `frameObject`, the code
/// (`CodeLayout.interpreterFrameCode`), then `localsplus` (`CodeLayout.interpreterFrameLocalsPlusOffset`)
/// up to `stackTop` (3.11–3.13, an int32 index) or `stackPointer` (3.14+, a pointer past the last).
/// From 3.14 the code, the function and the `localsplus` words are `_PyStackRef`s (see `object(fromStackRef:)`).
public struct StackLayout: Sendable, Equatable {
    /// `interp->tstate_head` (2.7–3.10) / `interp->threads.head` (3.11+): the newest thread state.
    public var threadsHead: Int
    /// 3.8+: `tstate->native_thread_id`, the thread's kernel id (its tid).
    public var nativeThreadId: Int?
    /// 2.7–3.10: `tstate->frame` (a `PyFrameObject *`).
    public var frame: Int?
    /// `PyFrameObject.f_back` (the caller's frame object; 3.11+ fill it lazily, so only 2.7–3.10 use it).
    public var frameBack: Int
    /// 3.11–3.12: `tstate->cframe` and `_PyCFrame.current_frame`.
    public var cframe: Int?
    public var cframeCurrentFrame: Int?
    /// 3.13+: `tstate->current_frame`.
    public var currentFrame: Int?
    /// 3.11+: `_PyInterpreterFrame.previous`, `.owner` (one byte) and `FRAME_OWNED_BY_THREAD` (0).
    public var previous: Int?
    public var owner: Int?
    public var ownedByThread: Int?
    /// 3.12+: owners from this value up are no Python function's frames: `FRAME_OWNED_BY_CSTACK` (3 in
    /// 3.12–3.13), `FRAME_OWNED_BY_INTERPRETER` (3 in 3.14–3.15; 3.14's `FRAME_OWNED_BY_CSTACK` is 4).
    public var firstNonPythonOwner: Int?
    /// 3.11–3.13: `stacktop` (int32: `localsplus` slots in use). 3.14+: `stackpointer` (one past the last).
    public var stackTop: Int?
    public var stackPointer: Int?
    /// 3.11+: `f_func` (3.11) / `f_funcobj` (3.12+), `f_locals`, `frame_obj`.
    public var function: Int?
    public var locals: Int?
    public var frameObject: Int?
    /// 3.14+: `Py_TAG_BITS` and `Py_INT_TAG` of the build's `_PyStackRef` (3 and 3 in default builds).
    public var stackRefTagBits: Int?
    public var stackRefIntTag: Int?
    /// 3.11+: `tstate->datastack_chunk`, `tstate->datastack_top`; `_PyStackChunk.previous`, `.top`, `.data`.
    public var dataStackChunk: Int?
    public var dataStackTop: Int?
    public var chunkPrevious: Int?
    public var chunkTop: Int?
    public var chunkData: Int?
    /// 3.11+: `sizeof(_PyInterpreterFrame)`.
    public var interpreterFrameSize: Int?

    public init(threadsHead: Int, nativeThreadId: Int?, frame: Int?, frameBack: Int, cframe: Int?, cframeCurrentFrame: Int?,
                currentFrame: Int?, previous: Int?, owner: Int?, ownedByThread: Int?, firstNonPythonOwner: Int?, stackTop: Int?,
                stackPointer: Int?, function: Int?, locals: Int?, frameObject: Int?, stackRefTagBits: Int?, stackRefIntTag: Int?,
                dataStackChunk: Int?, dataStackTop: Int?, chunkPrevious: Int?, chunkTop: Int?, chunkData: Int?,
                interpreterFrameSize: Int?) {
        self.threadsHead = threadsHead
        self.nativeThreadId = nativeThreadId
        self.frame = frame
        self.frameBack = frameBack
        self.cframe = cframe
        self.cframeCurrentFrame = cframeCurrentFrame
        self.currentFrame = currentFrame
        self.previous = previous
        self.owner = owner
        self.ownedByThread = ownedByThread
        self.firstNonPythonOwner = firstNonPythonOwner
        self.stackTop = stackTop
        self.stackPointer = stackPointer
        self.function = function
        self.locals = locals
        self.frameObject = frameObject
        self.stackRefTagBits = stackRefTagBits
        self.stackRefIntTag = stackRefIntTag
        self.dataStackChunk = dataStackChunk
        self.dataStackTop = dataStackTop
        self.chunkPrevious = chunkPrevious
        self.chunkTop = chunkTop
        self.chunkData = chunkData
        self.interpreterFrameSize = interpreterFrameSize
    }

    /// The object a frame slot holds, or nil for none (NULL) and for what is no object (a 3.14+ tagged
    /// int). Before 3.14 a slot is a `PyObject *`; from 3.14 a `_PyStackRef` whose low `Py_TAG_BITS` are
    /// a tag (`Py_TAG_REFCNT` 1: a borrowed or immortal reference, `PyStackRef_NULL` is just that bit) and
    /// whose tag `Py_INT_TAG` (all of them) marks an int kept in the remaining bits.
    @inline(__always)
    public func object(fromStackRef bits: UInt64) -> UInt64? {
        guard let tagBits = stackRefTagBits.map(UInt64.init), let intTag = stackRefIntTag.map(UInt64.init) else {
            return bits == 0 ? nil : bits
        }
        if bits & tagBits == intTag { return nil }
        let object = bits & ~tagBits
        return object == 0 ? nil : object
    }
}

/// `int` objects, read for their value (`threading._active` maps thread ids to threads): `PyLongObject`
/// and 2.7's `PyIntObject`.
///
/// A `PyLongObject` holds its magnitude in `digits` of `digitSize` bytes: 30 bits each when a digit is
/// 4 bytes (`PYLONG_BITS_IN_DIGIT` 30), 15 when it is 2, least significant first. The count and sign
/// are `ob_size` (`ObjectLayout.size`: negative for negative values) before 3.12; from 3.12 `tag`
/// (`long_value.lv_tag`) holds both: the count above its three low bits, the sign in the low two
/// (0 positive, 1 zero, 2 negative; `_PyLong_NON_SIZE_BITS`, `_PyLong_SIGN_MASK` of pycore_long.h).
public struct LongLayout: Sendable, Equatable {
    /// `ob_digit` (2.7–3.11) / `long_value.ob_digit` (3.12+).
    public var digits: Int
    /// `sizeof(digit)`.
    public var digitSize: Int
    /// 3.12+: `long_value.lv_tag`.
    public var tag: Int?
    /// 2.7: `PyIntObject.ob_ival` (a C long), the value of a 2.7 `int`.
    public var intValue: Int?

    public init(digits: Int, digitSize: Int, tag: Int?, intValue: Int?) {
        self.digits = digits
        self.digitSize = digitSize
        self.tag = tag
        self.intValue = intValue
    }

    /// Bits of the value per digit.
    public var digitBits: Int { digitSize == 4 ? 30 : 15 }
    /// `_PyLong_NON_SIZE_BITS` and `_PyLong_SIGN_MASK` of the 3.12+ `lv_tag`.
    public static let tagSizeShift = 3
    public static let tagSignMask: UInt64 = 3
}
