import ArgumentParser
import HeapModel
import HeapRendering

@main
struct PyInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pyinspect",
        abstract: "Look inside a running CPython process from the outside and show what its garbage collector holds.",
        discussion: """
        pyinspect reads the interpreter's memory (process_vm_readv) while every thread is briefly \
        stopped with ptrace; it never writes to the target and never runs code in it.
        Exit codes: \(PyInspectExit.allCases.map { "\($0.rawValue) \($0.meaning)" }.joined(separator: "; ")).
        """,
        version: "0.1.0",
        // Room for what comes next: snapshot, diff, watch, check, stack, tasks.
        subcommands: [Attach.self, Snapshot.self, Diff.self, Export.self, Watch.self, Check.self, Doctor.self, Demo.self, Fuzz.self]
    )
}

/// Output choices shared by every command that prints a report.
struct ReportOptions: ParsableArguments {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, dot, svg
    }

    @Option(name: .long, help: "Output format: text, json (schema in docs/json-schema.md), or dot/svg (one cycle as a graph, see --cycle).")
    var format: Format = .text

    @Option(name: .long, help: "With --format dot or svg: which cycle shape to draw (1 = the largest).")
    var cycle = 1

    @Flag(name: .long, help: "Show every type, not only the most common ones.")
    var all = false

    @Option(name: .long, help: "How many types to show per section in text output.")
    var top = 20

    @Flag(name: .long, help: "Print one `gc: uncollectable <type 0x...>` line per object of gc.garbage and one `gc: collectable <type 0x...>` line per collectable object.")
    var list = false

    @Flag(name: .long, help: "Name types as module.qualname (heap types) instead of type(o).__name__.")
    var qualified = false

    @Flag(name: .long, help: "Show values from the target (dict keys in cycle paths, at most 32 characters). Off by default: they may be secrets.")
    var values = false

    var rendering: RenderOptions {
        RenderOptions(naming: qualified ? .qualified : .name, topTypes: all ? nil : top, listObjects: list, showValues: values)
    }

    func validate() throws {
        if top < 1 { throw ValidationError("--top must be at least 1") }
        if cycle < 1 { throw ValidationError("--cycle must be at least 1") }
    }
}

/// Whether and how long the target may be stopped.
struct PauseOptions: ParsableArguments {
    @Flag(name: .long, help: "Read without stopping the target (the result is marked approximate).")
    var noPause = false

    @Option(name: .long, help: "The longest the target may be stopped (e.g. 500ms, 5s); a read that needs longer is abandoned and the target resumed (exit 24).")
    var maxPause: Interval = Interval(seconds: 5)

    /// Inspection options with these choices, and SIGINT/SIGTERM turned into a clean stop.
    func inspection() -> InspectionOptions {
        StopRequest.install()
        var options = InspectionOptions()
        options.pause = !noPause
        options.maxPauseSeconds = maxPause.seconds
        return options
    }
}

/// How to read the target.
struct ReadOptions: ParsableArguments {
    @OptionGroup var pause: PauseOptions

    @Flag(name: .long, help: "Census only: skip finding what the next full collection would free.")
    var noCycles = false
}
