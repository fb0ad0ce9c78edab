import ArgumentParser
import HeapModel
import HeapRendering
import OutputFiles
import SnapshotStore

extension PyInspect {
    struct Snapshot: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Save the heap index of a running Python process (every object, its size, references and path from a root) to a SQLite file.",
            discussion: """
            The file's schema (pyinspect-snapshot/2) is documented in docs/snapshot-schema.md: query it with \
            the sqlite3 CLI or Python's sqlite3 module, compare two with `pyinspect diff`, ask it `pyinspect why \
            FILE TYPE` or `pyinspect top FILE` (the same answers as from the process). With several \
            processes, FILE must contain {pid}.
            """)

        @OptionGroup var targets: TargetSelection

        @Option(name: [.short, .long], help: "The snapshot file to write: a new or replaced regular file (atomically, mode 0600), a character device or a FIFO with a reader; {pid} is replaced by each pid.")
        var output: String

        @OptionGroup var pause: PauseOptions

        @Flag(name: .long, help: "Keep values from the target (dict keys in cycle and retainer paths). Off by default: they may be secrets.")
        var values = false

        func validate() throws {
            if targets.isMultiple, !output.contains("{pid}") {
                throw ValidationError("with several processes (or --children), --output must contain {pid}")
            }
        }

        func run() throws {
            var options = pause.inspection()
            options.recordObjects = true
            options.includeUntracked = true
            options.recordPaths = true
            func path(_ process: SelectedProcess) -> String {
                output.split(separator: "{pid}", omittingEmptySubsequences: false).joined(separator: String(process.pid))
            }
            // Before the target is read: a destination that cannot take the file never pauses it.
            let prepare = { (process: SelectedProcess) throws(ReportedError) in
                do { try OutputDestination.check(path(process)) } catch { throw ReportedError(exit: .outputFailed, message: "-o \(error)") }
            }
            let outcomes = ProcessRuns.each(targets.resolve(), options: options, prepare: prepare) { process, report throws(ReportedError) in
                let started = monotonicSeconds()
                let path = path(process)
                guard let snapshot = SnapshotContent.make(from: report, showValues: values,
                                                          pyinspectVersion: PyInspect.configuration.version) else {
                    throw ReportedError(exit: .internalError, message: "pid \(process.pid): the analysis recorded no objects")
                }
                do {
                    try SnapshotFile.write(snapshot, to: path)
                } catch {
                    throw ReportedError(exit: .outputFailed, message: "pid \(process.pid): \(error)")
                }
                let collectable = report.collectable.map { ", \(grouped($0.census.count)) collectable" } ?? ""
                let took = report.target.wallSeconds + monotonicSeconds() - started
                writeStdout("pid \(process.pid): \(grouped(snapshot.objects.count)) objects\(collectable) -> \(path) "
                            + "(paused \(duration(report.target.pause.seconds)), took \(duration(took)))\n")
            }
            try ProcessRuns.finish(ProcessRuns.exit(outcomes))
        }
    }
}
