import Foundation
import Testing

/// `pyinspect top`'s memory breakdown against the allocator's own account: memory_target.py writes
/// sys._debugmallocstats() as the last thing before it prints READY (and allocates nothing after),
/// so the arenas, pools and blocks in use pyinspect reads from the pool headers of the paused copy
/// must be exactly the figures the target printed.
@Suite("top: where the objects found live (pymalloc pools, malloc blocks)")
struct MemoryTests {
    /// The figures of sys._debugmallocstats(): per block size (pools in use, blocks in use), and totals.
    struct MallocStats {
        var classes: [Int: (pools: Int, blocks: Int)] = [:]
        var arenas: Int?
        var allocatedBytes: Int?
        var availableBytes: Int?

        init(_ text: String) {
            func number(_ line: Substring) -> Int? { Int(line.split(separator: "=").last!.filter(\.isNumber)) }
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ").compactMap { Int($0) }
                if fields.count == 5, line.hasPrefix(" ") { classes[fields[1]] = (fields[2], fields[3]) }
                if line.hasPrefix("# arenas allocated current") { arenas = number(line) }
                if line.hasPrefix("# bytes in allocated blocks") { allocatedBytes = number(line) }
                if line.hasPrefix("# bytes in available blocks") { availableBytes = number(line) }
            }
        }
    }

    static let instances = 100_000, blobs = 200, blobSize = 100_000

    @Test("arenas, pools and blocks in use per size class are the target's own figures; the bytes objects are malloc blocks",
          arguments: Interpreters.installed)
    func breakdown(_ interpreter: Interpreter) throws {
        let directory = try makeTempDirectory()
        let statsPath = directory + "/mallocstats.txt"
        // 2.7 has no sys._debugmallocstats(): its figures are checked for consistency only.
        let hasStats = interpreter.series != "2.7"
        let target = try TargetProcess(interpreter: interpreter, arguments: ["-S", Paths.memoryScript, "--count", String(Self.instances),
                                                                             "--blobs", String(Self.blobs)] + (hasStats ? ["--stats", statsPath] : []),
                                       directory: directory)
        defer { target.stop() }
        let result = try runCLI(["top", String(target.pid), "--format", "json", "--top", "1"])
        try #require(result.status == .exited(0), "\(result)")
        let report = try parseJSONObject(Data(result.stdout.utf8), what: "top report")
        let memory = try J.object(report["memory"], "memory")
        let poolSize = try J.int(memory["pool_size"], "pool_size")
        let largePools = !["2.7", "3.6", "3.7", "3.8", "3.9"].contains(interpreter.series)
        #expect(poolSize == (largePools ? 16 << 10 : 4 << 10), "\(interpreter)")
        #expect(try J.int(memory["arena_size"], "arena_size") == (largePools ? 1 << 20 : 256 << 10))
        var classes: [Int: (pools: Int, blocks: Int, found: Int)] = [:]
        for entry in try J.array(memory["size_classes"], "size_classes") {
            let c = try J.object(entry, "size class")
            classes[try J.int(c["block_size"], "block_size")] = (try J.int(c["pools"], "pools"), try J.int(c["blocks"], "blocks"),
                                                                 try J.int(c["found_blocks"], "found_blocks"))
        }
        // Every Small instance is a pymalloc block, all of one class.
        #expect(classes.values.contains { $0.found >= Self.instances }, "\(interpreter): \(classes)")
        #expect(classes.values.allSatisfy { $0.found <= $0.blocks && $0.blocks > 0 })
        let pools = try J.int(memory["pools"], "pools"), empty = try J.int(memory["empty_pools"], "empty_pools")
        #expect(pools - empty == classes.values.reduce(0) { $0 + $1.pools })
        let used = try J.int(memory["pool_used_bytes"], "pool_used_bytes"), free = try J.int(memory["pool_free_bytes"], "pool_free_bytes")
        #expect(used == classes.reduce(0) { $0 + $1.key * $1.value.blocks })
        let overhead = try J.int(memory["pool_overhead_bytes"], "overhead"), emptyBytes = try J.int(memory["empty_pool_bytes"], "empty")
        #expect(used + free + overhead + emptyBytes == pools * poolSize)
        // The bytes objects and SMALL's item array are malloc chunks, each at least what it holds.
        #expect(try J.int(memory["malloc_blocks"], "malloc_blocks") >= Self.blobs + 1)
        #expect(try J.int(memory["malloc_bytes"], "malloc_bytes") >= Self.blobs * Self.blobSize + Self.instances * 8)
        // In neither: 2.7's ints and floats (carved from its own int/float blocks), and on 3.14 and 3.15
        // two small str in anonymous memory that is no pool and no chunk.
        let newest = interpreter.series.hasSuffix("3.14") || interpreter.series.hasSuffix("3.15")
        if interpreter.series != "2.7" { #expect(try J.int(memory["other_objects"], "other_objects") <= (newest ? 2 : 0), "\(interpreter)") }
        let anonymous = try J.int(memory["resident_anonymous_bytes"], "resident_anonymous_bytes")
        let malloced = try J.int(memory["malloc_bytes"], "malloc"), other = try J.int(memory["other_bytes"], "other")
        #expect(try J.int(memory["unexplained_bytes"], "unexplained") == anonymous - pools * poolSize - malloced - other)
        if hasStats {
            let stats = MallocStats(try String(contentsOfFile: statsPath, encoding: .utf8))
            #expect(try J.int(memory["arenas"], "arenas") == stats.arenas, "\(interpreter)")
            let ours = classes.mapValues { "\($0.pools) pools, \($0.blocks) blocks" }
            let theirs = stats.classes.filter { $0.value.pools > 0 }.mapValues { "\($0.pools) pools, \($0.blocks) blocks" }
            #expect(ours == theirs, "\(interpreter): by block size\n\(countDiffText(theirs, ours))")
            #expect(used == stats.allocatedBytes && free == stats.availableBytes, "\(interpreter): \(used) \(free) vs \(String(describing: stats.allocatedBytes)) \(String(describing: stats.availableBytes))")
        }

        let text = try runCLI(["top", String(target.pid), "--top", "1"])
        try #require(text.status == .exited(0), "\(text)")
        #expect(text.stdout.contains(" pymalloc arenas, ") && text.stdout.contains(" malloc blocks it found"), "\(text.stdout)")
        #expect(target.stop() == .exited(0))
    }

    /// The rows two string maps differ in.
    func countDiffText(_ expected: [Int: String], _ got: [Int: String]) -> String {
        Set(expected.keys).union(got.keys).sorted().compactMap { size in
            expected[size] == got[size] ? nil : "  \(size) bytes: target \(expected[size] ?? "none"), pyinspect \(got[size] ?? "none")"
        }.joined(separator: "\n")
    }
}
