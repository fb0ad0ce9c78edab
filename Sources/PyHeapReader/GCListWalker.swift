import CPythonLayouts
import HeapModel
import RemoteMemory

/// Walks one circular, doubly linked gc list (a generation, or the permanent generation) and counts
/// its objects by type.
///
/// Every step is checked: the next link must be readable and its back link must point at the
/// previous entry (flag bits masked). On a paused target a broken link is an error; on a running
/// target (`--no-pause`) the walk stops there and the list is marked truncated. The number of steps
/// is bounded, so a looping list cannot hang pyinspect.
struct GCListWalker {
    let memory: CachedMemory
    let layout: PythonLayout
    let strict: Bool
    var progress: ProgressHandler? = nil

    struct Result {
        var census = TypeCensus()
        var truncated = false
        var unreadable = 0
        /// Objects whose refcount marks them immortal (counted only when asked for).
        var immortal = 0
    }

    /// Low bits of both link words carry flags (FINALIZED, COLLECTING, NEXT_MASK_UNREACHABLE).
    static let linkMask: UInt64 = ~3

    /// Walks the list at `head`; with a `generation`, appends every object to `objects`; with
    /// `countImmortal`, counts the objects whose refcount marks them immortal (3.12+).
    func walk(head: UInt64, label: String, generation: UInt8? = nil, countImmortal: Bool = false,
              into objects: inout TrackedObjects) throws(ReaderError) -> Result {
        var result = Result()
        let headSize = UInt64(layout.gc.headSize)
        let typeOffset = UInt64(layout.object.type)
        var counts = TypeCounter()
        let immortalCheck = countImmortal && layout.hasImmortalObjects
        let refcountOffset = UInt64(layout.object.refcount)
        var previous = head
        var current: UInt64
        do {
            current = try memory.word(at: head) & Self.linkMask
        } catch {
            throw .inconsistent("\(label): list head at 0x\(hex(head)) is unreadable")
        }
        var steps = 0
        while current != head {
            guard steps < ReadLimits.maxListObjects else {
                if strict { throw .inconsistent("\(label): more than \(ReadLimits.maxListObjects) objects; the list loops") }
                result.truncated = true
                break
            }
            let next: UInt64, back: UInt64
            do {
                next = try memory.word(at: current) & Self.linkMask
                back = try memory.word(at: current &+ 8) & Self.linkMask
            } catch {
                if strict { throw .inconsistent("\(label): entry \(steps + 1) at 0x\(hex(current)) is unreadable") }
                result.truncated = true
                break
            }
            guard back == previous else {
                if strict {
                    throw .inconsistent("\(label): entry \(steps + 1) at 0x\(hex(current)) links back to 0x\(hex(back)), not 0x\(hex(previous))")
                }
                result.truncated = true
                break
            }
            steps += 1
            if steps & 0x3FFFF == 0 { progress?(label, steps, nil) }
            let object = current &+ headSize
            if let type = try? memory.word(at: object &+ typeOffset) {
                counts.add(type)
                if let generation { objects.append(object, type: type, generation: generation) }
                if immortalCheck, let refcount = try? memory.word(at: object &+ refcountOffset),
                   PythonLayout.isImmortal(refcount: refcount) {
                    result.immortal += 1
                }
            } else {
                result.unreadable += 1
            }
            previous = current
            current = next
        }
        result.census.count = steps
        result.census.byType = counts.dictionary
        return result
    }
}

/// The tracked objects of the collected generations as columns, in list order: what the
/// collectable analysis works on, without an `ObjectRef` array per generation in between.
public struct TrackedObjects: Sendable {
    public var addresses: [UInt64] = []
    public var types: [UInt64] = []
    public var generations: [UInt8] = []

    public var count: Int { addresses.count }

    mutating func reserve(_ count: Int) {
        addresses.reserveCapacity(count)
        types.reserveCapacity(count)
        generations.reserveCapacity(count)
    }

    @inline(__always)
    mutating func append(_ address: UInt64, type: UInt64, generation: UInt8) {
        addresses.append(address)
        types.append(type)
        generations.append(generation)
    }

    /// The objects of one generation, as the model lists them.
    func objects(inGeneration generation: UInt8) -> [ObjectRef] {
        zip(zip(addresses, types), generations).compactMap { $1 == generation ? ObjectRef(address: $0.0, type: $0.1) : nil }
    }
}

func hex(_ value: UInt64) -> String { String(value, radix: 16) }

/// Counts objects per type address (or numbers types: a count is any value). A heap has a few
/// thousand types at most, so a small open-addressing table with a multiplicative hash beats
/// `Dictionary` (SipHash) on the hot path.
struct TypeCounter {
    private var keys = [UInt64](repeating: 0, count: 1024)
    private var counts = [Int](repeating: 0, count: 1024)
    private var used = 0

    @inline(__always)
    private func slot(for type: UInt64, in keys: [UInt64]) -> Int {
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: ((type >> 3) &* 0x9E37_79B9_7F4A_7C15) >> 44) & mask
        while keys[slot] != 0 && keys[slot] != type { slot = (slot + 1) & mask }
        return slot
    }

    @inline(__always)
    mutating func add(_ type: UInt64, count: Int = 1) {
        guard type != 0 else { return }
        let index = slot(for: type, in: keys)
        if keys[index] == 0 {
            keys[index] = type
            used += 1
        }
        counts[index] += count
        if used * 2 > keys.count { grow() }
    }

    /// The count of `type`; 0 for a type never added.
    @inline(__always)
    func count(of type: UInt64) -> Int {
        guard type != 0 else { return 0 }
        let index = slot(for: type, in: keys)
        return keys[index] == type ? counts[index] : 0
    }

    /// Doubles the table and re-inserts every type with its count.
    private mutating func grow() {
        let old = zip(keys, counts).filter { $0.0 != 0 }
        keys = [UInt64](repeating: 0, count: keys.count * 2)
        counts = [Int](repeating: 0, count: keys.count)
        used = 0
        for (type, count) in old { add(type, count: count) }
    }

    var dictionary: [UInt64: Int] {
        var out: [UInt64: Int] = [:]
        for (key, count) in zip(keys, counts) where key != 0 { out[key] = count }
        return out
    }
}
