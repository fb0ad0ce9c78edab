import Foundation
import Glibc
import Testing

/// The target is never left stopped: whatever happens to pyinspect, it keeps making progress.
@Suite("safety: never left stopped")
struct SafetyTests {
    /// Starts the ticker; returns it and a function that waits for a tick newer than any seen so far.
    func startTicker(_ interpreter: Interpreter, objects: Int = 200_000) throws -> (TargetProcess, () -> Int?) {
        let ticker = try TargetProcess(interpreter: interpreter, arguments: ["-S", Paths.tickerScript, String(objects)],
                                       directory: try makeTempDirectory())
        var last = 0
        let progress = { () -> Int? in
            // Drain what is buffered, then require one more tick within 2 s.
            let deadline = Date().addingTimeInterval(5)
            var fresh: Int?
            while Date() < deadline {
                guard let line = ticker.nextLine(timeout: 2), line.hasPrefix("TICK "), let tick = Int(line.dropFirst(5)) else { return nil }
                if tick <= last { return nil }  // ticks must only grow
                last = tick
                if fresh == nil { fresh = tick; continue }
                return tick
            }
            return nil
        }
        return (ticker, progress)
    }

    @Test("SIGKILL at random moments of attach: the target always runs on", arguments: Interpreters.primary)
    func killAtRandomMoments(_ interpreter: Interpreter) throws {
        let (ticker, progress) = try startTicker(interpreter)
        defer { ticker.stop() }
        var generator = SystemRandomNumberGenerator()
        for trial in 0..<12 {
            let attach = try spawn([try Paths.cli(), "attach", String(ticker.pid)], stdin: .devNull, stdout: .devNull, stderr: .devNull)
            // 0–150 ms covers opening, the pause and the analysis of this heap in a debug build.
            usleep(UInt32.random(in: 0...150_000, using: &generator))
            kill(attach, SIGKILL)
            _ = waitForExit(attach, timeout: 10)
            #expect(progress() != nil, "trial \(trial): the target made no progress after pyinspect was killed")
            #expect(processState(ticker.pid) != "t" && processState(ticker.pid) != "T", "trial \(trial)")
        }
    }

    @Test("SIGINT or SIGTERM during attach: a clean stop (130 or the signal), the target runs on", arguments: Interpreters.primary)
    func interruptAtRandomMoments(_ interpreter: Interpreter) throws {
        let (ticker, progress) = try startTicker(interpreter)
        defer { ticker.stop() }
        var generator = SystemRandomNumberGenerator()
        for trial in 0..<8 {
            let stderr = ticker.directory + "/stderr-\(trial)"
            let attach = try spawn([try Paths.cli(), "attach", String(ticker.pid)], stdin: .devNull, stdout: .devNull, stderr: .file(stderr))
            usleep(UInt32.random(in: 0...150_000, using: &generator))
            let signal = trial % 2 == 0 ? SIGINT : SIGTERM
            kill(attach, signal)
            let status = waitForExit(attach, timeout: 10)
            // Stopped while the target was paused: exit 130 with one line; later: the default action.
            let clean = status == .exited(130) || status == .exited(0) || status == .signaled(signal)
            #expect(clean, "trial \(trial): \(String(describing: status))")
            if status == .exited(130) {
                let text = (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? ""
                #expect(text == "pyinspect: pid \(ticker.pid): interrupted; the target is running\n", "\(text)")
            }
            #expect(progress() != nil, "trial \(trial): no progress after pyinspect was interrupted")
        }
    }

    @Test("--max-pause: a read that cannot finish in time resumes the target and exits 24")
    func maxPause() throws {
        guard let interpreter = Interpreters.any else { return }
        let (ticker, progress) = try startTicker(interpreter, objects: 300_000)
        defer { ticker.stop() }
        let result = try runCLI(["attach", String(ticker.pid), "--max-pause", "1ms"])
        #expect(result.status == .exited(24), "\(result)")
        #expect(result.stderr.hasPrefix("pyinspect: pid \(ticker.pid): the read needed more than --max-pause 1 ms (stopped "), "\(result)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(progress() != nil)
        let generous = try runCLI(["attach", String(ticker.pid), "--max-pause", "10s", "--no-cycles"])
        #expect(generous.status == .exited(0), "\(generous)")
        let malformed = try runCLI(["attach", String(ticker.pid), "--max-pause", "soon"])
        #expect(malformed.status == .exited(64), "\(malformed)")
    }

    @Test("read-only: the target's heap is byte for byte the same before and after an attach")
    func readOnly() throws {
        guard let interpreter = Interpreters.any else { return }
        // A target that is stopped (SIGSTOP) cannot change its own memory, so any difference is ours.
        let target = try TargetProcess(interpreter: interpreter, arguments: ["-S", Paths.requestsScript], directory: try makeTempDirectory())
        defer { target.stop() }
        #expect(try target.command("requests 20") == "DONE 20")
        kill(target.pid, SIGSTOP)
        defer { kill(target.pid, SIGCONT) }
        try #require(waitForState(target.pid, "T"))
        let before = try heapChecksum(target.pid)
        // Paused (PTRACE_SEIZE + INTERRUPT of a group-stopped process) and unpaused reads alike.
        for argv in [["attach", String(target.pid), "--format", "json"], ["attach", String(target.pid), "--no-pause"],
                     ["snapshot", String(target.pid), "-o", target.directory + "/s.db"], ["check", String(target.pid)]] {
            let result = try runCLI(argv)
            #expect(result.status == .exited(0), "\(result)")
        }
        #expect(try heapChecksum(target.pid) == before)
        // pyinspect left it as it found it: stopped by SIGSTOP, waiting for SIGCONT.
        #expect(processState(target.pid) == "T")
    }

    func waitForState(_ pid: pid_t, _ state: Character) -> Bool {
        for _ in 0..<200 {
            if processState(pid) == state { return true }
            usleep(10_000)
        }
        return false
    }

    /// FNV-1a over every readable, writable private mapping of `pid` (read through /proc/PID/mem).
    func heapChecksum(_ pid: pid_t) throws -> UInt64 {
        let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
        let fd = open("/proc/\(pid)/mem", O_RDONLY)
        guard fd >= 0 else { throw IntegrationFailure("cannot open /proc/\(pid)/mem") }
        defer { close(fd) }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var regions = 0
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 5, fields[1].hasPrefix("rw"), fields[1].hasSuffix("p"), !line.hasSuffix("[vvar]"),
                  !line.hasSuffix("[vsyscall]") else { continue }
            let bounds = fields[0].split(separator: "-").compactMap { UInt64($0, radix: 16) }
            var address = bounds[0]
            while address < bounds[1] {
                let count = Int(min(UInt64(buffer.count), bounds[1] - address))
                let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(Int64(bitPattern: address))) }
                guard got == count else { break }  // a region the kernel will not read: skipped, both times
                for byte in buffer[0..<count] { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
                address += UInt64(count)
            }
            regions += 1
        }
        guard regions > 0 else { throw IntegrationFailure("no writable mappings in pid \(pid)") }
        return hash
    }
}

/// Values from the target stay in the target unless asked for.
@Suite("safety: secrets stay in the target")
struct SecretsTests {
    static let secret = "sk_live_4eC39HqLyjWDarjtT1zdp7dcQx9Zz7Yw"
    static let number = "31337424242"

    @Test("no output format shows a planted secret; --values shows the dict key, cut to 32 characters", arguments: Interpreters.installed)
    func plantedSecrets(_ interpreter: Interpreter) throws {
        let target = try TargetProcess(interpreter: interpreter, arguments: ["-S", Paths.secretsScript], directory: try makeTempDirectory())
        defer { target.stop() }
        let pid = String(target.pid)
        let snapshotFile = target.directory + "/s.db"
        let outputs: [[String]] = [
            ["attach", pid], ["attach", pid, "--list", "--all", "--qualified"], ["attach", pid, "--format", "json"],
            ["attach", pid, "--format", "dot", "--cycle", "1"], ["check", pid, "--format", "openmetrics"], ["check", pid, "--format", "json"],
            ["watch", pid, "--count", "1"], ["snapshot", pid, "-o", snapshotFile], ["export", snapshotFile],
        ]
        for argv in outputs {
            let result = try runCLI(argv)
            try #require(result.status == .exited(0), "\(result)")
            for planted in [Self.secret, String(Self.secret.prefix(16)), Self.number] {
                #expect(!result.stdout.contains(planted) && !result.stderr.contains(planted), "\(argv.joined(separator: " ")) shows \(planted)")
            }
        }
        // The snapshot file itself, byte for byte.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: snapshotFile))
        #expect(bytes.range(of: Data(Self.secret.prefix(16).utf8)) == nil)
        // The cycle is there, with the key shown as its type only.
        let text = try runCLI(["attach", pid])
        #expect(text.stdout.contains("Holder.index -> dict[<str>] -> Holder"), "\(text)")
        // Asked for: shown, cut short.
        let shown = try runCLI(["attach", pid, "--values"])
        #expect(shown.stdout.contains("Holder.index -> dict['\(Self.secret.prefix(32))…'] -> Holder"), "\(shown)")
    }
}

/// A heap that moves all the time: paused reads are consistent, unpaused ones bounded and marked.
@Suite("safety: a moving heap")
struct MovingHeapTests {
    @Test("paused attaches of a busy target all succeed, consistently; --no-pause ones finish, approximate")
    func busyTarget() throws {
        guard let interpreter = Interpreters.any else { return }
        let target = try TargetProcess(interpreter: interpreter, arguments: ["-S", Paths.tickerScript, "50000", "busy"],
                                       directory: try makeTempDirectory())
        defer { target.stop() }
        let pid = String(target.pid)
        for attempt in 0..<10 {
            let result = try runCLI(["attach", pid, "--format", "json"], timeout: 60)
            try #require(result.status == .exited(0), "paused attach \(attempt): \(result)")
            let report = try parseJSONObject(Data(result.stdout.utf8), what: "report")
            for generation in try J.array(report["generations"], "generations") {
                let section = try J.object(generation, "generation")
                #expect(try J.counts(section["by_type"], "by_type").values.reduce(0, +) == J.int(section["count"], "count"))
            }
            #expect(try J.bool(J.object(report["process"], "process")["approximate"], "approximate") == false)
        }
        for attempt in 0..<5 {
            let started = Date()
            let result = try runCLI(["attach", pid, "--no-pause", "--format", "json"], timeout: 60)
            try #require(result.status == .exited(0), "unpaused attach \(attempt): \(result)")
            #expect(Date().timeIntervalSince(started) < 30)
            let report = try parseJSONObject(Data(result.stdout.utf8), what: "report")
            #expect(try J.bool(J.object(report["process"], "process")["approximate"], "approximate"))
        }
    }
}

/// A target that goes away in the middle of a read: one line and a documented code, never a crash.
@Suite("safety: a process that goes away")
struct VanishingTargetTests {
    /// 0 (read before it went), 10 (gone before the start), 11 (now another program), 15 (exited
    /// mid-read), 16 (its memory changed under the read).
    static let acceptable: Set<Int32> = [0, 10, 11, 15, 16]

    func check(_ result: CLIResult, _ what: String) {
        #expect(Self.acceptable.contains(result.exitCode), "\(what): \(result)")
        if result.exitCode != 0 {
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("pyinspect: "), "\(what): \(result)")
        }
    }

    @Test("killed, exiting or exec'ing at random moments of a read")
    func goesAway() throws {
        guard let interpreter = Interpreters.any else { return }
        var generator = SystemRandomNumberGenerator()
        var codes: [Int32: Int] = [:]
        for trial in 0..<12 {
            let delay = Double.random(in: 0...0.12, using: &generator)
            switch trial % 3 {
            case 0, 1:
                // Killed (SIGKILL) or exiting on its own (stdin closed) while pyinspect reads it.
                let target = try TargetProcess(interpreter: interpreter, arguments: ["-S", Paths.tickerScript, "200000"],
                                               directory: try makeTempDirectory())
                let output = try makeTempDirectory() + "/out"  // not the target's directory: stop() removes that
                let attach = try spawn([try Paths.cli(), "attach", String(target.pid)], stdin: .devNull, stdout: .file(output),
                                       stderr: .file(output + ".err"))
                usleep(UInt32(delay * 1_000_000))
                if trial % 3 == 0 { kill(target.pid, SIGKILL) } else { target.stop(timeout: 0.01) }
                let status = waitForExit(attach, timeout: 60)
                target.stop()
                let result = CLIResult(status: status ?? .signaled(-1), stdout: (try? String(contentsOfFile: output, encoding: .utf8)) ?? "",
                                       stderr: (try? String(contentsOfFile: output + ".err", encoding: .utf8)) ?? "", argv: ["attach"])
                check(result, "trial \(trial) (\(trial % 3 == 0 ? "killed" : "exited") after \(delay) s)")
                codes[result.exitCode, default: 0] += 1
            default:
                // exec: the pid now runs /bin/sleep.
                let target = try TargetProcess(interpreter: interpreter, arguments: ["-S", Paths.execScript, String(delay)],
                                               directory: try makeTempDirectory())
                defer { target.stop(timeout: 0.1) }
                let result = try runCLI(["attach", String(target.pid)], timeout: 60)
                check(result, "trial \(trial) (exec after \(delay) s)")
                codes[result.exitCode, default: 0] += 1
            }
        }
        #expect(codes.values.reduce(0, +) == 12, "\(codes)")
    }
}

/// A target in its own pid and mount namespace, as in a container: its executable exists only in
/// its mount namespace, and its pid there is 1.
@Suite("containers: pid and mount namespaces")
struct NamespaceTests {
    static let unshareWorks: Bool = {
        guard access("/usr/bin/unshare", X_OK) == 0,
              let pid = try? spawn(["/usr/bin/unshare", "--pid", "--mount", "--fork", "/bin/true"], stdin: .devNull, stdout: .devNull, stderr: .devNull)
        else { return false }
        return waitForExit(pid, timeout: 10) == .exited(0)
    }()

    @Test("found through /proc/PID/root, reported with both pids",
          .enabled(if: getuid() == 0, "unshare --pid --mount needs root"),
          .enabled(if: access("/usr/bin/unshare", X_OK) == 0, "/usr/bin/unshare not installed"),
          .enabled(if: NamespaceTests.unshareWorks, "unshare --pid --mount is refused here (no CAP_SYS_ADMIN)"),
          .enabled(if: access(Interpreters.debianPath, X_OK) == 0, "\(Interpreters.debianPath) (a static python to copy) not installed"))
    func unsharedTarget() throws {
        let directory = try makeTempDirectory(mode: 0o755)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let hidden = (directory + "/mnt").replacingOccurrences(of: "//", with: "/")  // as the kernel spells it
        try FileManager.default.createDirectory(atPath: hidden, withIntermediateDirectories: true)
        // Inside: a tmpfs over `hidden` (invisible outside), python copied onto it, run from there.
        let script = "mount -t tmpfs none \(hidden) && cp \(Interpreters.debianPath) \(hidden)/python3 && "
            + "PYTHONHOME=/usr exec \(hidden)/python3 -S \(Paths.requestsScript)"
        let input = try makePipe(), output = try makePipe()
        let unshare = try spawn(["/usr/bin/unshare", "--pid", "--mount", "--fork", "--mount-proc", "/bin/sh", "-c", script],
                                stdin: .fd(input.read), stdout: .fd(output.write), stderr: .file(directory + "/stderr"))
        close(input.read)
        close(output.write)
        defer {
            close(input.write)
            _ = waitForExit(unshare, timeout: 10) ?? killAndReap(unshare)
            close(output.read)
        }
        let ready = readLine(fd: output.read, timeout: 30)
        let stderr = (try? String(contentsOfFile: directory + "/stderr", encoding: .utf8)) ?? ""
        try #require(ready == "READY 1", "got \(ready ?? "nothing"); stderr: \(stderr)")
        let children = try String(contentsOfFile: "/proc/\(unshare)/task/\(unshare)/children", encoding: .utf8)
        let pid = try #require(children.split(separator: " ").first.flatMap { Int32($0) }, "unshare has no child")
        #expect(access(hidden + "/python3", F_OK) != 0, "the executable must not be visible outside the namespace")

        let result = try runCLI(["attach", String(pid), "--format", "json"])
        try #require(result.status == .exited(0), "\(result)")
        let report = try parseJSONObject(Data(result.stdout.utf8), what: "report")
        let process = try J.object(report["process"], "process")
        #expect(try J.int(process["pid"], "pid") == Int(pid))
        #expect(try J.int(process["namespace_pid"], "namespace_pid") == 1)
        #expect(try J.string(process["executable"], "executable") == hidden + "/python3")
        #expect(try J.string(process["build"], "build") == "static")
        #expect(try J.array(report["generations"], "generations").count == 3)
        let text = try runCLI(["attach", String(pid), "--no-cycles"])
        #expect(text.stdout.hasPrefix("pid \(pid) (1 in its pid namespace)  \(hidden)/python3"), "\(text)")
        let doctor = try runCLI(["doctor", String(pid)])
        #expect(doctor.status == .exited(0), "\(doctor)")
        #expect(doctor.stdout.contains("pid namespace: pid 1 in its own namespace"), "\(doctor)")
    }
}

/// Corrupt memory on real heaps: a recording of each interpreter's memory, damaged many ways.
@Suite("safety: damaged recordings of real heaps")
struct RecordedFuzzTests {
    @Test("pyinspect fuzz: damaged copies of a real heap are read or refused, never crash", arguments: Interpreters.installed)
    func recordedHeaps(_ interpreter: Interpreter) throws {
        let target = try TargetProcess(interpreter: interpreter, arguments: ["-S", Paths.requestsScript], directory: try makeTempDirectory())
        defer { target.stop() }
        #expect(try target.command("requests 10") == "DONE 10")
        let result = try runCLI(["fuzz", String(target.pid), "--cases", "60", "--seed", "3"], timeout: 300)
        try #require(result.status == .exited(0), "\(result)")
        let words = result.stdout.split(separator: " ")
        let read = words.firstIndex(of: "read,").flatMap { Int(words[words.index(before: $0)]) } ?? -1
        let refused = words.firstIndex(of: "refused,").flatMap { Int(words[words.index(before: $0)]) } ?? -1
        #expect(read + refused == 60, "\(result)")
        #expect(read > 0, "\(result)")
        #expect(processState(target.pid) != "t" && processState(target.pid) != "T")
    }
}
