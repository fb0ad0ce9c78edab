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

        @Option(name: .long, help: "Time between reads: 30s, 500ms, 2m, 1h (default 30s).")
        var interval: Interval = Interval(seconds: 30)

        @Option(name: .long, help: "Stop after this many reads (default: until interrupted).")
        var count: Int?

        @Option(name: .long, help: "Types shown per block, largest growth first.")
        var top = 5

        @Flag(name: .long, help: "Name types as module.qualname.")
        var qualified = false

        @Flag(name: .long, help: "Census only: skip the collectable set (cheaper on huge heaps).")
        var noCycles = false

        @OptionGroup var pause: PauseOptions

        func validate() throws {
            if let count, count < 1 { throw ValidationError("--count must be at least 1") }
            if top < 0 { throw ValidationError("--top cannot be negative") }
        }

        func run() throws {
            var options = pause.inspection()
            options.findCollectable = !noCycles
            options.stopOnInterrupt = false  // finish the current read, then print the totals
            let naming: TypeNaming = qualified ? .qualified : .name
            let pids = targets.resolved
            var watchers = pids.map { GrowthWatcher(pid: $0, naming: naming, top: top) }
            var reads = 0
            var failure: ReportedError?
            while !StopRequest.requested {
                reads += 1
                for index in watchers.indices {
                    do {
                        let report = try LiveInspection.run(pid: watchers[index].pid, options: options)
                        writeStdout(watchers[index].record(report, clock: wallClock()))
                    } catch {
                        let reported = LiveInspection.describe(error, pid: watchers[index].pid)
                        writeStderr("pyinspect: \(reported.message)")
                        failure = failure ?? reported
                    }
                }
                if failure != nil || (count.map { reads >= $0 } ?? false) { break }
                StopRequest.sleep(seconds: interval.seconds)
            }
            for watcher in watchers { writeStdout(watcher.totals()) }
            if let failure { throw ExitCode(failure.exit.rawValue) }
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

/// A duration argument: 30s, 500ms, 2m, 1h, or plain seconds.
struct Interval: ExpressibleByArgument {
    var seconds: Double

    init(seconds: Double) { self.seconds = seconds }

    init?(argument: String) {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(argument)
        var scale = 1.0
        for (suffix, factor) in units where argument.hasSuffix(suffix) {
            number = argument.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Double(number), value > 0, value * scale <= 86_400 * 7 else { return nil }
        seconds = value * scale
    }

    var defaultValueDescription: String { "\(seconds)s" }
}
