import Glibc
import HeapModel
import HeapRendering

/// Progress on stderr for long runs: only when stderr is a terminal (never in pipes, logs or JSON
/// consumers' way), only after the first second, on one line that is cleared at the end.
final class ProgressLine {
    private let started = monotonicSeconds()
    private let enabled = isatty(2) == 1
    private var shown = false

    var handler: ProgressHandler? {
        guard enabled else { return nil }
        return { [self] phase, done, total in self.update(phase, done, total) }
    }

    private func update(_ phase: String, _ done: Int, _ total: Int?) {
        guard monotonicSeconds() - started >= 1 else { return }
        let count = total.map { "\(grouped(done)) of \(grouped($0))" } ?? grouped(done)
        writeRaw("\r\u{1B}[Kpyinspect: \(phase): \(count) objects")
        shown = true
    }

    /// Clears the line, if anything was shown.
    func finish() {
        if shown { writeRaw("\r\u{1B}[K") }
        shown = false
    }

    private func writeRaw(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}
