import CPythonLayouts
import Glibc
import HeapModel
import LinuxTarget
import PyHeapReader
import RemoteMemory

/// How `attach` reads a live process.
struct InspectionOptions {
    /// Stop every thread while reading (default). Without it the result is approximate.
    var pause = true
    /// Keep every generation's object addresses (not needed for the census).
    var keepGenerationObjects = false
    /// Work out what the next full collection would free (reads every tracked object).
    var findCollectable = true
    /// Keep every object with its size and references in the report (for snapshots).
    var recordObjects = false
    /// The retainer paths of these objects (`why`).
    var why: WhyQuery?
    /// The ranking of the live heap by retained size, with paths (`top`).
    var top: TopQuery?
    /// Also record the untracked objects tracked ones reach, with their sizes (`top`, `why`).
    var includeUntracked = false
    /// Also record what a snapshot needs to answer `why` and `top` later (with `includeUntracked`).
    var recordPaths = false
    /// A target caught in the middle of a collection is resumed and read again, this many times at most.
    var maxAttempts = 25
    var retryDelaySeconds = 0.02
    /// The longest the target may stay stopped for one read, all attempts together (PauseBudget).
    var maxPauseSeconds = 5.0
    /// Stop with `.interrupted` once the target is resumed if SIGINT/SIGTERM arrived (`watch` handles it itself).
    var stopOnInterrupt = true
    /// Types without a native plan traversed by their own tp_traverse in the emulator; `--verify-traversal`.
    var traversal = TraversalOptions()
}

/// Glue between the live process (LinuxTarget) and the heap reader (PyHeapReader): open, find the
/// interpreter, pause, read, resume. All ptrace calls happen on this (the calling) thread, as the
/// kernel requires of a tracer.
enum LiveInspection {
    static func run(pid: Int32, options: InspectionOptions) throws(ReportedError) -> HeapReport {
        let started = monotonicSeconds()
        let progress = ProgressLine()
        defer { progress.finish() }
        let image: TargetImage
        do {
            image = try TargetProcess.open(pid: pid)
        } catch {
            throw describe(error, pid: pid)
        }
        let live = ProcessMemory(pid: pid)
        let reader: HeapReader
        do {
            reader = try HeapReader.prepare(image: image, memory: live)
        } catch {
            throw describe(error, pid: pid)
        }

        // Every attempt's pause counts against one limit.
        var budget = PauseBudget(limitSeconds: options.maxPauseSeconds)
        var threads = 0
        var phases = [("attach", monotonicSeconds() - started)]
        for attempt in 1...options.maxAttempts {
            // Fault in local memory for the copy before the pause, sized from the mappings as they are now.
            var phaseStart = monotonicSeconds()
            let plan = options.pause ? PausedCopy.plan(pid: pid) : nil
            let arena = plan.flatMap { CopyArena(bytes: $0.bytes) }
            phases.append(("prefault", monotonicSeconds() - phaseStart))
            phaseStart = monotonicSeconds()
            if options.stopOnInterrupt {
                if StopRequest.requested { throw interrupted(pid) }
                StopRequest.install()
            }
            let snapshot: CachedMemory
            if let plan {
                (snapshot, threads) = try PausedCopy.take(pid: pid, live: live, plan: plan, arena: arena, budget: &budget)
            } else {
                do {
                    snapshot = CachedMemory(base: live, regions: ProcMaps.regions(try ProcMaps.read(pid: pid)))
                } catch {
                    throw describe(error, pid: pid)
                }
            }
            phases.append(("copy", monotonicSeconds() - phaseStart))
            if options.stopOnInterrupt {
                if StopRequest.requested { throw interrupted(pid) }
                StopRequest.restoreDefault()
            }
            let result: Result<HeapReader.Lists, ReaderError>
            do {
                result = .success(try reader.readLists(memory: snapshot,
                                                       keepObjects: options.findCollectable || options.keepGenerationObjects || options.recordObjects,
                                                       strict: options.pause, progress: progress.handler))
            } catch {
                result = .failure(error)
            }
            // Consumed: the analysis frees the object lists as it goes, which a second copy would keep alive.
            switch consume result {
            case var .success(lists):
                var capture = reader.analyse(&lists, memory: snapshot, findCollectable: options.findCollectable,
                                             keepGenerationObjects: options.keepGenerationObjects,
                                             recordObjects: options.recordObjects, why: options.why, top: options.top,
                                             includeUntracked: options.includeUntracked, recordPaths: options.recordPaths, traversal: options.traversal,
                                             progress: progress.handler)
                // Retried attempts add up under one name each.
                var merged: [(name: String, seconds: Double)] = []
                for (name, time) in phases {
                    if let at = merged.firstIndex(where: { $0.name == name }) { merged[at].seconds += time } else { merged.append((name, time)) }
                }
                capture.phases = merged + capture.phases
                var target = TargetSummary(
                    pid: pid, executable: image.executable, pythonLibrary: image.pythonLibrary,
                    version: reader.detected.display, versionSource: reader.detected.source,
                    buildKind: image.pythonLibrary == nil ? "static" : "shared libpython",
                    stripped: !image.hasSymbolTable, layout: "\(reader.layout.series) (\(reader.layout.source))",
                    pause: PauseSummary(paused: options.pause, seconds: budget.heldSeconds, resumeSeconds: budget.resumeSeconds,
                                        threads: threads, attempts: attempt),
                    bytesCopied: snapshot.bytesCopied, readCalls: snapshot.blockReads,
                    wallSeconds: monotonicSeconds() - started)
                target.namespacePid = AccessCheck.namespacePid(of: pid)
                return HeapReport(target: target, capture: capture)
            case .failure(.collectionInProgress) where attempt < options.maxAttempts:
                // Let the collection finish, then read again.
                usleep(UInt32(options.retryDelaySeconds * 1_000_000))
            case .failure(.collectionInProgress):
                throw describe(ReaderError.collectionInProgress(attempts: attempt), pid: pid)
            case .failure(.inconsistent) where options.pause && attempt < Self.inconsistentRetries:
                // A thread stopped between the two stores that link an object into a gc list (an
                // allocation or a free in progress) leaves the list broken for a few instructions:
                // let it run a millisecond and read again. A heap that stays broken is reported.
                usleep(1000)
            case let .failure(error):
                throw describe(error, pid: pid)
            }
        }
        throw ReportedError(exit: .internalError, message: "unreachable: no attempt was made")
    }

    /// Reads of a paused target whose gc lists were caught mid-update, before giving up.
    static let inconsistentRetries = 5

    static func interrupted(_ pid: Int32) -> ReportedError {
        ReportedError(exit: .interrupted, message: "pid \(pid): interrupted; the target is running")
    }

    /// One line and an exit code for anything the layers below can throw.
    static func describe(_ error: any Error, pid: Int32) -> ReportedError {
        switch error {
        case let error as ReportedError:
            return error
        case let error as TargetError:
            return ReportedError(exit: exitCode(for: error), message: error.description)
        case let error as ReaderError:
            switch error {
            case .notPython: return ReportedError(exit: .notPython, message: "pid \(pid): \(error)")
            case .unsupportedVersion: return ReportedError(exit: .unsupportedVersion, message: "pid \(pid): \(error)")
            case .freeThreaded: return ReportedError(exit: .freeThreaded, message: "pid \(pid): \(error)")
            case .layoutMismatch: return ReportedError(exit: .layoutMismatch, message: "pid \(pid): \(error)")
            case .collectionInProgress, .inconsistent:
                return ReportedError(exit: .inconsistentMemory, message: "pid \(pid): \(error)")
            case let .memory(memoryError):
                return describe(memoryError, pid: pid)
            }
        case let error as MemoryError:
            switch error {
            case .processGone:
                return ReportedError(exit: .processExited, message: "pid \(pid): the process exited while it was being read")
            case .permissionDenied:
                return ReportedError(exit: .permissionDenied, message: "pid \(pid): \(error); \(TargetError.permissionHint())")
            default:
                return ReportedError(exit: .inconsistentMemory, message: "pid \(pid): \(error)")
            }
        default:
            return ReportedError(exit: .internalError, message: "pid \(pid): \(error)")
        }
    }
}

/// The exit code for each way opening or pausing a process can fail.
func exitCode(for error: TargetError) -> PyInspectExit {
    switch error {
    case .noSuchProcess: return .noSuchProcess
    case .processGone, .zombie: return .processExited
    case .kernelThread: return .notPython
    case .permissionDenied, .alreadyTraced: return .permissionDenied
    case .stopTimedOut: return .pauseLimit
    case .notReadable, .ptraceFailed, .threadsKeepAppearing: return .inconsistentMemory
    }
}

func monotonicSeconds() -> Double {
    Double(MonotonicClock.nanoseconds()) / 1e9
}
