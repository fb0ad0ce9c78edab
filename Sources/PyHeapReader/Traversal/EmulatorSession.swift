import RemoteMemory
import TraverseEmulation

/// How references are found for types without a native plan (attach's `--verify-traversal` and
/// `--no-emulation`).
public struct TraversalOptions: Sendable {
    /// Run a type's own `tp_traverse` in the emulator when pyinspect has no plan of its own for it.
    public var emulate = true
    /// Also emulate every object that has a native plan and compare the two.
    public var verify = false
    /// Translated blocks all emulated calls of one run may take together (a bound on the time).
    public var runBlockBudget: UInt64 = 1 << 34
    /// Set by the reader from the target (`HeapReader.threadPointer`, `.libcFunctions`): the thread
    /// pointer the emulated code runs with (nil: a private zeroed block) and the C library's string
    /// functions it runs natively.
    var threadPointer: UInt64?
    var libcFunctions: [String: (address: UInt64, isResolver: Bool)] = [:]

    public init(emulate: Bool = true, verify: Bool = false) {
        self.emulate = emulate
        self.verify = verify
    }
}

/// The emulator of one thread's reference finder: made on first use, with what it cost.
final class EmulatorSession {
    let options: TraversalOptions
    private var emulator: TraverseEmulator?
    private var unavailable: String?
    private var nativesInstalled = false
    private(set) var calls = 0
    private(set) var nanoseconds: UInt64 = 0
    /// Why the last call failed (for the report).
    private(set) var lastFailure: String?
    /// The share of the run's block budget this session may use.
    let blockBudget: UInt64

    init(options: TraversalOptions, shares: Int) {
        self.options = options
        blockBudget = options.runBlockBudget / UInt64(max(1, shares))
    }

    /// Runs `function(object, visit, NULL)`; `body` sees the referents. nil (with `lastFailure`
    /// set) when the call could not run to its end.
    func traverse(function: UInt64, object: UInt64, memory: CachedMemory, _ body: (UnsafeBufferPointer<UInt64>) -> Void) -> Bool {
        guard let emulator = emulator(memory) else { return false }
        guard emulator.blocks < blockBudget else {
            lastFailure = "the run's emulation budget was spent"
            return false
        }
        let started = MonotonicClock.nanoseconds()
        var result = emulator.traverse(function: function, object: object, body)
        if case .failure(.trap) = result, !nativesInstalled, !options.libcFunctions.isEmpty {
            // Most likely a C library function in a variant the emulator cannot run (AVX): from now
            // on those run natively, and this call is made again. Done on first need: resolving them
            // costs an engine a millisecond or more, and most heaps never call them.
            nativesInstalled = true
            emulator.runNatively(options.libcFunctions)
            result = emulator.traverse(function: function, object: object, body)
        }
        nanoseconds &+= MonotonicClock.nanoseconds() &- started
        calls += 1
        if case let .failure(failure) = result {
            lastFailure = failure.reason
            return false
        }
        return true
    }

    private func emulator(_ memory: CachedMemory) -> TraverseEmulator? {
        if let emulator { return emulator }
        if let unavailable {
            lastFailure = unavailable
            return nil
        }
        guard let scratch = TraverseEmulator.scratchAddress(regions: memory.regions) else {
            unavailable = "no free address range for the emulator's stack"
            lastFailure = unavailable
            return nil
        }
        guard let made = TraverseEmulator(memory: memory, scratch: scratch, threadPointer: options.threadPointer) else {
            unavailable = "the emulator could not be started"
            lastFailure = unavailable
            return nil
        }
        emulator = made
        return made
    }
}
