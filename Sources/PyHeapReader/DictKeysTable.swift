import CPythonLayouts
import RemoteMemory

/// The shape of a dict's keys object (`PyDictKeysObject`): how many slots its hash table has, how
/// big the index array in front of the entries is, and where and how big each entry is. 3.8–3.10
/// store `dk_size` (index width 1/2/4/8 bytes by size); 3.11+ store the log2 of the size and of the
/// index bytes, and unicode-only tables use `{key, value}` entries instead of `{hash, key, value}`.
struct DictKeysTable {
    var slots: Int
    var indexBytes: Int
    /// Address of entry 0.
    var entries: UInt64
    var entrySize: Int
    /// Offset of `me_key` inside an entry (the value follows it).
    var keyOffset: Int

    static let maxSlots = 1 << 30

    init<Memory: MemoryReader>(keys: UInt64, memory: Memory, layout d: DictLayout) throws(MemoryError) {
        entrySize = d.entrySize
        keyOffset = 8
        if let sizeField = d.keysSize {
            slots = Int(try memory.load(Int64.self, at: keys &+ UInt64(sizeField)))
            guard slots > 0, slots <= Self.maxSlots else {
                throw MemoryError.limitExceeded(what: "dict size", value: slots, limit: Self.maxSlots)
            }
            indexBytes = slots * (slots <= 0xff ? 1 : slots <= 0xffff ? 2 : slots <= 0xffff_ffff ? 4 : 8)
        } else {
            guard let log2SizeField = d.keysLog2Size, let log2IndexField = d.keysLog2IndexBytes, let kindField = d.keysKind,
                  let unicodeSize = d.unicodeEntrySize else {
                throw MemoryError.limitExceeded(what: "dict layout", value: 0, limit: 0)
            }
            let log2Size = Int(try memory.load(UInt8.self, at: keys &+ UInt64(log2SizeField)))
            let log2Index = Int(try memory.load(UInt8.self, at: keys &+ UInt64(log2IndexField)))
            guard log2Size <= 30, log2Index <= 33 else {
                throw MemoryError.limitExceeded(what: "dict size log2", value: max(log2Size, log2Index), limit: 30)
            }
            slots = 1 << log2Size
            indexBytes = 1 << log2Index
            if try memory.load(UInt8.self, at: keys &+ UInt64(kindField)) != 0 {  // unicode or split keys
                entrySize = unicodeSize
                keyOffset = 0
            }
        }
        entries = keys &+ UInt64(d.keysIndices) &+ UInt64(indexBytes)
    }

    /// Entries a table of this size can hold before it grows (`USABLE_FRACTION`).
    var usable: Int { (slots << 1) / 3 }

    /// Address of entry `index`'s key slot.
    func keySlot(_ index: Int) -> UInt64 { entries &+ UInt64(index * entrySize + keyOffset) }
}
