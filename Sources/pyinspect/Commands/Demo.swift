import ArgumentParser
import Glibc
import PyHeapReader

extension PyInspect {
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a bundled leaky Python program, attach to it, print the report, and stop it.")

        @Option(name: .long, help: "The interpreter to run the demo with (default: python3 from PATH).")
        var python = "python3"

        @OptionGroup var report: ReportOptions
        @OptionGroup var read: ReadOptions

        func validate() throws {
            try report.validate(findingCollectable: !read.noCycles)
        }

        func run() throws {
            let target: DemoProcess
            do {
                target = try DemoProcess.start(python: python)
            } catch {
                fail(error)
            }
            defer { target.stop() }
            writeStderr("pyinspect demo: started \(python) (pid \(target.pid)) running the bundled leaky program")
            var options = read.pause.inspection()
            options.findCollectable = !read.noCycles
            options.traversal.emulate = !read.noEmulation
            let code = printReports([SelectedProcess(pid: target.pid, parent: nil)], several: false, inspection: options, report: report)
            try ProcessRuns.finish(code)
        }
    }
}

/// The bundled target: written to a temporary file, started with posix_spawn, stopped by closing its
/// stdin. Not Foundation's Process: that one waits on its child from another thread, which would
/// race with pyinspect's own waits for ptrace stops, and it hands the child a blocked signal mask.
final class DemoProcess {
    let pid: Int32
    private let stdinFD: Int32
    private let scriptPath: String

    private init(pid: Int32, stdinFD: Int32, scriptPath: String) {
        self.pid = pid
        self.stdinFD = stdinFD
        self.scriptPath = scriptPath
    }

    static func start(python: String, timeoutSeconds: Int32 = 30) throws(ReportedError) -> DemoProcess {
        // A private directory, so the program keeps a readable name in tracebacks and cycle paths.
        var template = Array("/tmp/pyinspect-demo-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ReportedError(exit: .demoFailed, message: "cannot create a directory for the demo program")
        }
        let directory = String(decoding: UnsafeRawBufferPointer(start: made, count: strlen(made)), as: UTF8.self)
        let scriptPath = directory + "/leaky_service.py"
        let scriptFD = open(scriptPath, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard scriptFD >= 0 else { throw ReportedError(exit: .demoFailed, message: "cannot create \(scriptPath)") }
        let source = Array(DemoTarget.source.utf8)
        let written = source.withUnsafeBytes { write(scriptFD, $0.baseAddress, $0.count) }
        close(scriptFD)
        guard written == source.count else {
            removeDemo(scriptPath)
            throw ReportedError(exit: .demoFailed, message: "cannot write the demo program to \(scriptPath)")
        }

        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else {
            throw ReportedError(exit: .demoFailed, message: "cannot create pipes for the demo program")
        }
        // Only the dup2'ed ends (stdin, stdout) may reach the child, or stdin never sees EOF.
        for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let arguments = ["/usr/bin/env", python, scriptPath]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, "/usr/bin/env", &actions, &attributes, &argv, environ)
        close(toChild[0])
        close(fromChild[1])
        guard status == 0 else {
            close(toChild[1]); close(fromChild[0]); removeDemo(scriptPath)
            throw ReportedError(exit: .demoFailed, message: "cannot start \(python): \(String(cString: strerror(status)))")
        }
        // The program prints "READY <pid>" once its heap is built, then idles until stdin closes.
        let line = readLine(fd: fromChild[0], timeoutSeconds: timeoutSeconds)
        close(fromChild[0])
        guard let line, line.hasPrefix("READY "), let pid = Int32(line.dropFirst(6)) else {
            kill(child, SIGKILL)
            var ignored: Int32 = 0
            waitpid(child, &ignored, 0)
            close(toChild[1])
            removeDemo(scriptPath)
            throw ReportedError(exit: .demoFailed,
                                message: "\(python) did not start the demo program (is python3 installed and on PATH?)")
        }
        return DemoProcess(pid: pid, stdinFD: toChild[1], scriptPath: scriptPath)
    }

    /// Closes the program's stdin (it exits), waits up to five seconds, then kills it.
    func stop() {
        close(stdinFD)
        defer { removeDemo(scriptPath) }
        var status: Int32 = 0
        for _ in 0..<500 {
            if waitpid(pid, &status, WNOHANG) != 0 { return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }

    private static func readLine(fd: Int32, timeoutSeconds: Int32) -> String? {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        var waited: Int32 = 0
        while waited < timeoutSeconds * 1000 {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 100)
            if ready < 0 && errno != EINTR { return nil }
            if ready <= 0 { waited += 100; continue }
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { return nil }
            buffer += chunk[..<count]
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                return String(decoding: buffer[..<newline], as: UTF8.self)
            }
        }
        return nil
    }
}

/// Removes the demo program and the private directory that holds it.
private func removeDemo(_ scriptPath: String) {
    unlink(scriptPath)
    if let slash = scriptPath.lastIndex(of: "/") { rmdir(String(scriptPath[..<slash])) }
}
