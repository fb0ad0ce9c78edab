import Foundation
import Glibc
import Testing

/// `--max-pause` bounds the time the target is stopped for one read, all attempts together: a read
/// that exits 0 was stopped at most the limit (`pause_seconds - resume_seconds`, exactly); one that
/// would need longer is abandoned, the target resumed, exit 24 with one line that states the time
/// it was stopped, which is at most the limit plus the time pyinspect itself waited for a CPU
/// (which no check can prevent, and which the line states too).
@Suite("--max-pause: limits are what they say", .serialized)
struct PauseLimitTests {
    /// A ticker (ticker_target.py) and a check that it still makes progress.
    final class Ticker {
        let target: TargetProcess
        private var last = 0

        init(_ interpreter: Interpreter, _ arguments: [String]) throws {
            target = try TargetProcess(interpreter: interpreter, arguments: ["-S", Paths.tickerScript] + arguments,
                                       directory: try makeTempDirectory())
        }

        var pid: pid_t { target.pid }

        /// Never stopped, and a tick printed after the call: what was buffered is read first (a busy
        /// ticker may have filled the pipe, 64 KiB, fewer than 10,000 lines), then one more tick.
        func runsOn() -> Bool {
            let state = processState(target.pid)
            guard state != "t", state != "T" else { return false }
            var lines = 0
            while lines < 10_000, let line = target.nextLine(timeout: 0.0005) {
                guard tick(line) else { return false }
                lines += 1
            }
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline {
                guard let line = target.nextLine(timeout: 2) else { return false }
                if line.hasPrefix("TICK ") { return tick(line) }
            }
            return false
        }

        /// Ticks only grow; other lines (UNSTUCK) are skipped.
        private func tick(_ line: String) -> Bool {
            guard line.hasPrefix("TICK ") else { return true }
            guard let value = Int(line.dropFirst(5)), value > last else { return false }
            last = value
            return true
        }

        deinit { target.stop() }
    }

    /// A ticker with a thread in uninterruptible sleep (`stuck FIFO`) until `release()` opens the
    /// FIFO for writing, which lets the spawned child exec; released at the end in any case.
    final class StuckTicker {
        let ticker: Ticker
        let tid: String
        private let fifo: String
        private(set) var released = false

        init(_ interpreter: Interpreter) throws {
            fifo = try makeTempDirectory() + "/release"
            guard mkfifo(fifo, 0o600) == 0 else { throw IntegrationFailure("mkfifo: errno \(errno)") }
            ticker = try Ticker(interpreter, ["1000", "stuck", fifo])
            let line = ticker.target.nextLine(timeout: 30) ?? ""
            guard line.hasPrefix("STUCK ") else { throw IntegrationFailure("no STUCK line, got `\(line)`") }
            tid = String(line.dropFirst(6))
        }

        func release() {
            if released { return }
            let fd = open(fifo, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd); released = true }
        }

        deinit {
            release()
            try? FileManager.default.removeItem(atPath: (fifo as NSString).deletingLastPathComponent)
        }
    }

    /// Milliseconds with three decimals, as the exit-24 line states them, in whole microseconds.
    static func micros(_ text: Substring) -> Int? {
        let parts = text.split(separator: ".")
        guard parts.count == 2, parts[1].count == 3, let whole = Int(parts[0]), let fraction = Int(parts[1]) else { return nil }
        return whole * 1000 + fraction
    }

    static func figure(_ name: String, in line: String) -> Int? {
        guard let range = line.range(of: name + " ") else { return nil }
        let number = line[range.upperBound...].prefix { $0.isNumber || $0 == "." }
        return micros(number)
    }

    static func seconds(_ value: Any?, _ what: String) throws -> Double {
        guard let number = value as? NSNumber else { throw IntegrationFailure("\(what) is not a number: \(String(describing: value))") }
        return number.doubleValue
    }

    /// Checks one read against `limitMicros`; returns its exit code.
    @discardableResult
    static func check(_ result: CLIResult, pid: pid_t, limitMicros: Int, stealMicros: Int = 0, _ what: String) throws -> Int32 {
        switch result.exitCode {
        case 0:
            let report = try parseJSONObject(Data(result.stdout.utf8), what: "report")
            let process = try J.object(report["process"], "process")
            let paused = try seconds(process["pause_seconds"], "pause_seconds")
            let resume = try seconds(process["resume_seconds"], "resume_seconds")
            // The guarantee, as a reader of the JSON computes it.
            #expect(paused - resume <= Double(limitMicros) / 1e6, "\(what): stopped \(paused - resume) s, \(result)")
            #expect(resume > 0 && resume <= paused, "\(what): \(result)")
            #expect(try J.bool(process["paused"], "paused"), "\(what)")
        case 24:
            let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
            #expect(lines.count == 1, "\(what): \(result)")
            let line = String(lines.first ?? "")
            #expect(line.hasPrefix("pyinspect: pid \(pid): the read needed more than --max-pause "), "\(what): \(line)")
            #expect(line.hasSuffix("; the target was resumed (raise --max-pause, or read with --no-pause)"), "\(what): \(line)")
            let stopped = try #require(figure("(stopped", in: line), "\(what): no stopped time in \(line)")
            #expect(figure("resumed in", in: line) != nil, "\(what): no resume time in \(line)")
            let waited = figure("pyinspect waited", in: line) ?? 0
            // Time a hypervisor took from this machine's CPUs meanwhile (steal) is invisible to the
            // CPU wait pyinspect measures: on a VM it is allowed on top, and said.
            #expect(stopped <= limitMicros + waited + stealMicros, "\(what): \(line) (host steal meanwhile: \(stealMicros) us)")
        default:
            Issue.record("\(what): exit \(result.exitCode), expected 0 or 24: \(result)")
        }
        return result.exitCode
    }

    @Test("1 ms, 0.1 ms and 5 ms, ten reads each, of a busy heap and of a larger plain one: exit 0 within the limit, or 24",
          arguments: [["50000", "busy"], ["300000"]])
    func tightLimits(_ arguments: [String]) throws {
        guard let interpreter = Interpreters.any else { return }
        let ticker = try Ticker(interpreter, arguments)
        var codes: [Int32: Int] = [:]
        for (limit, micros) in [("1ms", 1000), ("0.1ms", 100), ("5ms", 5000)] {
            for run in 0..<10 {
                let what = "\(arguments.joined(separator: " ")), --max-pause \(limit), run \(run)"
                let steal = HostSteal()
                let result = try runCLI(["attach", String(ticker.pid), "--max-pause", limit, "--no-cycles", "--format", "json"])
                codes[try Self.check(result, pid: ticker.pid, limitMicros: micros, stealMicros: steal.micros(), what), default: 0] += 1
                #expect(ticker.runsOn(), "\(what): the target was left stopped or made no progress")
            }
        }
        #expect(codes.values.reduce(0, +) == 30, "\(codes)")
        // A generous limit: the read succeeds, and says how long the target was stopped.
        let generous = try runCLI(["attach", String(ticker.pid), "--max-pause", "10s", "--no-cycles", "--format", "json"])
        try #require(generous.status == .exited(0), "\(generous)")
        try Self.check(generous, pid: ticker.pid, limitMicros: 10_000_000, "10s")
        #expect(ticker.runsOn())
    }

    @Test("a thread in uninterruptible sleep: exit 24 naming it, within the limit; the rest runs on",
          .enabled(if: access("/bin/true", X_OK) == 0, "needs /bin/true to spawn"))
    func threadThatCannotStop() throws {
        guard let interpreter = Interpreters.any else { return }
        let stuck = try StuckTicker(interpreter)
        let (ticker, tid) = (stuck.ticker, stuck.tid)
        func release() { stuck.release() }
        var released: Bool { stuck.released }

        for (limit, micros) in [("200ms", 200_000), ("5ms", 5000)] {
            let result = try runCLI(["attach", String(ticker.pid), "--max-pause", limit, "--no-cycles"])
            #expect(result.exitCode == 24, "\(limit): \(result)")
            try Self.check(result, pid: ticker.pid, limitMicros: micros, limit)
            #expect(result.stderr.contains("thread \(tid) had not stopped (state D: uninterruptible sleep)"), "\(result)")
            #expect(ticker.runsOn(), "\(limit): the target was left stopped or made no progress")
        }
        release()
        #expect(released, "the stuck thread's child never opened the FIFO")
        let after = try runCLI(["attach", String(ticker.pid), "--max-pause", "10s", "--no-cycles"])
        #expect(after.status == .exited(0), "\(after)")
        #expect(ticker.runsOn())
        // The thread that was stuck was never left stopped: it finished its spawn.
        var threads: [String] = [tid]
        for _ in 0..<500 where threads.contains(tid) {
            usleep(10_000)
            threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(ticker.pid)/task")) ?? []
        }
        #expect(!threads.contains(tid), "threads: \(threads)")
    }

    @Test("a thread that could not be stopped is let go when its read ends, not when pyinspect exits (watch goes on with another process)",
          .enabled(if: access("/bin/true", X_OK) == 0, "needs /bin/true to spawn"))
    func stuckThreadReleasedWhileWatching() throws {
        guard let interpreter = Interpreters.any else { return }
        let stuck = try StuckTicker(interpreter)
        let (ticker, tid) = (stuck.ticker, stuck.tid)
        let other = try TargetProcess.service(interpreter)
        defer { other.stop() }

        // The stuck process fails its first read (24) and is dropped; the watch goes on with the other.
        let err = ticker.target.directory + "/watch.err"
        let watch = try spawn([try Paths.cli(), "watch", String(ticker.pid), String(other.pid), "--max-pause", "5ms",
                               "--interval", "1s", "--count", "60", "--no-cycles"], stdin: .devNull, stdout: .devNull, stderr: .file(err))
        defer { kill(watch, SIGINT); _ = waitForExit(watch, timeout: 10) ?? killAndReap(watch) }
        var reported = false
        for _ in 0..<3000 where !reported {
            usleep(10_000)
            reported = ((try? String(contentsOfFile: err, encoding: .utf8)) ?? "").contains("pid \(ticker.pid): the read needed more than --max-pause")
        }
        try #require(reported, "no exit-24 line for the stuck process: \((try? String(contentsOfFile: err, encoding: .utf8)) ?? "")")
        // Woken, the thread must finish its spawn while pyinspect still runs: nothing holds it.
        stuck.release()
        try #require(stuck.released, "the stuck thread's child never opened the FIFO")
        var threads = [tid]
        for _ in 0..<500 where threads.contains(tid) {
            usleep(10_000)
            threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(ticker.pid)/task")) ?? []
        }
        let state = (try? String(contentsOfFile: "/proc/\(ticker.pid)/task/\(tid)/stat", encoding: .utf8)).flatMap { stat in
            stat.lastIndex(of: ")").map { stat[stat.index($0, offsetBy: 2)] }
        }
        #expect(!threads.contains(tid), "thread \(tid) still there in state \(state.map(String.init) ?? "?") while pyinspect runs")
        #expect(waitForExit(watch, timeout: 0) == nil, "the watch should still be running")
        #expect(ticker.runsOn())
    }
}

/// CPU time the hypervisor gave to others while this (virtual) machine wanted it: the `steal`
/// column of /proc/stat, summed over the CPUs, from creation to `micros()` (0 on bare metal).
struct HostSteal {
    private let start = HostSteal.ticks()

    func micros() -> Int {
        let ticksPerSecond = max(1, sysconf(Int32(_SC_CLK_TCK)))
        return (HostSteal.ticks() - start) * 1_000_000 / ticksPerSecond
    }

    static func ticks() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return 0 }
        let fields = line.split(separator: " ")
        return fields.count > 8 ? Int(fields[8]) ?? 0 : 0
    }
}
