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
        entries = keys &+ UInt64(d.keysIndices ?? 0) &+ UInt64(indexBytes)
    }

    /// 2.7's table: `slots` entries `{hash, key, value}` and no index array in front.
    init(slots: Int, entries: UInt64, entrySize: Int) {
        self.slots = slots
        indexBytes = 0
        self.entries = entries
        self.entrySize = entrySize
        keyOffset = 8
    }

    /// Entries a table of this size can hold before it grows (`USABLE_FRACTION`).
    var usable: Int { (slots << 1) / 3 }

    /// Address of entry `index`'s key slot.
    func keySlot(_ index: Int) -> UInt64 { entries &+ UInt64(index * entrySize + keyOffset) }
}

/// A dict's entries, wherever its layout keeps them: 3.6+ in its keys object (with the split values,
/// if any, apart), 2.7 in the `ma_mask + 1`-slot table `ma_table` points at (inline in `ma_smalltable`
/// while small), where every slot is scanned and a slot is live when its value is set.
struct DictShape {
    var table: DictKeysTable
    /// How many entries to scan: `dk_nentries`, or (2.7) every slot.
    var count: Int
    /// The keys object (0 in 2.7) and the split-table values (0: combined; always 0 in 2.7).
    var keys: UInt64
    var values: UInt64

    init<Memory: MemoryReader>(dict: UInt64, memory: Memory, layout d: DictLayout, limit: Int) throws(MemoryError) {
        if let keysField = d.keys, let valuesField = d.values, let countField = d.keysEntryCount {
            keys = try memory.load(UInt64.self, at: dict &+ UInt64(keysField))
            values = try memory.load(UInt64.self, at: dict &+ UInt64(valuesField))
            let entries = try memory.load(Int64.self, at: keys &+ UInt64(countField))
            guard entries >= 0, entries <= Int64(limit) else {
                throw MemoryError.limitExceeded(what: "dict entries", value: Int(clamping: entries), limit: limit)
            }
            count = Int(entries)
            table = try DictKeysTable(keys: keys, memory: memory, layout: d)
            return
        }
        guard let maskField = d.mask, let tableField = d.table else {
            throw MemoryError.limitExceeded(what: "dict layout", value: 0, limit: 0)
        }
        let mask = try memory.load(Int64.self, at: dict &+ UInt64(maskField))
        guard mask >= 0, mask < Int64(min(limit, DictKeysTable.maxSlots)) else {
            throw MemoryError.limitExceeded(what: "dict mask", value: Int(clamping: mask), limit: limit)
        }
        keys = 0
        values = 0
        count = Int(mask) + 1
        table = DictKeysTable(slots: count, entries: try memory.load(UInt64.self, at: dict &+ UInt64(tableField)),
                              entrySize: d.entrySize)
    }
}
