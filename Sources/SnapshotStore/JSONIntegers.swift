/// Schema 1's `refs` column: a JSON array of object addresses (`id()`), e.g. `[140234,140562]`.
/// Read here by hand: a million objects' worth must take milliseconds.
enum JSONIntegers {
    /// Appends the non-negative integers of a `[a,b,...]` array, each below 2^63, to `out`;
    /// false (and `out` unchanged) when the text is anything else.
    static func parse(_ text: UnsafeRawBufferPointer, into out: inout [UInt64]) -> Bool {
        let mark = out.count
        guard text.count >= 2, text.first == UInt8(ascii: "["), text.last == UInt8(ascii: "]") else { return false }
        var value: UInt64 = 0
        var inNumber = false
        for position in 1..<text.count {
            let byte = text[position]
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
                guard !overflow, times10 <= UInt64(Int64.max) - UInt64(byte - UInt8(ascii: "0")) else {
                    out.removeSubrange(mark...)
                    return false
                }
                value = times10 + UInt64(byte - UInt8(ascii: "0"))
                inNumber = true
            case UInt8(ascii: ","), UInt8(ascii: "]"):
                guard inNumber || (byte == UInt8(ascii: "]") && position == 1) else {
                    out.removeSubrange(mark...)
                    return false
                }
                if inNumber { out.append(value) }
                value = 0
                inNumber = false
                if byte == UInt8(ascii: "]") { return position == text.count - 1 }
            default:
                out.removeSubrange(mark...)
                return false
            }
        }
        out.removeSubrange(mark...)
        return false
    }
}
