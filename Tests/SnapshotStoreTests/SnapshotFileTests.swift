import Foundation
import HeapModel
@testable import SnapshotStore
import Testing

@Suite struct SnapshotFileTests {
    func sample() -> HeapSnapshot {
        // In address order (as a snapshot reads back): 1 -> 2 -> 1 (a cycle), 0 -> 1; object 3 references nothing.
        let objects = HeapObjects(addresses: [0x5555_0000_3000, 0x7f00_0000_1000, 0x7f00_0000_2000, 0x7f00_0000_4000],
                                  types: [0xA0, 0xA0, 0xB0, 0xC0], generations: [2, 0, 1, 2], sizes: [56, 56, 72, 4096],
                                  refcounts: [1, 2, 1, HeapObjects.immortal], collectable: [false, true, true, false],
                                  starts: [0, 1, 2, 3, 3], targets: [1, 2, 1])
        let types: [UInt64: TypeInfo] = [
            0xA0: TypeInfo(address: 0xA0, name: "Node", qualified: "app.Node", tpName: "Node", isHeapType: true),
            0xB0: TypeInfo(address: 0xB0, name: "dict", qualified: "builtins.dict", tpName: "dict", isHeapType: false),
        ]
        // Object 0 is a root's: `module app .NODES` holds it; 1 and 2 are garbage.
        let paths = HeapPaths(sources: [PathSource(node: 0, name: RootName(kind: .module, text: "module app"))], frozen: 0..<0,
                              labels: [.attribute("peer"), .key("x")], labelOf: [-1, 0, -1, -1], retainerOf: [-1, 0, -2, -2],
                              sourceOf: [0, 0, -1, -1], details: [0: HeapPaths.Detail(text: "Node (app.py:3)", omittedBefore: 1)],
                              cycleOf: [1: 0, 2: 0])
        return HeapSnapshot(meta: ["pid": "42", "python_version": "3.12.1", "note": "ünïcode \"quoted\""], objects: objects, types: types,
                            garbage: [ObjectRef(address: 0x7f00_0000_4000, type: 0xC0)],
                            cycles: [SnapshotCycle(count: 1, objects: 2, heldBytes: 128, path: "Node.peer -> dict['x'] -> Node",
                                                   qualifiedPath: "app.Node.peer -> builtins.dict['x'] -> app.Node")],
                            paths: paths)
    }

    /// Changes a snapshot behind pyinspect's back, with the library itself.
    func runSQL(_ path: String, _ sql: String) throws -> Bool {
        let database = try SQLiteDatabase(path: path, create: true)
        try database.execute(sql)
        return true
    }

    func temporaryFile(_ name: String) -> String {
        NSTemporaryDirectory() + "/pyinspect-snapshot-test-\(getpid())-\(name)"
    }

    @Test func roundTrip() throws {
        let path = temporaryFile("round.db")
        defer { unlink(path) }
        let original = sample()
        try SnapshotFile.write(original, to: path)
        let read = try SnapshotFile.read(path)
        #expect(read.objects == original.objects)
        #expect(read.meta["pid"] == "42")
        #expect(read.meta["note"] == "ünïcode \"quoted\"")
        #expect(read.meta["schema"] == SnapshotSchema.name)
        #expect(read.meta["object_count"] == "4")
        #expect(read.types[0xA0] == original.types[0xA0])
        #expect(read.types[0xC0] == .unreadable(0xC0))  // named by an object, not readable: still a row
        #expect(read.garbage == original.garbage)
        #expect(read.cycles == original.cycles)
        #expect(read.paths == original.paths)
        // Numbers that point nowhere are damage, not trusted.
        for (sql, reason) in [
            ("UPDATE edges SET target = 9 WHERE source = 0", "a reference from object 0 to object 9, which is not in the snapshot"),
            ("UPDATE objects SET label_id = 7 WHERE id = 1", "an object names a label, retainer, root or cycle that is not in the snapshot"),
            ("DELETE FROM objects WHERE id = 2", "object 2 is missing"),
            ("UPDATE labels SET kind = 'mystery' WHERE id = 0", "label 0 is missing or of no known kind"),
        ] {
            try SnapshotFile.write(original, to: path)
            #expect(try runSQL(path, sql))
            #expect(throws: SnapshotError.corrupt(path: path, reason: reason)) { try SnapshotFile.read(path) }
        }
    }

    /// A file written by pyinspect 0.x (schema 1: objects keyed by address, references as JSON
    /// addresses) still reads, without paths.
    @Test func schemaOneStillReads() throws {
        let path = temporaryFile("v1.db")
        defer { unlink(path) }
        #expect(try runSQL(path, """
            PRAGMA application_id = \(SnapshotSchema.applicationID); PRAGMA user_version = 1;
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE types (id INTEGER PRIMARY KEY, address INTEGER NOT NULL, name TEXT NOT NULL, qualified TEXT NOT NULL,
                                tp_name TEXT NOT NULL, heap_type INTEGER NOT NULL);
            CREATE TABLE objects (address INTEGER PRIMARY KEY, type_id INTEGER NOT NULL, generation INTEGER NOT NULL, size INTEGER NOT NULL,
                                  refcount INTEGER NOT NULL, collectable INTEGER NOT NULL, refs TEXT NOT NULL);
            CREATE TABLE garbage (position INTEGER PRIMARY KEY, address INTEGER NOT NULL, type_id INTEGER NOT NULL);
            CREATE TABLE cycles (rank INTEGER PRIMARY KEY, count INTEGER NOT NULL, objects INTEGER NOT NULL, held_bytes INTEGER NOT NULL,
                                 path TEXT NOT NULL);
            INSERT INTO meta VALUES ('schema', 'pyinspect-snapshot/1'), ('object_count', '2'), ('pid', '7');
            INSERT INTO types VALUES (0, 160, 'Node', 'app.Node', 'Node', 1);
            INSERT INTO objects VALUES (4096, 0, 0, 56, 1, 1, '[8192]'), (8192, 0, 2, 56, 1, 1, '[4096]');
            INSERT INTO cycles VALUES (1, 1, 2, 112, 'Node.peer -> Node');
            """))
        let read = try SnapshotFile.read(path)
        #expect(read.objects.addresses == [4096, 8192] && read.objects.targets == [1, 0] && read.objects.generations == [0, 2])
        #expect(read.paths == nil && !read.recordsUntracked)
        #expect(read.cycles == [SnapshotCycle(count: 1, objects: 2, heldBytes: 112, path: "Node.peer -> Node")])
    }

    @Test func writingReplacesAtomically() throws {
        let path = temporaryFile("atomic.db")
        defer { unlink(path) }
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        try SnapshotFile.write(sample(), to: path)
        #expect(try SnapshotFile.read(path).objects.count == 4)
        // The temporary file beside it (`.NAME.tmp-RANDOM`) is gone.
        let name = (path as NSString).lastPathComponent
        let siblings = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
        #expect(!siblings.contains { $0.hasPrefix(".\(name).tmp-") })
        // A directory that does not exist: a clear error.
        #expect(throws: SnapshotError.cannotWrite(path: "/nonexistent-dir/s.db", reason: "the directory /nonexistent-dir does not exist")) {
            try SnapshotFile.write(sample(), to: "/nonexistent-dir/s.db")
        }
    }

    @Test func damagedFiles() throws {
        let path = temporaryFile("damaged.db")
        defer { unlink(path) }
        try SnapshotFile.write(sample(), to: path)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        // Every table page damaged but the header intact: a clean error, never a crash.
        for offset in stride(from: 32768 * 2, to: bytes.count, by: 97) { bytes[offset] ^= 0x5A }
        try bytes.write(to: URL(fileURLWithPath: path))
        do {
            _ = try SnapshotFile.read(path)
            Issue.record("a damaged file was read without an error")
        } catch {
            switch error {
            case .corrupt, .notASnapshot: break
            default: Issue.record("unexpected error \(error)")
            }
        }
        try Data(bytes.prefix(100)).write(to: URL(fileURLWithPath: path))
        #expect(throws: SnapshotError.corrupt(path: path, reason: "truncated: 100 of \(bytes.count) bytes")) { try SnapshotFile.read(path) }
    }

    /// Schema 1's `refs` column, as the reader parses it.
    @Test func referencesText() {
        func parse(_ text: String) -> [UInt64]? {
            var values: [UInt64] = [9]
            let ok = Array(text.utf8).withUnsafeBytes { JSONIntegers.parse($0, into: &values) }
            return ok ? Array(values.dropFirst()) : (values == [9] ? nil : [1 << 63])
        }
        #expect(parse("[]") == [])
        #expect(parse("[1,2,140234567890123]") == [1, 2, 140_234_567_890_123])
        #expect(parse("[9223372036854775807]") == [UInt64(Int64.max)])
        for bad in ["", "[", "]", "[1,]", "[,1]", "[1 2]", "[-1]", "1,2", "[1]x", "[9223372036854775808]", "[99999999999999999999]"] {
            #expect(parse(bad) == nil, "\(bad)")
        }
    }
}
