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
        return HeapSnapshot(meta: ["pid": "42", "python_version": "3.12.1", "note": "ünïcode \"quoted\""], objects: objects, types: types,
                            garbage: [ObjectRef(address: 0x7f00_0000_4000, type: 0xC0)],
                            cycles: [SnapshotCycle(count: 1, objects: 2, heldBytes: 128, path: "Node.peer -> dict['x'] -> Node")])
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
        let withoutReferences = try SnapshotFile.read(path, references: false)
        #expect(withoutReferences.objects.targets.isEmpty)
        #expect(withoutReferences.objects.starts == [0, 0, 0, 0, 0])
        // A reference to an address that is not an object of the snapshot is damage, not trusted.
        let bad = try runSQL(path, "UPDATE objects SET refs = '[12345]' WHERE address = \(0x5555_0000_3000)")
        #expect(bad)
        #expect(throws: SnapshotError.corrupt(path: path, reason: "a reference to 0x3039, which is not in the snapshot")) {
            try SnapshotFile.read(path)
        }
        #expect(withoutReferences.objects.addresses == original.objects.addresses)
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

    @Test func referencesText() {
        var out: [UInt8] = []
        let addresses: [UInt64] = [0, 7, 140_234_567_890_123, UInt64(Int64.max)]
        let positions: [Int32] = [3, 2, 1, 0, 2]
        addresses.withUnsafeBufferPointer { addresses in
            positions.withUnsafeBufferPointer { positions in
                JSONIntegers.append(addressesOf: positions[0..<0], in: addresses, to: &out)
                JSONIntegers.append(addressesOf: positions[0..<5], in: addresses, to: &out)
            }
        }
        #expect(String(decoding: out, as: UTF8.self) == "[][9223372036854775807,140234567890123,7,0,140234567890123]")
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
