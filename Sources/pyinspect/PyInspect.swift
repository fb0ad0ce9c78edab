import ArgumentParser
import Glibc
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
        subcommands: [Attach.self, Why.self, Top.self, Snapshot.self, Diff.self, Export.self, Watch.self, Check.self, Doctor.self, Demo.self, Fuzz.self]
    )

    /// The argument parser's own `main`, except that a usage error is one line like every other
    /// error (`pyinspect: ...`), pointing at `--help` for the rest.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help, --version: the full text, as the parser writes it.
                writeStdout(fullMessage(for: error) + "\n")
                Glibc.exit(0)
            }
            if error is ExitCode { Glibc.exit(code.rawValue) }  // already reported in one line
            writeStderr("pyinspect: \(usageLine(for: error, arguments: arguments))")
            Glibc.exit(code.rawValue)
        }
    }

    /// The parser's message folded into one line, with the `--help` of the command it was for.
    static func usageLine(for error: any Error, arguments: [String]) -> String {
        let message = message(for: error)
            .split(whereSeparator: \.isNewline).map { String($0.drop(while: \.isWhitespace)) }.filter { !$0.isEmpty }
            .joined(separator: "; ")
        let names = configuration.subcommands.map { $0._commandName }
        let command = arguments.first.flatMap { names.contains($0) ? "pyinspect \($0)" : nil } ?? "pyinspect"
        let text = message.isEmpty ? "invalid arguments" : message.prefix(1).lowercased() + message.dropFirst()
        return "\(text) (see `\(command) --help`)"
    }
}

/// Output choices shared by every command that prints a report.
struct ReportOptions: ParsableArguments {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, dot, svg
    }

    @Option(name: .long, help: "Output format: text, json (schema in docs/json-schema.md), or dot/svg (one cycle as a graph, see --cycle).")
    var format: Format = .text

    @Option(name: .long, parsing: .unconditional,
            help: "Cycle shape N only (1 = the most memory held): the one drawn by --format dot/svg (default 1), the only one in text and JSON output.")
    var cycle: Int?

    @Flag(name: .long, help: "Show every type, not only the most common ones.")
    var all = false

    @Option(name: .long, parsing: .unconditional, help: "How many types to show per section in text output.")
    var top = 20

    @Flag(name: .long, help: "Print one `gc: uncollectable <type 0x...>` line per object of gc.garbage and one `gc: collectable <type 0x...>` line per collectable object.")
    var list = false

    @Flag(name: .long, help: "Name types as module.qualname (heap types) instead of type(o).__name__.")
    var qualified = false

    @Flag(name: .long, help: "Show values from the target (dict keys in cycle paths, at most 32 characters). Off by default: they may be secrets.")
    var values = false

    var rendering: RenderOptions {
        RenderOptions(naming: qualified ? .qualified : .name, topTypes: all ? nil : top, listObjects: list, showValues: values,
                      cycle: cycle)
    }

    func validate() throws {
        if top < 1 { throw ValidationError("--top \(top): show at least 1 type per section (--all shows every type)") }
        if let cycle, cycle < 1 { throw ValidationError("--cycle \(cycle): shapes are numbered from 1 (the most memory held)") }
    }

    /// What cannot be combined with a census-only read.
    func validate(findingCollectable: Bool) throws {
        guard !findingCollectable else { return }
        if format == .dot || format == .svg {
            throw ValidationError("--format \(format.rawValue) draws a cycle; it cannot be combined with --no-cycles")
        }
        if cycle != nil { throw ValidationError("--cycle names a cycle shape; it cannot be combined with --no-cycles") }
    }
}

/// Whether and how long the target may be stopped.
struct PauseOptions: ParsableArguments {
    @Flag(name: .long, help: "Read without stopping the target (the result is marked approximate).")
    var noPause = false

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("The longest the target may be stopped, with a unit (e.g. 500ms, 5s); a read that needs longer is abandoned and the target resumed (exit 24).", valueName: "duration"),
            transform: Interval.pauseLimit)
    var maxPause: Interval?

    var maxPauseSeconds: Double { maxPause?.seconds ?? 5 }

    func validate() throws {
        if noPause && maxPause != nil {
            throw ValidationError("--max-pause limits how long the target is stopped and --no-pause never stops it: give one or the other")
        }
    }

    /// Inspection options with these choices, and SIGINT/SIGTERM turned into a clean stop.
    func inspection() -> InspectionOptions {
        StopRequest.install()
        var options = InspectionOptions()
        options.pause = !noPause
        options.maxPauseSeconds = maxPauseSeconds
        return options
    }
}

/// How to read the target.
struct ReadOptions: ParsableArguments {
    @OptionGroup var pause: PauseOptions

    @Flag(name: .long, help: "Census only: skip finding what the next full collection would free.")
    var noCycles = false

    @Flag(name: .long, help: "Do not run the target's own tp_traverse in the emulator for types pyinspect has no plan for (their objects may then hide garbage).")
    var noEmulation = false
}
