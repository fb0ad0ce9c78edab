import ArgumentParser
import HeapModel
import HeapRendering
import LinuxTarget
import PyHeapReader
import RemoteMemory

extension PyInspect {
    /// For the test suite and scripts/fuzz.sh, not for users: records a real process's memory once,
    /// then reads thousands of randomly damaged copies of the recording.
    struct Fuzz: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a process's memory, then read randomly damaged copies of the recording (a robustness test).",
            shouldDisplay: false)

        @Argument(help: "A CPython process to record (paused for the copy only).")
        var pid: Int32

        @Option(name: .long, help: "Damaged copies to read.")
        var cases = 200

        @Option(name: .long, help: "Seed of the damage (the same seed damages the same way).")
        var seed: UInt64 = 1

        func run() throws {
            let started = monotonicSeconds()
            let recording: Recording
            do {
                recording = try Recording.make(pid: pid)
            } catch {
                fail(LiveInspection.describe(error, pid: pid))
            }
            let clean = try? recording.reader.capture(memory: recording.cache(), keepGenerationObjects: true,
                                                      findCollectable: true, strict: true)
            let objects = (clean?.generations ?? []).flatMap { $0.objects ?? [] }.map(\.address)
            guard !objects.isEmpty else {
                fail(ReportedError(exit: .inconsistentMemory, message: "pid \(pid): the recording could not be read cleanly"))
            }
            var damage = MemoryDamage(seed: seed)
            var read = 0, refused = 0
            for _ in 0..<cases {
                let image = recording.image.copy()
                // Half the damage near tracked objects (their headers, links, fields), half anywhere.
                damage.damage(image, regions: recording.writable, pointers: objects, aim: damage.next() % 2 == 0 ? objects : [])
                do {
                    let capture = try recording.reader.capture(memory: recording.cache(image), keepGenerationObjects: false,
                                                               findCollectable: true, strict: damage.next() % 2 == 0)
                    _ = capture.collectable?.census.count
                    read += 1
                } catch {
                    refused += 1
                }
            }
            writeStdout("fuzz pid \(pid): \(cases) damaged copies of a \(recording.bytes >> 20) MiB recording "
                        + "(\(objects.count) tracked objects): \(read) read, \(refused) refused, "
                        + "in \(duration(monotonicSeconds() - started))\n")
        }
    }
}

/// A process's readable memory, copied while it is paused, into an image that can be copied and damaged.
struct Recording {
    let reader: HeapReader
    let image: MemoryImage
    /// The writable mappings: where damage goes.
    let writable: [Range<UInt64>]
    let bytes: Int
    /// The mappings as the target had them (code marked executable, for the traverse emulator).
    let regions: [MemoryRegion]

    func cache(_ image: MemoryImage? = nil) -> CachedMemory { CachedMemory(base: image ?? self.image, regions: regions) }

    static func make(pid: Int32) throws -> Recording {
        let target = try TargetProcess.open(pid: pid)
        let live = ProcessMemory(pid: pid)
        let reader = try HeapReader.prepare(image: target, memory: live)
        let stopper = try ThreadStopper.stop(pid: pid)
        defer { stopper.resume() }
        let image = MemoryImage()
        var writable: [Range<UInt64>] = []
        var bytes = 0
        var regions: [MemoryRegion] = []
        for entry in try ProcMaps.read(pid: pid) where entry.readable && entry.end - entry.start <= 256 << 20
            && !entry.path.hasPrefix("[v") {
            var content = [UInt8](repeating: 0, count: Int(entry.end - entry.start))
            let copied = content.withUnsafeMutableBytes { buffer in (try? live.read(entry.start, into: buffer)) != nil }
            guard copied else { continue }
            image.map(at: entry.start, size: content.count, bytes: content)
            bytes += content.count
            regions.append(entry.region)
            if entry.writable { writable.append(entry.start..<entry.end) }
        }
        return Recording(reader: reader, image: image, writable: writable, bytes: bytes, regions: regions)
    }
}
