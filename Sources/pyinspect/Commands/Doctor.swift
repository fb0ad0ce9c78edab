import ArgumentParser
import CPythonLayouts
import HeapModel
import LinuxTarget
import PyHeapReader
import RemoteMemory

extension PyInspect {
    struct Doctor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check up front what will work: permissions, ptrace restrictions, containers, and (with a PID) whether that process can be read and which Python it runs.",
            discussion: "Never stops the target: PTRACE_SEIZE alone does not stop a process, and it is detached at once. Exit 0 when `attach` will work (or, without a PID, when nothing blocks it); otherwise the exit code `attach` would give.")

        @Argument(help: "A process to check (optional).")
        var pid: Int32?

        func run() throws {
            var findings = AccessCheck.system()
            var verdict: PyInspectExit = findings.contains { $0.ok == false } ? .permissionDenied : .success
            var subject = pid
            if let pid {
                // The same order of causes as `attach`, so that both give the same exit code.
                let process = processFindings(pid)
                findings += process.findings
                subject = process.pid
                if process.exit != .success || verdict == .success { verdict = process.exit }
            }
            var out = ""
            for finding in findings {
                let mark = finding.ok.map { $0 ? "ok  " : "FAIL" } ?? "    "
                out += "\(mark)  \(finding.subject): \(finding.detail)\n"
            }
            out += verdict == .success
                ? (subject.map { "pyinspect can read pid \($0)\n" } ?? "nothing blocks pyinspect here\n")
                : "pyinspect cannot read \(subject.map { "pid \($0)" } ?? "other processes") now (exit \(verdict.rawValue): \(verdict.meaning))\n"
            writeStdout(out)
            if verdict != .success { throw ExitCode(verdict.rawValue) }
        }

        /// What stands between pyinspect and `pid`, with the code `attach` would exit with. A thread
        /// id is checked as its process, as `attach` reads it.
        private func processFindings(_ given: Int32) -> (findings: [AccessFinding], pid: Int32, exit: PyInspectExit) {
            guard var status = ProcessStatus.read(given) else {
                return ([AccessFinding(ok: false, subject: "pid \(given)", detail: "no such process")], given, .noSuchProcess)
            }
            var findings: [AccessFinding] = []
            if status.isThread, let process = ProcessStatus.read(status.threadGroup) {
                findings.append(AccessFinding(ok: nil, subject: "pid \(given)", detail: "a thread of process \(status.threadGroup) (\(process.name)): attach reads that process"))
                status = process
            }
            let pid = status.pid
            if let reason = status.unreadableReason {
                findings.append(AccessFinding(ok: false, subject: "pid \(pid)", detail: reason.description))
                return (findings, pid, LiveInspection.describe(reason, pid: pid).exit)
            }
            let access = AccessCheck.process(pid)
            findings += access
            if status.tracer != 0 { return (findings, pid, .permissionDenied) }
            if access.contains(where: { $0.ok == false }) { return (findings, pid, .permissionDenied) }
            let python = pythonFinding(pid)
            findings.append(python.finding)
            return (findings, pid, python.exit)
        }

        /// Which Python, and whether its layout is known: what `attach` would find first.
        private func pythonFinding(_ pid: Int32) -> (finding: AccessFinding, exit: PyInspectExit) {
            do {
                let image = try TargetProcess.open(pid: pid)
                let reader = try HeapReader.prepare(image: image, memory: ProcessMemory(pid: pid))
                let where_ = image.pythonLibrary.map { "shared libpython \($0)" } ?? "static \(image.executable)"
                return (AccessFinding(ok: true, subject: "python", detail: "\(reader.detected.display) (\(reader.detected.source)); \(where_); layout \(reader.layout.series) supported"), .success)
            } catch {
                let reported = LiveInspection.describe(error, pid: pid)
                return (AccessFinding(ok: false, subject: "python", detail: reported.message), reported.exit)
            }
        }
    }
}
