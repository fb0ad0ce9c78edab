/// What one read of the collector found: its state and every census. Produced by the heap reader
/// from memory alone, with no idea of pids or pauses.
public struct HeapCapture: Sendable {
    public var collector: CollectorState
    /// Generations 0, 1, 2.
    public var generations: [TypeCensus]
    /// Objects moved out of collection by `gc.freeze()` (and, from 3.12, immortal objects the collector met).
    public var permanent: TypeCensus
    /// How many of `permanent` are immortal (3.12+): put there by the collector, not by `gc.freeze()`.
    public var permanentImmortal = 0
    /// What `gc.freeze()` put in the permanent generation.
    public var frozen: Int { permanent.count - permanentImmortal }
    /// `gc.garbage`.
    public var garbage: TypeCensus
    /// Every type that appears in any census, by address.
    /// What the next full collection would free; nil when the analysis was not asked for.
    public var collectable: CollectableSet?
    /// Every tracked object of generations 0-2 with sizes and references; nil unless asked for (snapshots).
    public var objects: HeapObjects?
    /// The retainer paths `why` asked for; nil unless asked.
    public var why: WhyReport?
    /// What `top` asked for: the ranking of the live heap with paths; nil unless asked.
    public var top: RetentionSummary?
    /// What a snapshot keeps to answer `why` and `top` later; nil unless asked.
    public var paths: HeapPaths?
    public var types: [UInt64: TypeInfo]
    public var issues: ScanIssues
    /// Seconds spent in each phase of the read, in order (for benchmarks and `--format json`).
    public var phases: [(name: String, seconds: Double)] = []

    public init(collector: CollectorState, generations: [TypeCensus], permanent: TypeCensus, garbage: TypeCensus,
                collectable: CollectableSet? = nil, types: [UInt64: TypeInfo], issues: ScanIssues) {
        self.collector = collector
        self.generations = generations
        self.permanent = permanent
        self.garbage = garbage
        self.collectable = collectable
        self.types = types
        self.issues = issues
    }

    /// All generations together (what `gc.get_objects()` returns).
    public var tracked: TypeCensus {
        var total = TypeCensus()
        for generation in generations {
            total.count += generation.count
            total.byType.merge(generation.byType, uniquingKeysWith: +)
        }
        return total
    }
}

/// Everything one `attach` learned, ready for any renderer: who was read and how, and what was found.
/// Renderers see only this, never a reader.
@dynamicMemberLookup
public struct HeapReport: Sendable {
    public var target: TargetSummary
    public var capture: HeapCapture

    public init(target: TargetSummary, capture: HeapCapture) {
        self.target = target
        self.capture = capture
    }

    /// `report.generations`, `report.garbage`, ... read through to the capture.
    public subscript<Value>(dynamicMember path: KeyPath<HeapCapture, Value>) -> Value { capture[keyPath: path] }
}

/// Who was inspected and how.
public struct TargetSummary: Sendable {
    public var pid: Int32
    public var executable: String
    public var pythonLibrary: String?
    public var version: String
    /// Where the version came from, e.g. "Py_Version in libpython3.12.so.1.0".
    public var versionSource: String
    /// "shared libpython" or "static".
    public var buildKind: String
    public var stripped: Bool
    /// Which layout table was used and where its numbers came from.
    public var layout: String
    public var pause: PauseSummary
    /// Bytes copied out of the target and the batched reads that did it.
    public var bytesCopied: Int
    public var readCalls: Int
    public var wallSeconds: Double
    /// The pid as the target's own pid namespace numbers it (a container), when it differs.
    public var namespacePid: Int32?

    public init(pid: Int32, executable: String, pythonLibrary: String?, version: String, versionSource: String,
                buildKind: String, stripped: Bool, layout: String, pause: PauseSummary, bytesCopied: Int, readCalls: Int,
                wallSeconds: Double) {
        self.pid = pid
        self.executable = executable
        self.pythonLibrary = pythonLibrary
        self.version = version
        self.versionSource = versionSource
        self.buildKind = buildKind
        self.stripped = stripped
        self.layout = layout
        self.pause = pause
        self.bytesCopied = bytesCopied
        self.readCalls = readCalls
        self.wallSeconds = wallSeconds
    }
}

/// How the target was held still while it was read.
public struct PauseSummary: Sendable {
    /// False with `--no-pause`: the result is then approximate.
    public var paused: Bool
    /// Total time the target was held, over all attempts, from the start of stopping to the end
    /// of resuming (`seconds - resumeSeconds` is what `--max-pause` bounds).
    public var seconds: Double
    /// The part of `seconds` spent resuming (detaching every thread).
    public var resumeSeconds: Double
    public var threads: Int
    /// Attempts needed (a collection in progress makes pyinspect resume and try again).
    public var attempts: Int

    public init(paused: Bool, seconds: Double, resumeSeconds: Double = 0, threads: Int, attempts: Int) {
        self.paused = paused
        self.seconds = seconds
        self.resumeSeconds = resumeSeconds
        self.threads = threads
        self.attempts = attempts
    }

    public var approximate: Bool { !paused }
}

/// What could not be read and was counted instead of trusted.
public struct ScanIssues: Sendable, Equatable {
    /// Objects whose header or type could not be read.
    public var unreadableObjects: Int
    /// Lists whose walk stopped early (broken or moving links); only possible without a pause.
    public var truncatedLists: Int
    public var notes: [String]

    public init(unreadableObjects: Int = 0, truncatedLists: Int = 0, notes: [String] = []) {
        self.unreadableObjects = unreadableObjects
        self.truncatedLists = truncatedLists
        self.notes = notes
    }

    public var isEmpty: Bool { unreadableObjects == 0 && truncatedLists == 0 && notes.isEmpty }
}
