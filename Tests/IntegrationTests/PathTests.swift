import Foundation
import Testing

/// The path printed for each cycle shape, word for word: code named by its qualified name and its
/// file relative to `sys.path`, suspended coroutines with their function and line, exceptions and
/// tracebacks on the path (or noted beside it), and no two shapes printing the same text.
@Suite("attach: cycle paths a reader can act on")
struct PathTests {
    /// The shapes of `attach --format json`.
    func cycles(_ target: TargetProcess) throws -> [[String: Any]] {
        let result = try runCLI(["attach", String(target.pid), "--format", "json"])
        try #require(result.status == .exited(0), "\(result)")
        let report = try parseJSONObject(Data(result.stdout.utf8), what: "report")
        let collectable = try J.object(report["collectable"], "collectable")
        return try J.array(collectable["cycles"], "cycles").map { try J.object($0, "cycle") }
    }

    /// `path_text` of every shape.
    func pathTexts(_ target: TargetProcess) throws -> [String] {
        try cycles(target).map { try J.string($0["path_text"], "path_text") }
    }

    /// 3.11+ (Debian's python3 is 3.11): coroutines embed their frame.
    func embedsFrames(_ interpreter: Interpreter) -> Bool {
        !["2.7", "3.6", "3.7", "3.8", "3.9", "3.10"].contains(interpreter.series)
    }

    /// Not 2.7: the package has coroutines, and 2.7's exceptions hold no traceback.
    @Test("methods, closures and coroutines of a package on sys.path; exceptions; shapes told apart",
          arguments: Interpreters.installed.filter { $0.series != "2.7" })
    func packagePaths(_ interpreter: Interpreter) throws {
        // -B: no __pycache__ written into the source tree.
        let target = try TargetProcess(interpreter: interpreter, arguments: ["-B", "-S", Paths.pathsScript], directory: try makeTempDirectory())
        defer { target.stop() }
        let shapes = try cycles(target)
        let texts = try shapes.map { try J.string($0["path_text"], "path_text") }
        // JSON steps carry the detail too; the closing step repeats the start without it.
        let details = try shapes.flatMap { try J.array($0["path"], "path").map { try J.object($0, "step")["detail"] as? String } }
        #expect(details.contains("Handler.handle (shop/handlers.py:20)"), "\(details)")
        #expect(details.contains("Outer.make.<locals>.inner"), "\(details)")
        let coroutine = embedsFrames(interpreter)
            ? "Request.coro -> coroutine Service.serve (shop/views.py:11) .request -> Request"
            : "Request.coro -> coroutine.cr_frame -> frame Service.serve (shop/views.py:11) .request -> Request"
        let expected = [
            coroutine,
            "Aborted.__traceback__ -> traceback.tb_frame -> frame Handler.handle (shop/handlers.py:20) .request -> Request.error -> Aborted",
            // Request.me -> Request is shorter, but the exception and its traceback are what matter.
            "Aborted.__traceback__ -> traceback.tb_frame -> frame remember_failure (shop/handlers.py:31) .request -> Request.error -> Aborted",
            // The exception and its traceback are held by the cycle, not part of it.
            "Job.me -> Job (+ 1 Aborted, 1 traceback off the path)",
            "function Outer.make.<locals>.inner .__closure__ -> tuple[0] -> cell.cell_contents -> function",
            // Three shapes that all printed `Twin.me -> Twin`.
            "Twin.me -> Twin",
            "Twin.me -> Twin (+ 1 list off the path)",
            "Twin.items -> list[0] -> Twin",
        ]
        #expect(texts.sorted() == expected.sorted(), "\(interpreter): \(texts)")
        #expect(Set(texts).count == texts.count)
        #expect(target.stop() == .exited(0))
    }

    @Test("the cycles target: frames, generators and closures by qualified name", arguments: Interpreters.installed)
    func cyclesTargetPaths(_ interpreter: Interpreter) throws {
        let directory = try makeTempDirectory()
        let target = try TargetProcess(interpreter: interpreter,
                                       arguments: ["-S", Paths.cyclesScript, "--expect", directory + "/expect.json", "--count", "1"],
                                       directory: directory)
        defer { target.stop() }
        let texts = try pathTexts(target)
        let generator = embedsFrames(interpreter)
            ? "generator self_feeding_generator.<locals>.produce (cycles_target.py:124) .box -> cell.cell_contents -> list[0] -> generator"
            : "generator.gi_frame -> frame self_feeding_generator.<locals>.produce (cycles_target.py:124) .box -> cell.cell_contents -> list[0] -> generator"
        // 2.7: no __qualname__ (functions and frames are named by __name__), no exception tracebacks;
        // its defaultdict is the extension module's, traversed in the emulator and still named by key.
        let python2 = interpreter.series == "2.7"
        let expected = python2 ? [
            "generator.gi_frame -> frame produce (cycles_target.py:124) .box -> cell.cell_contents -> list[0] -> generator",
            "function inner .__closure__ -> tuple[0] -> cell.cell_contents -> function",
            "defaultdict[<str>] -> list[0] -> defaultdict",
            "deque[150] -> deque",
        ] : [
            "RequestFailed.__traceback__ -> traceback.tb_frame -> frame failing_handler (cycles_target.py:118) .request -> Request.error -> RequestFailed",
            generator,
            "function closure_cycle.<locals>.inner .__closure__ -> tuple[0] -> cell.cell_contents -> function",
        ]
        for text in expected + ["Pair.me -> Pair", "Pair.other -> Pair.other -> Pair"] {
            #expect(texts.contains(text), "\(interpreter): no `\(text)` in \(texts)")
        }
        #expect(Set(texts).count == texts.count, "\(interpreter): \(texts)")
    }
}
