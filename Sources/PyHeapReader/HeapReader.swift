import Glibc
import CPythonLayouts
import HeapModel
import RemoteMemory

/// Reads the collector's state and census from target memory. It is given a `TargetImage` and a
/// memory source, never a pid: live processes, core files and recorded images all work the same.
///
/// Two steps: `prepare` finds the version, the layout and the gc state (stable for the life of the
/// process, so it can run before the pause); `capture` reads everything that moves and should run
/// while the target is paused.
public struct HeapReader: Sendable {
    public let detected: DetectedVersion
    public let layout: PythonLayout
    /// Where the main interpreter's collector state is (a structure's fields, or gcmodule.c's variables).
    public let gcState: GCStateAddresses
    /// Resolved symbol addresses (builtin type objects, `_PyRuntime`, ...).
    public let symbols: [String: UInt64]
    /// The main thread's thread pointer (`_PyRuntime.main_thread`, its `pthread_self()`): where its
    /// thread-local storage is, for code the traverse emulator runs. nil when it is not in writable
    /// memory of the target (then the emulator uses a private, zeroed block).
    public private(set) var threadPointer: UInt64?
    /// The C library's string functions, which the traverse emulator runs natively.
    public private(set) var libcFunctions: [String: (address: UInt64, isResolver: Bool)] = [:]
    /// Address of the main `PyInterpreterState` (0 when it could not be read), where `sys.path` is found.
    public var interpreter: UInt64 = 0

    public static func prepare(image: TargetImage, memory: any MemoryReader) throws(ReaderError) -> HeapReader {
        let detected = try VersionDetector.detect(image: image, memory: memory)
        if detected.freeThreaded { throw .freeThreaded(version: detected.display) }
        let candidates = LayoutRegistry.candidates(for: detected.version)
        guard !candidates.isEmpty else {
            throw .unsupportedVersion(version: detected.display, supported: LayoutRegistry.supportedSeries)
        }
        let runtime = image.symbols["_PyRuntime"]?.address ?? image.sections[".PyRuntime"]
        var layout = candidates[0]
        var fitted: LayoutFit.Fit?
        if layout.era.hasRuntimeState {
            guard let runtime else { throw .notPython("\(image.interpreterFile) does not define _PyRuntime") }
            // The target runs while this reads: a list head can move under one read, so a miss is tried again.
            let fitter = LayoutFit(memory: memory, runtime: runtime, debugOffsets: detected.debugOffsets)
            var chosen = fitter.choose(candidates)
            for _ in 0..<2 {
                guard case .failure = chosen else { break }
                chosen = fitter.choose(candidates)
            }
            switch chosen {
            case let .success(found):
                fitted = found
                layout = found.layout
            case let .failure(failure):
                if let error = failure.unreadable { throw .memory(error) }
                if failure.noInterpreter { throw .inconsistent(failure.text) }
                throw .layoutMismatch("no table of \(detected.version.series) fits \(detected.display): \(failure.text)")
            }
        }
        func mainInterpreter() throws(MemoryError) -> UInt64 {
            if let fitted { return fitted.interpreter }
            guard let runtime, let mainField = layout.runtime.interpretersMain, let headField = layout.runtime.interpretersHead else {
                return InterpreterListHead.mainInterpreter(layout: layout, symbols: image.symbols, memory: memory) ?? 0
            }
            let main = try memory.pointer(at: runtime &+ UInt64(mainField))
            return main != 0 ? main : try memory.pointer(at: runtime &+ UInt64(headField))
        }
        let interpreter = (try? mainInterpreter()) ?? 0
        let gcState: GCStateAddresses
        if let fitted {
            // LayoutFit located it (and checked that it holds together).
            gcState = try GCStateAddresses(structure: fitted.gcState, layout: layout.gc)
        } else {
            gcState = try GCStateAddresses(statics: layout.gc, symbols: image.symbols, memory: memory, file: image.interpreterFile)
        }
        var reader = HeapReader(detected: detected, layout: layout, gcState: gcState, symbols: image.symbols.mapValues(\.address))
        reader.interpreter = interpreter
        reader.libcFunctions = image.libcFunctions
        if let thread = mainThreadPointer(layout: layout, runtime: runtime, interpreter: interpreter, memory: memory),
           RegionTable(image.regions).region(containing: thread)?.writable == true {
            reader.threadPointer = thread
        }
        return reader
    }

    /// The main thread's `pthread_self()`: `_PyRuntime.main_thread` (3.8+), else the `thread_id` of
    /// the interpreter's oldest thread state, the last of its list (new thread states are pushed at
    /// the head, and the main thread's is made first). nil when it cannot be read.
    static func mainThreadPointer(layout: PythonLayout, runtime: UInt64?, interpreter: UInt64, memory: any MemoryReader) -> UInt64? {
        let i = layout.interpreter
        if let field = layout.runtime.mainThread, let runtime {
            return try? memory.pointer(at: runtime &+ UInt64(field))
        }
        guard let headField = i.threadStateHead, interpreter != 0,
              var state = try? memory.pointer(at: interpreter &+ UInt64(headField)), state != 0 else { return nil }
        for _ in 0..<Self.maxThreadStates {
            guard let next = try? memory.pointer(at: state &+ UInt64(i.threadStateNext)) else { return nil }
            if next == 0 { return try? memory.pointer(at: state &+ UInt64(i.threadStateThreadId)) }
            state = next
        }
        return nil
    }

    /// More thread states than any process has threads: the list loops.
    static let maxThreadStates = 1 << 16

    /// Reads the collector's state only (cheap): used to see whether a collection is running.
    /// Where each generation's `gc.get_stats()` entry is: the inline `generation_stats[i]`, or (3.15)
    /// the latest entry of its ring buffer behind the `generation_stats` pointer. None in 2.7.
    private func statsEntries(memory: any MemoryReader) throws(ReaderError) -> [UInt64] {
        let g = layout.gc, ring = layout.statsRing
        guard let field = gcState.generationStats, let size = g.statsSize else { return [] }
        guard ring.isPresent else { return (0..<g.generationCount).map { field &+ UInt64($0 * size) } }
        guard let youngItems = ring.youngItems, let youngIndex = ring.youngIndex, let youngCapacity = ring.youngCapacity,
              let old = ring.old, let oldSize = ring.oldSize, let oldIndex = ring.oldIndex, let oldCapacity = ring.oldCapacity else {
            return []
        }
        do {
            let buffers = try memory.pointer(at: field)
            guard buffers != 0 else { return [] }
            // (items, index field, capacity) of young, old[0], old[1]: generations 0, 1, 2.
            var rings = [(buffers &+ UInt64(youngItems), buffers &+ UInt64(youngIndex), youngCapacity)]
            for space in 0..<2 {
                let buffer = buffers &+ UInt64(old + space * oldSize)
                rings.append((buffer, buffer &+ UInt64(oldIndex), oldCapacity))
            }
            return try rings.map { (items, indexField, capacity) throws(MemoryError) -> UInt64 in
                let index = Int(try memory.load(Int8.self, at: indexField))
                guard index >= 0, index < capacity else {
                    throw MemoryError.limitExceeded(what: "gc stats ring index", value: index, limit: capacity)
                }
                return items &+ UInt64(index * size)
            }
        } catch {
            throw .memory(error)
        }
    }

    public func collectorState(memory: any MemoryReader) throws(ReaderError) -> CollectorState {
        let g = layout.gc, at = gcState
        func int32(_ address: UInt64) throws(ReaderError) -> Int {
            do { return Int(try memory.load(Int32.self, at: address)) } catch { throw .memory(error) }
        }
        func int64(_ address: UInt64) throws(ReaderError) -> Int {
            do { return Int(try memory.load(Int64.self, at: address)) } catch { throw .memory(error) }
        }
        var thresholds: [Int] = [], counts: [Int] = [], stats: [GenerationStats] = []
        let entries = try statsEntries(memory: memory)
        for index in 0..<g.generationCount {
            let generation = at.generations &+ UInt64(index * g.generationSize)
            thresholds.append(try int32(generation &+ UInt64(g.generationThreshold)))
            counts.append(try int32(generation &+ UInt64(g.generationCountField)))
            if index < entries.count, let collections = g.statsCollections, let collected = g.statsCollected,
               let uncollectable = g.statsUncollectable {
                let base = entries[index]
                stats.append(GenerationStats(collections: try int64(base &+ UInt64(collections)),
                                             collected: try int64(base &+ UInt64(collected)),
                                             uncollectable: try int64(base &+ UInt64(uncollectable))))
            }
        }
        let collector = CollectorState(enabled: try int32(at.enabled) != 0, debugFlags: try int32(at.debug), thresholds: thresholds,
                                       counts: counts, stats: stats, collecting: try int32(at.collecting) != 0,
                                       listNames: layout.collectorListNames)
        guard thresholds.allSatisfy({ $0 >= 0 }), counts.allSatisfy({ $0 >= 0 }) else {
            throw .inconsistent("gc state at 0x\(hex(at.generations)) has negative thresholds or counts; wrong layout?")
        }
        return collector
    }

    /// Reads the whole census and, with `findCollectable`, what the next full collection would free.
    /// `strict` (the target is paused) turns any broken link into an error; without it, broken lists
    /// are cut short and counted in `issues`. Throws `.collectionInProgress` when the collector is
    /// running and `strict` is set: the caller resumes the target briefly and tries again.
    public func capture(memory: CachedMemory, keepGenerationObjects: Bool, findCollectable: Bool = false,
                        strict: Bool, traversal: TraversalOptions = TraversalOptions()) throws(ReaderError) -> HeapCapture {
        var lists = try readLists(memory: memory, keepObjects: keepGenerationObjects || findCollectable, strict: strict)
        return analyse(&lists, memory: memory, findCollectable: findCollectable, keepGenerationObjects: keepGenerationObjects,
                       traversal: traversal)
    }

    /// What must be read while the target is stopped: the collector's state and its lists.
    public struct Lists: Sendable {
        var collector: CollectorState
        var generations: [TypeCensus]
        /// Every object of generations 0-2 (empty unless the walk was asked to keep them).
        var tracked: TrackedObjects
        var permanent: TypeCensus
        var permanentImmortal: Int
        /// The permanent generation's objects, kept with the others (`gc.freeze()`'s, for retention).
        var frozen = TrackedObjects()
        var garbage: TypeCensus
        var issues: ScanIssues
        var phases: [(name: String, seconds: Double)]
    }

    /// How the walk marks the permanent generation's objects (they are never part of the collected graph).
    static let permanentMarker: UInt8 = 3

    /// Step 1, while paused: walks every generation, the permanent generation and `gc.garbage`
    /// (with `keepObjects`, keeping every object's address for the analysis).
    public func readLists(memory: CachedMemory, keepObjects: Bool, strict: Bool,
                          progress: ProgressHandler? = nil) throws(ReaderError) -> Lists {
        var clock = PhaseClock()
        let collector = try collectorState(memory: memory)
        if collector.collecting && strict { throw .collectionInProgress(attempts: 1) }
        var issues = ScanIssues()
        if collector.collecting { issues.notes.append("a collection was running; lists may be incomplete") }
        var walker = GCListWalker(memory: memory, layout: layout, strict: strict)
        walker.progress = progress
        let g = layout.gc
        var generations: [TypeCensus] = []
        var tracked = TrackedObjects()
        if keepObjects {
            // No object takes less than 32 bytes with its gc header: reserving for the largest count
            // the copy could hold costs address space only (untouched pages are never resident) and
            // spares the walk the regrowth copies.
            tracked.reserve(memory.bytesCopied / 32)
        }
        for index in 0..<g.generationCount {
            let head = gcState.generations &+ UInt64(index * g.generationSize)
            let result = try walker.walk(head: head, label: "generation \(index)", generation: keepObjects ? UInt8(index) : nil,
                                         into: &tracked)
            generations.append(result.census)
            issues.unreadableObjects += result.unreadable
            issues.truncatedLists += result.truncated ? 1 : 0
        }
        var none = TrackedObjects()
        // From 3.12 the collector moves immortal objects it meets to the permanent generation too.
        // Before 3.7 there is none (no gc.freeze()): an empty census.
        var permanent = GCListWalker.Result()
        if let head = gcState.permanentGeneration {
            permanent = try walker.walk(head: head, label: "permanent generation", generation: keepObjects ? Self.permanentMarker : nil,
                                        countImmortal: layout.hasImmortalObjects, into: &none)
        }
        issues.unreadableObjects += permanent.unreadable
        issues.truncatedLists += permanent.truncated ? 1 : 0
        let garbage = try readGarbage(objects: ObjectReader(memory: memory, layout: layout), issues: &issues)
        clock.mark("walk")
        var lists = Lists(collector: collector, generations: generations, tracked: tracked, permanent: permanent.census,
                          permanentImmortal: permanent.immortal, garbage: garbage, issues: issues, phases: clock.phases)
        lists.frozen = none
        return lists
    }

    /// Step 2, possibly after the target was resumed (from a sealed copy): the collectable analysis
    /// and the type names. Never fails: what cannot be read is counted and reported.
    /// Without `keepGenerationObjects` the object lists in `lists` are dropped as soon as the
    /// analysis has taken what it needs (on a large heap they are a good part of pyinspect's memory).
    /// With `recordObjects` (implies `findCollectable`) the capture carries every object with its
    /// size and references (`HeapCapture.objects`, for snapshots).
    public func analyse(_ lists: inout Lists, memory: CachedMemory, findCollectable: Bool, keepGenerationObjects: Bool,
                        recordObjects: Bool = false, why: WhyQuery? = nil, top: TopQuery? = nil, includeUntracked: Bool = false,
                        recordPaths: Bool = false, traversal: TraversalOptions = TraversalOptions(),
                        progress: ProgressHandler? = nil) -> HeapCapture {
        var clock = PhaseClock()
        var issues = lists.issues
        var collectable: CollectableSet?
        var objects: HeapObjects?
        var whyReport: WhyReport?
        var topSummary: RetentionSummary?
        var paths: HeapPaths?
        if findCollectable || recordObjects || why != nil || top != nil {
            var analysis = CollectableAnalysis(memory: memory, layout: layout, symbols: symbols)
            analysis.interpreter = interpreter
            analysis.progress = progress
            analysis.traversal = traversal
            analysis.traversal.threadPointer = threadPointer
            analysis.traversal.libcFunctions = libcFunctions
            analysis.frozen = includeUntracked ? lists.frozen.addresses : []
            analysis.frozenTypes = includeUntracked ? lists.frozen.types : []
            let outcome = analysis.run(objects: &lists.tracked, generations: lists.generations, keepObjects: keepGenerationObjects,
                                       recordObjects: recordObjects, why: why, top: top, includeUntracked: includeUntracked,
                                       recordPaths: recordPaths, clock: &clock)
            (collectable, objects, whyReport, topSummary, paths) = (outcome.set, outcome.objects, outcome.why, outcome.top, outcome.paths)
        }
        if keepGenerationObjects {
            for index in lists.generations.indices {
                lists.generations[index].objects = lists.tracked.objects(inGeneration: UInt8(index))
            }
        }
        lists.tracked = TrackedObjects()
        lists.frozen = TrackedObjects()
        let generations = lists.generations
        let namer = TypeNamer(objects: ObjectReader(memory: memory, layout: layout))
        for census in generations + [lists.permanent, lists.garbage] + (collectable.map { [$0.census] } ?? []) {
            for type in census.byType.keys { namer.info(for: type) }
        }
        if let collectable {
            for type in collectable.coverage.inexactByType.keys { namer.info(for: type) }
            for group in collectable.cycles { for type in group.byType.keys { namer.info(for: type) } }
        }
        if let whyReport {
            // Classes on the paths are printed by name.
            for group in whyReport.groups {
                for step in group.steps {
                    namer.info(for: step.object.type)
                    if RetainerAnalysis.isType(step.object.type, memory: memory, layout: layout) { namer.info(for: step.object.address) }
                }
            }
            for type in whyReport.types { namer.info(for: type) }
            for step in whyReport.garbageCycle?.path ?? [] { namer.info(for: step.object.type) }
        }
        if let topSummary {
            for object in topSummary.top + topSummary.suspects { namer.info(for: object.type) }
            for row in topSummary.types + topSummary.suspectTypes { namer.info(for: row.type) }
            for group in Array(topSummary.paths.values) + Array(topSummary.typePaths.values) + topSummary.rootRows {
                for step in group.steps {
                    namer.info(for: step.object.type)
                    if RetainerAnalysis.isType(step.object.type, memory: memory, layout: layout) { namer.info(for: step.object.address) }
                }
            }
        }
        if paths != nil, let objects {
            // A snapshot answers `why` later: every type is named, and every class (printed by its name on a path).
            let types = Set(objects.types)
            let classTypes = types.filter { RetainerAnalysis.isType($0, memory: memory, layout: layout) }
            for type in types { namer.info(for: type) }
            for (address, type) in zip(objects.addresses, objects.types) where classTypes.contains(type) { namer.info(for: address) }
        }
        if namer.unreadable > 0 { issues.notes.append("\(namer.unreadable) type object(s) could not be read") }
        clock.mark("names")
        var capture = HeapCapture(collector: lists.collector, generations: generations, permanent: lists.permanent,
                                  garbage: lists.garbage, collectable: collectable, types: namer.types, issues: issues)
        capture.objects = objects
        capture.why = whyReport
        capture.top = topSummary
        capture.paths = paths
        capture.permanentImmortal = lists.permanentImmortal
        capture.phases = lists.phases + clock.phases
        return capture
    }

    /// `gc.garbage`: a plain list. NULL (interpreter finalizing) reads as empty.
    private func readGarbage(objects: ObjectReader, issues: inout ScanIssues) throws(ReaderError) -> TypeCensus {
        let memory = objects.memory
        var census = TypeCensus(objects: [])
        try asReaderError {
            let list = try memory.pointer(at: gcState.garbage)
            guard list != 0 else { return }
            let size = try memory.load(Int64.self, at: list &+ UInt64(layout.object.size))
            guard size >= 0, size <= Int64(ReadLimits.maxContainerItems) else {
                throw ReaderError.inconsistent("gc.garbage claims \(size) items")
            }
            guard size > 0 else { return }
            let items = try memory.pointer(at: list &+ UInt64(layout.list.items))
            let raw = try memory.bytes(at: items, count: Int(size) * 8, limit: ReadLimits.maxContainerItems * 8)
            for index in 0..<Int(size) {
                let object = raw[index * 8..<index * 8 + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                guard let type = try? objects.typeOf(object) else {
                    issues.unreadableObjects += 1
                    continue
                }
                census.count += 1
                census.byType[type, default: 0] += 1
                census.objects!.append(ObjectRef(address: object, type: type))
            }
        }
        return census
    }
}

/// Runs `body`, which may fail with memory or reader errors, and reports every failure as a `ReaderError`.
func asReaderError<T>(_ body: () throws -> T) throws(ReaderError) -> T {
    do {
        return try body()
    } catch let error as ReaderError {
        throw error
    } catch let error as MemoryError {
        throw .memory(error)
    } catch {
        throw .inconsistent("\(error)")
    }
}

/// Times consecutive phases with the monotonic clock.
struct PhaseClock {
    private(set) var phases: [(name: String, seconds: Double)] = []
    private var last = PhaseClock.now()

    mutating func mark(_ name: String) {
        let now = PhaseClock.now()
        phases.append((name, now - last))
        last = now
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
