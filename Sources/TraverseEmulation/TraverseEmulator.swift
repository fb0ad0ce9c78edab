import CTraverseEmulator
import RemoteMemory

/// Runs a type's own `tp_traverse(object, visit, arg)` in a CPU emulator over the sealed copy and
/// returns what it visited: the references of any type, extension types nobody here has read
/// included. The copy's blocks are mapped into the emulator read-only, in place; a page the code
/// writes becomes a private copy that is put back after every call. Nothing reaches the target,
/// and nothing is written to the copy.
///
/// One emulator per thread (it is not thread-safe); it keeps translated code across calls.
public final class TraverseEmulator {
    public struct Limits: Sendable {
        /// Translated blocks one call may run: far more than any traverse of a sane object needs.
        public var blocksPerCall: UInt64 = 1 << 22
        public var referentsPerCall: UInt32 = 1 << 24
        /// Pages the engine keeps mapped (1 GiB): past it, it starts afresh.
        public var pages: UInt32 = 1 << 18
        public init() {}
    }

    public enum Failure: Error, Sendable, Equatable, Hashable {
        /// Touched memory the target does not have readable (or the copy does not hold).
        case fault(address: UInt64)
        case budget
        /// A system call or interrupt: code that does not belong in a traverse function.
        case trap(pc: UInt64)
        case codeWrite(address: UInt64)
        case tooManyReferents
        /// tp_traverse returned this non-zero value on its own.
        case returned(Int64)
        case engine(code: UInt64)

        /// One short phrase for the report ("faulted at 0x...", ...).
        public var reason: String {
            switch self {
            case let .fault(address): return "its tp_traverse read memory the copy does not hold (0x\(String(address, radix: 16)))"
            case .budget: return "its tp_traverse ran past the instruction budget"
            case let .trap(pc): return "its tp_traverse made a system call or trapped (pc 0x\(String(pc, radix: 16)))"
            case .codeWrite: return "its tp_traverse wrote to code"
            case .tooManyReferents: return "its tp_traverse visited too many objects"
            case let .returned(value): return "its tp_traverse returned \(value)"
            case let .engine(code): return "the emulator failed (unicorn error \(code))"
            }
        }
    }

    private let engine: OpaquePointer
    private let source: Unmanaged<PageSource>
    /// Calls made and translated blocks run, for the report.
    public private(set) var calls = 0
    public private(set) var blocks: UInt64 = 0

    /// nil when no engine can be made (libunicorn refused). `scratch` must be a free range of
    /// `scratchSize` bytes (see `scratchAddress`); `threadPointer` is a target thread's fs_base.
    public init?(memory: CachedMemory, scratch: UInt64, threadPointer: UInt64?, limits: Limits = Limits()) {
        source = Unmanaged.passRetained(PageSource(memory: memory))
        var config = te_config(scratch: scratch, thread_pointer: threadPointer ?? 0, block_budget: limits.blocksPerCall,
                               max_referents: limits.referentsPerCall, max_pages: limits.pages)
        guard let engine = te_open(&config, memorySource, source.toOpaque()) else {
            source.release()
            return nil
        }
        self.engine = engine
    }

    deinit {
        te_close(engine)
        source.release()
    }

    public static let scratchSize = UInt64(TE_SCRATCH_SIZE)

    /// A page-aligned range of `scratchSize` bytes that no region of the target overlaps, well away
    /// from them (so that a wild pointer in the target's code faults rather than lands there).
    public static func scratchAddress(regions: RegionTable) -> UInt64? {
        let candidates: [UInt64] = [0x1000_0000_0000, 0x2000_0000_0000, 0x3000_0000_0000, 0x0000_1000_0000, 0x6000_0000_0000]
        let gap: UInt64 = 1 << 30
        return candidates.first { start in
            !regions.regions.contains { $0.start < start + scratchSize + gap && start < $0.end + gap }
        }
    }

    /// Runs `function(object, visit, NULL)`; `body` gets the referents (valid only during the call).
    public func traverse<R>(function: UInt64, object: UInt64,
                            _ body: (UnsafeBufferPointer<UInt64>) -> R) -> Result<R, Failure> {
        var referents: UnsafePointer<UInt64>?
        var count = 0
        let outcome = te_traverse(engine, function, object, &referents, &count)
        calls += 1
        blocks &+= outcome.blocks
        switch outcome.status {
        case TE_OK:
            guard outcome.result == 0 else { return .failure(.returned(outcome.result)) }
            return .success(body(UnsafeBufferPointer(start: referents, count: count)))
        case TE_FAULT: return .failure(.fault(address: outcome.address))
        case TE_BUDGET: return .failure(.budget)
        case TE_TRAP: return .failure(.trap(pc: outcome.address))
        case TE_CODE_WRITE: return .failure(.codeWrite(address: outcome.address))
        case TE_TOO_MANY: return .failure(.tooManyReferents)
        default: return .failure(.engine(code: outcome.address))
        }
    }

    /// The C library's read-only string functions, run natively when the emulated code calls them
    /// (glibc's variants for a modern CPU use AVX, which the emulator lacks). `functions`: name ->
    /// address, and whether it is an IFUNC resolver (run here to learn the variant the target uses).
    public func runNatively(_ functions: [String: (address: UInt64, isResolver: Bool)]) {
        let kinds: [String: te_native] = ["strcmp": TE_STRCMP, "strncmp": TE_STRNCMP, "strlen": TE_STRLEN, "strnlen": TE_STRNLEN,
                                          "memcmp": TE_MEMCMP, "bcmp": TE_MEMCMP, "memchr": TE_MEMCHR, "strchr": TE_STRCHR,
                                          "strrchr": TE_STRRCHR]
        for (name, function) in functions.sorted(by: { $0.key < $1.key }) {
            guard let kind = kinds[name] else { continue }
            let address = function.isResolver ? te_call(engine, function.address) : function.address
            if address != 0 { _ = te_add_native(engine, address, kind) }
        }
    }
}

/// Where the emulator's pages come from: the copy's own blocks, which stay put while it lives.
private final class PageSource {
    let memory: CachedMemory
    init(memory: CachedMemory) { self.memory = memory }
}

/// The C side asks where the target memory around `address` is: the copy's block that holds it
/// (copied now for a read-only mapping such as code; refused for what the sealed copy lacks).
private func memorySource(_ context: UnsafeMutableRawPointer?, _ address: UInt64, _ start: UnsafeMutablePointer<UInt64>?,
                          _ size: UnsafeMutablePointer<UInt64>?, _ executable: UnsafeMutablePointer<Int32>?) -> UnsafeRawPointer? {
    guard let context, let start, let size, let executable else { return nil }
    let memory = Unmanaged<PageSource>.fromOpaque(context).takeUnretainedValue().memory
    guard let region = memory.regions.region(containing: address), let block = memory.blockStorage(containing: address),
          block.start % 4096 == 0, block.end % 4096 == 0 else { return nil }
    start.pointee = block.start
    size.pointee = block.end - block.start
    executable.pointee = region.executable ? 1 : 0
    return block.storage
}
