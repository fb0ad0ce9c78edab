import ArgumentParser
import Glibc

/// Writes all of `text` to stdout; a closed pipe ends the program quietly with its own exit code.
func writeStdout(_ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
        if written < 0 {
            if errno == EINTR { continue }
            exit(PyInspectExit.outputFailed.rawValue)
        }
        offset += written
    }
    bytes.removeAll()
}

func writeStderr(_ line: String) {
    var text = line
    if !text.hasSuffix("\n") { text += "\n" }
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
        if written < 0 && errno == EINTR { continue }
        if written <= 0 { return }
        offset += written
    }
}

/// Prints the one-line error and exits with its documented code.
func fail(_ error: ReportedError) -> Never {
    writeStderr("pyinspect: \(error.message)")
    exit(error.exit.rawValue)
}
