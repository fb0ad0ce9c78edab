import ArgumentParser
import HeapModel
import HeapRendering
import OutputFiles
import SnapshotStore

extension PyInspect {
    struct Snapshot: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Save every tracked object of a running Python process, with sizes and references, to a SQLite file.",
            discussion: """
            The file's schema (pyinspect-snapshot/1) is documented in docs/snapshot-schema.md: query it with \
            the sqlite3 CLI or Python's sqlite3 module, compare two with `pyinspect diff`. With several \
            processes, FILE must contain {pid}.
            """)

        @OptionGroup var targets: TargetSelection

        @Option(name: [.short, .long], help: "The snapshot file to write (replaced atomically); {pid} is replaced by each pid.")
        var output: String

        @OptionGroup var pause: PauseOptions

        @Flag(name: .long, help: "Keep values from the target (dict keys in cycle paths, at most 32 characters). Off by default: they may be secrets.")
        var values = false

        func validate() throws {
            if targets.pids.count > 1 || targets.children, !output.contains("{pid}") {
                throw ValidationError("with several processes (or --children), --output must contain {pid}")
            }
        }

        func run() throws {
            var options = pause.inspection()
            options.recordObjects = true
            var failure: ReportedError?
            for pid in targets.resolved {
                let path = output.split(separator: "{pid}", omittingEmptySubsequences: false).joined(separator: String(pid))
                do {
                    // Before the target is read: a destination that cannot take the file never pauses it.
                    do { try OutputDestination.check(path) } catch { throw ReportedError(exit: .outputFailed, message: "-o \(error)") }
                    let started = monotonicSeconds()
                    let report = try LiveInspection.run(pid: pid, options: options)
                    guard let snapshot = SnapshotContent.make(from: report, showValues: values,
                                                                    pyinspectVersion: PyInspect.configuration.version) else {
                        throw ReportedError(exit: .internalError, message: "pid \(pid): the analysis recorded no objects")
                    }
                    do {
                        try SnapshotFile.write(snapshot, to: path)
                    } catch {
                        throw ReportedError(exit: .outputFailed, message: "pid \(pid): \(error)")
                    }
                    let collectable = report.collectable.map { ", \(grouped($0.census.count)) collectable" } ?? ""
                    writeStdout("pid \(pid): \(grouped(snapshot.objects.count)) objects\(collectable) -> \(path) "
                                + "(paused \(duration(report.target.pause.seconds)), took \(duration(monotonicSeconds() - started)))\n")
                } catch {
                    let reported = LiveInspection.describe(error, pid: pid)
                    writeStderr("pyinspect: \(reported.message)")
                    failure = failure ?? reported
                }
            }
            if let failure { throw ExitCode(failure.exit.rawValue) }
        }
    }
}
