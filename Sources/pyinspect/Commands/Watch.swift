import ArgumentParser
import Glibc
import HeapModel
import HeapRendering

extension PyInspect {
    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a process every interval and print what grew: one compact block per interval, totals at the end.",
            discussion: "Ctrl-C (or SIGTERM) stops after the current read, prints the totals and exits 0; the target is never left stopped.")

        @OptionGroup var targets: TargetSelection

        @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Time between reads, with a unit: 30s, 2m, 1h (default 30s; at least 1s unless --force).", valueName: "duration"),
                transform: Interval.parse)
        var interval: Interval = Interval(seconds: 30)

        @Flag(name: .long, help: "Allow an --interval below 1s: each read stops the target, so a short interval stops it many times a second.")
        var force = false

        @Option(name: .long, parsing: .unconditional, help: "Stop after this many reads (default: until interrupted).")
        var count: Int?

        @Option(name: .long, parsing: .unconditional, help: "Types shown per block, largest growth first.")
        var top = 5

        @Flag(name: .long, help: "Name types as module.qualname.")
        var qualified = false

        @Flag(name: .long, help: "Census only: skip the collectable set (cheaper on huge heaps).")
        var noCycles = false

        @Option(name: .long, help: ArgumentHelp("Most bytes the objects of TYPE may retain (e.g. Logger=50MB); each read prints the figure, and the watch exits 1 if any read exceeded it; repeatable.", valueName: "TYPE=SIZE"),
                transform: RetainedLimit.parse)
        var maxRetained: [RetainedLimit] = []

        @OptionGroup var pause: PauseOptions

        /// Below this, reads of a production process would follow each other too closely to be meant.
        static let intervalFloor = 1.0

        func validate() throws {
            if let count, count < 1 { throw ValidationError("--count \(count): read at least once") }
            if top < 0 { throw ValidationError("--top \(top): show 0 or more types per block") }
            if interval.seconds <= 0 { throw ValidationError("--interval 0: give the time between reads, e.g. 30s") }
            if interval.seconds < Self.intervalFloor && !force {
                throw ValidationError("--interval \(duration(interval.seconds)) is below the 1s floor: every read stops the target; add --force to read that often anyway")
            }
        }

        func run() throws {
            var options = pause.inspection()
            options.findCollectable = !noCycles
            options.stopOnInterrupt = false  // finish the current read, then print the totals
            let limits = CheckLimits(maxRetained: maxRetained.map { ($0.type, $0.bytes) })
            options.recordObjects = limits.needsRetention
            options.includeUntracked = limits.needsRetention
            var exceeded = false
            let naming: TypeNaming = qualified ? .qualified : .name
            let selected = targets.resolve()
            var watching = selected
            var watchers = Dictionary(uniqueKeysWithValues: selected.map { ($0.pid, GrowthWatcher(pid: $0.pid, naming: naming, top: top)) })
            var reads = 0
            var codes: [PyInspectExit] = []
            // A process that cannot be read (or is skipped) is reported once and no longer watched;
            // the watch ends when none is left.
            while !StopRequest.requested && !watching.isEmpty {
                reads += 1
                let outcomes = ProcessRuns.each(watching, options: options) { process, report throws(ReportedError) in
                    writeStdout(watchers[process.pid]!.record(report, clock: wallClock()))
                    guard limits.needsRetention else { return }
                    let result = CheckResult(report: report, limits: limits, retainedByType: retainedByType(report))
                    exceeded = exceeded || !result.ok
                    writeStdout(result.figures.filter { $0.name.hasPrefix("retained:") }.map { "  " + Self.retainedLine($0) + "\n" }.joined())
                }
                codes.append(ProcessRuns.exit(outcomes))
                watching = outcomes.compactMap { if case let .done(process, _) = $0 { return process } else { return nil } }
                if count.map({ reads >= $0 }) ?? false { break }
                if !watching.isEmpty { StopRequest.sleep(seconds: interval.seconds) }
            }
            for process in selected { writeStdout(watchers[process.pid]!.totals()) }
            try ProcessRuns.finish(PyInspectExit.mostSerious(codes + (exceeded ? [.limitExceeded] : [])))
        }

        /// `retained Logger 3.1 MiB <= 50.0 MiB`, `... > 50.0 MiB EXCEEDED`.
        static func retainedLine(_ figure: CheckResult.Figure) -> String {
            let name = figure.name.split(separator: ":", maxSplits: 1).last.map(String.init) ?? figure.name
            guard figure.matched else { return "retained \(name): \(CheckRenderer.unmatched(figure))" }
            let limit = figure.limit.map { figure.exceeded ? " > \(byteSize($0)) EXCEEDED" : " <= \(byteSize($0))" } ?? ""
            return "retained \(name) \(byteSize(figure.value))" + limit
        }
    }
}

/// Counts between reads of one process, and the lines that say what changed.
struct GrowthWatcher {
    let pid: Int32
    let naming: TypeNaming
    let top: Int
    private var first: HeapReport?
    private var previous: HeapReport?
    private(set) var reads = 0

    init(pid: Int32, naming: TypeNaming, top: Int) {
        self.pid = pid
        self.naming = naming
        self.top = top
    }

    mutating func record(_ report: HeapReport, clock: String) -> String {
        defer {
            previous = report
            if first == nil { first = report }
            reads += 1
        }
        let tracked = report.capture.tracked.count
        var line = "\(clock)  pid \(pid)  tracked \(grouped(tracked))"
        guard let previous else {
            line += collectable(report, since: nil) + "  garbage \(grouped(report.garbage.count))  paused \(duration(report.target.pause.seconds))  (first read)\n"
            return line
        }
        line += " (\(signed(tracked - previous.capture.tracked.count)))" + collectable(report, since: previous)
        line += "  garbage \(grouped(report.garbage.count))  paused \(duration(report.target.pause.seconds))\n"
        let growth = Self.growth(from: previous, to: report, naming: naming)
        if !growth.isEmpty && top > 0 {
            line += "  " + growth.prefix(top).map { "\(signed($0.delta)) \($0.type)" }.joined(separator: "  ") + "\n"
        }
        return line
    }

    func totals() -> String {
        guard let first, let last = previous, reads > 1 else { return "" }
        var out = "pid \(pid): \(reads) reads: tracked \(grouped(first.capture.tracked.count)) -> \(grouped(last.capture.tracked.count))"
        out += " (\(signed(last.capture.tracked.count - first.capture.tracked.count)))"
        if let a = first.collectable, let b = last.collectable {
            out += ", collectable \(grouped(a.census.count)) -> \(grouped(b.census.count)) (\(signed(b.census.count - a.census.count)))"
        }
        out += "\n"
        let growth = Self.growth(from: first, to: last, naming: naming)
        if !growth.isEmpty && top > 0 {
            out += "  most growth: " + growth.prefix(top).map { "\(signed($0.delta)) \($0.type)" }.joined(separator: "  ") + "\n"
        }
        return out
    }

    private func collectable(_ report: HeapReport, since previous: HeapReport?) -> String {
        guard let set = report.collectable else { return "" }
        var text = "  collectable \(grouped(set.census.count))"
        if let before = previous?.collectable { text += " (\(signed(set.census.count - before.census.count)))" }
        return text + ", \(byteSize(set.heldBytes)) held"
    }

    /// Per-type change of tracked objects (generations 0–2), largest growth first; unchanged types left out.
    static func growth(from a: HeapReport, to b: HeapReport, naming: TypeNaming) -> [(type: String, delta: Int)] {
        var delta: [String: Int] = [:]
        for (type, count) in a.capture.tracked.byType { delta[naming.label(a.types[type] ?? .unreadable(type)), default: 0] -= count }
        for (type, count) in b.capture.tracked.byType { delta[naming.label(b.types[type] ?? .unreadable(type)), default: 0] += count }
        return delta.filter { $0.value != 0 }.map { (type: $0.key, delta: $0.value) }
            .sorted { $0.delta != $1.delta ? $0.delta > $1.delta : $0.type < $1.type }
    }
}

/// `HH:MM:SS` local time.
func wallClock() -> String {
    var now = time(nil)
    var parts = tm()
    localtime_r(&now, &parts)
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
}
