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
            if let pid {
                let process = AccessCheck.process(pid)
                findings += process
                if process.first?.detail == "no such process" {
                    verdict = .noSuchProcess
                } else if process.contains(where: { $0.ok == false }) {
                    verdict = .permissionDenied
                } else {
                    let python = pythonFinding(pid)
                    findings.append(python.finding)
                    if verdict == .success { verdict = python.exit }
                }
            }
            var out = ""
            for finding in findings {
                let mark = finding.ok.map { $0 ? "ok  " : "FAIL" } ?? "    "
                out += "\(mark)  \(finding.subject): \(finding.detail)\n"
            }
            out += verdict == .success
                ? (pid.map { "pyinspect can read pid \($0)\n" } ?? "nothing blocks pyinspect here\n")
                : "pyinspect cannot read \(pid.map { "pid \($0)" } ?? "other processes") now (exit \(verdict.rawValue): \(verdict.meaning))\n"
            writeStdout(out)
            if verdict != .success { throw ExitCode(verdict.rawValue) }
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
