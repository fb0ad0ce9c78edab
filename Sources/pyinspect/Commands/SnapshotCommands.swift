import ArgumentParser
import HeapModel
import HeapRendering
import RemoteMemory
import SnapshotStore

extension PyInspect {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a snapshot file as JSON lines (for jq): one record per type, object, gc.garbage entry and cycle shape.")

        @Argument(help: "A snapshot file written by `pyinspect snapshot`.")
        var file: String

        @Option(name: .long, help: "Output format: json (JSON lines).")
        var format: ExportFormat = .json

        enum ExportFormat: String, ExpressibleByArgument { case json }

        func run() throws {
            let snapshot: HeapSnapshot
            do { snapshot = try loadSnapshot(file) } catch { fail(error) }
            SnapshotJSONLines.write(snapshot) { writeStdout($0) }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two snapshots: growth by type, new objects still alive, new collectable garbage.",
            discussion: "Objects are the same in both snapshots only when address and type match. The process is not needed.")

        @Argument(help: "The earlier snapshot.")
        var before: String

        @Argument(help: "The later snapshot.")
        var after: String

        @Option(name: .long, help: "Output format: text or json (schema pyinspect-diff/1, docs/snapshot-schema.md).")
        var format: DiffFormat = .text

        @Option(name: .long, parsing: .unconditional, help: "How many types to show per section in text output.")
        var top = 20

        @Flag(name: .long, help: "Show every type.")
        var all = false

        @Flag(name: .long, help: "Name types as module.qualname.")
        var qualified = false

        enum DiffFormat: String, ExpressibleByArgument { case text, json }

        func validate() throws {
            if top < 1 { throw ValidationError("--top \(top): show at least 1 type per section (--all shows every type)") }
        }

        func run() throws {
            // The two files are read at once, one per core: reading (and checking) every object's
            // references is most of a diff's time.
            let paths = [before, after]
            let read = Parallel.map(shares: 2) { index in Result { () throws(ReportedError) in try loadSnapshot(paths[index]) } }
            let a: HeapSnapshot, b: HeapSnapshot
            do throws(ReportedError) {
                (a, b) = (try read[0].get(), try read[1].get())
            } catch {
                fail(error)
            }
            let naming: TypeNaming = qualified ? .qualified : .name
            var diff = HeapDiff(from: a, to: b, naming: naming)
            // Which paths hold the new objects: the second snapshot's heap index, when it has one.
            var retainers: HeapReport?
            if diff.sameProcess, b.paths != nil, let index = try? SnapshotHeapIndex(b, path: after) {
                diff.newRetainers = index.groups(diff.newLiveNodes)
                retainers = index.report
            }
            let renderer = DiffRenderer(options: RenderOptions(naming: naming, topTypes: all ? nil : top))
            switch format {
            case .text: writeStdout(renderer.text(diff, before: label(before, a), after: label(after, b), paths: retainers))
            case .json: writeStdout(renderer.json(diff, before: before, after: after, paths: retainers))
            }
        }

        private func label(_ path: String, _ snapshot: HeapSnapshot) -> String {
            "\(path) (pid \(snapshot.meta["pid"] ?? "?"), \(snapshot.meta["python_version"] ?? "?"))"
        }
    }
}

/// Reads a snapshot, or says in one line with its documented code why not. References are always
/// read and checked, also for `diff`, which does not use them: so `diff` and `export` call the same
/// files damaged.
func loadSnapshot(_ path: String) throws(ReportedError) -> HeapSnapshot {
    do {
        return try SnapshotFile.read(path, references: true)
    } catch {
        switch error {
        case .unsupportedSchema: throw ReportedError(exit: .newerSnapshot, message: error.description)
        default: throw ReportedError(exit: .badSnapshot, message: error.description)
        }
    }
}
