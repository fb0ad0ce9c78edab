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

/// Writes `text` to the `-o` file `path` as every output file is written (OutputFiles): a regular
/// file atomically, a device or FIFO as a stream, nothing ever replaced that is not a regular file.
/// `shared`: a new file is 0644, for figures another user reads (node_exporter), not 0600.
func writeOutputFile(_ text: String, to path: String, shared: Bool) throws(ReportedError) {
    do throws(OutputError) {
        let pending = try PendingOutputFile(path, permissions: shared ? [.ownerReadWrite, .groupRead, .otherRead] : .ownerReadWrite)
        do {
            let file = try FileDescriptor.open(FilePath(pending.temporaryPath), .writeOnly, options: [.noFollow, .closeOnExec])
            defer { try? file.close() }
            var text = text
            try text.withUTF8 { _ = try file.writeAll(UnsafeRawBufferPointer($0)) }
        } catch {
            throw OutputError(path: path, reason: "cannot write \(pending.temporaryPath): \(error)")
        }
        try pending.commit()
    } catch {
        throw ReportedError(exit: .outputFailed, message: "-o \(error)")
    }
}
