import ArgumentParser
import Glibc
import OutputFiles
import SystemPackage

/// Writes all of `text` to stdout, or exits 18 (`outputFailed`): a write error (`> /dev/full`, a full
/// disk) is said in one line on stderr; a closed pipe (`| head`) ends the program quietly. Swift
/// leaves SIGPIPE at its default action, which would kill pyinspect (status 141 in a shell) — unless
/// the parent ignored it; `writeAllWithoutSIGPIPE` turns it into EPIPE either way, so a reader that
/// has gone is always the quiet exit 18.
func writeStdout(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        do throws(Errno) {
            try writeAllWithoutSIGPIPE(.standardOutput, UnsafeRawBufferPointer(bytes))
        } catch {
            if error != .brokenPipe { writeStderr("pyinspect: cannot write to standard output: \(error)") }
            exit(PyInspectExit.outputFailed.rawValue)
        }
    }
}

/// Writes `line` to stderr with a newline; errors are ignored (there is nowhere left to report them).
func writeStderr(_ line: String) {
    var text = line
    if !text.hasSuffix("\n") { text += "\n" }
    text.withUTF8 { try? writeAllWithoutSIGPIPE(.standardError, UnsafeRawBufferPointer($0)) }
}

/// Prints the one-line error and exits with its documented code.
func fail(_ error: ReportedError) -> Never {
    writeStderr("pyinspect: \(error.message)")
    exit(error.exit.rawValue)
}
