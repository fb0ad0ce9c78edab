import CPythonLayouts
import Foundation
import HeapModel
import LinuxTarget
@testable import PyHeapReader
import RemoteMemory
import Testing

/// The thread-stack reader on a sealed copy of a live target (stacks_target.py): every thread by its
/// `threading` name, its innermost frame and what that frame's locals hold, as the target itself says.
@Suite("thread stacks: names, innermost frames and their locals")
struct ThreadStacksTests {
    static let script = Paths.repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/stacks_target.py").path

    /// The copy is taken twice, as `attach` takes it (thread stacks left out) and with every writable
    /// mapping: the frames must be the same. The truth: stacks_target.py's --expect file.
    @Test("every thread's name, ids, innermost function and line, and its locals by name and address",
          arguments: Interpreters.installed)
    func innermostFramesAndLocals(_ interpreter: Interpreter) throws {
        let directory = try makeTempDirectory()
        let expect = directory + "/expect.json"
        let target = try TargetProcess(interpreter: interpreter, arguments: ["-S", Self.script, "--expect", expect],
                                       directory: directory)
        defer { target.stop() }
        let truth = try J.array(try parseJSONObject(try #require(FileManager.default.contents(atPath: expect)), what: "stacks truth")["threads"],
                                "threads").map { try J.object($0, "thread") }
        let image = try LinuxTarget.TargetProcess.open(pid: target.pid)
        let live = ProcessMemory(pid: target.pid)
        let reader = try HeapReader.prepare(image: image, memory: live)
        let full = try Self.copy(pid: target.pid, live: live, stacks: true)
        let stacks = ThreadStack.read(memory: full, layout: reader.layout, symbols: reader.symbols, interpreter: reader.interpreter)
        let layout = reader.layout

        #expect(stacks.map(\.name) == (try truth.map { try J.string($0["name"], "name") }), "\(interpreter)")
        #expect(stacks.map(\.complete) == stacks.map { _ in true }, "\(interpreter)")
        for (stack, thread) in zip(stacks, truth) {
            let what = "\(interpreter) \(stack.name ?? "?")"
            #expect("0x" + String(stack.threadId, radix: 16) == (try J.string(thread["ident"], "ident")), "\(what)")
            // 3.11+ keep the native id in the thread state, 3.8–3.10 in the Thread object; older series have none.
            let native = thread["native"] as? Int
            #expect(stack.nativeId == native, "\(what)")
            let innermost = try #require(stack.frames.first, "\(what): no frames")
            let function = try J.string(thread["function"], "function"), line = try J.int(thread["line"], "line")
            #expect(innermost.detail == "\(function) (stacks_target.py:\(line))", "\(what)")
            #expect(stack.frames.map { $0.detail ?? "?" } == (try J.strings(thread["stack"], "stack")), "\(what)")
            let locals = try J.object(thread["locals"], "locals").mapValues { try J.string($0, "local") }
            var held: [(address: UInt64, label: EdgeLabel)] = []
            if layout.stacks.frame != nil {
                // ≤3.10: the frame object is a gc object; its traverse names the locals.
                #expect(innermost.references.isEmpty && innermost.interpreterFrame == nil, "\(what)")
                let frame = try #require(innermost.frameObject, "\(what): no frame object")
                let finder = ReferenceFinder(memory: full, layout: layout, strType: reader.symbols[layout.nameStringTypeSymbol])
                held = finder.labeledReferents(of: frame, traversal: .frame)
            } else {
                #expect(innermost.interpreterFrame != nil, "\(what)")
                held = innermost.references
            }
            for (name, address) in locals {
                let found = held.first { $0.label == .attribute(name) }?.address
                #expect(found.map { "0x" + String($0, radix: 16) } == address, "\(what): local \(name)")
            }
        }

        // Without the thread stacks (3.11–3.12's _PyCFrame and the 3.12+ entry frames are there): the same frames.
        let paused = try Self.copy(pid: target.pid, live: live, stacks: false)
        let withoutStacks = ThreadStack.read(memory: paused, layout: layout, symbols: reader.symbols, interpreter: reader.interpreter)
        #expect(withoutStacks.map(Self.summary) == stacks.map(Self.summary), "\(interpreter)")
        // Only 3.11–3.12 lose their way to the innermost frame (found again through the data stack).
        #expect(withoutStacks.map(\.complete) == stacks.map { _ in layout.stacks.cframeCurrentFrame == nil }, "\(interpreter)")
    }

    /// A sealed copy of the target's writable memory, taken while it is stopped; `stacks: false` leaves the
    /// thread stacks out, as `attach` does.
    static func copy(pid: Int32, live: ProcessMemory, stacks: Bool) throws -> CachedMemory {
        let stopper = try ThreadStopper.stop(pid: pid)
        defer { stopper.resume() }
        let maps = try ProcMaps.read(pid: pid)
        let threadStacks = ThreadStackRegions(maps)
        let copy = CachedMemory(base: live, regions: ProcMaps.regions(maps))
        try copy.prefetchWritable { stacks || !threadStacks.contains($0) }
        copy.seal()
        return copy
    }

    /// Everything a stack says, as text (labels and addresses of what each frame holds included).
    static func summary(_ stack: ThreadStack) -> String {
        let frames = stack.frames.map { frame in
            let held = frame.references.map { "\($0.label)=\(String($0.address, radix: 16))" }.joined(separator: ",")
            return "\(frame.detail ?? "?") \(frame.frameObject ?? 0) \(frame.interpreterFrame ?? 0) [\(held)]"
        }
        return "\(stack.threadId) \(stack.nativeId ?? -1) \(stack.name ?? "?"): " + frames.joined(separator: " | ")
    }
}
