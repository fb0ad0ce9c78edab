import CPythonLayouts
@testable import PyHeapReader
import RemoteMemory
import Testing

/// `int` values as ObjectReader reads them: the count and sign in `ob_size` (before 3.12) or in
/// `lv_tag` (3.12+), then 30-bit digits, least significant first.
@Suite struct LongValueTests {
    static let object: UInt64 = 0x1000

    /// An int object of `value` laid out as `layout` says.
    static func memory(_ value: Int64, _ layout: PythonLayout, digits forced: [UInt32]? = nil) -> MemoryImage {
        let image = MemoryImage()
        image.map(at: object, size: 256)
        var magnitude = value.magnitude, digits: [UInt32] = []
        while magnitude > 0 { digits.append(UInt32(magnitude & (1 << 30 - 1))); magnitude >>= 30 }
        digits = forced ?? digits
        if let tag = layout.long.tag {
            let sign: UInt64 = value == 0 ? 1 : value < 0 ? 2 : 0
            image.store(UInt64(digits.count) << 3 | sign, at: object + UInt64(tag))
        } else {
            image.store(value < 0 ? -Int64(digits.count) : Int64(digits.count), at: object + UInt64(layout.object.size))
        }
        for (index, digit) in digits.enumerated() { image.store(digit, at: object + UInt64(layout.long.digits + index * 4)) }
        return image
    }

    @Test(arguments: [PythonLayout.v3_11, PythonLayout.v3_12, PythonLayout.v3_14_10])
    func valuesOfEverySignAndSize(_ layout: PythonLayout) throws {
        for value: Int64 in [0, 7, -7, 1 << 30, 0x7f12_3456_7640, -0x7f12_3456_7640, Int64.max, Int64.min + 1] {
            #expect(try ObjectReader(memory: Self.memory(value, layout), layout: layout).longValue(at: Self.object) == value, "\(layout) \(value)")
        }
        // Four digits, or three whose top one sets more than 64 bits: too large.
        #expect(try ObjectReader(memory: Self.memory(1, layout, digits: [1, 0, 0, 1]), layout: layout).longValue(at: Self.object) == nil)
        #expect(try ObjectReader(memory: Self.memory(1, layout, digits: [0, 0, 1 << 5]), layout: layout).longValue(at: Self.object) == nil)
    }
}
