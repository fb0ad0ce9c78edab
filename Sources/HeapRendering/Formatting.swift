/// 1234567 -> "1,234,567".
public func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (index, character) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(character)
    }
    return value < 0 ? "-" + out : out
}

/// Seconds as a short human duration: "812 µs", "4.1 ms", "1.25 s".
public func duration(_ seconds: Double) -> String {
    if seconds < 0.001 { return "\(Int((seconds * 1_000_000).rounded())) µs" }
    if seconds < 1 { return fixed(seconds * 1000, 1) + " ms" }
    return fixed(seconds, 2) + " s"
}

/// Bytes as "512 B", "12.0 KiB", "3.4 MiB", "1.20 GiB".
public func byteSize(_ bytes: Int) -> String {
    let value = Double(bytes)
    if bytes < 1024 { return "\(bytes) B" }
    if bytes < 1 << 20 { return fixed(value / 1024, 1) + " KiB" }
    if bytes < 1 << 30 { return fixed(value / 1_048_576, 1) + " MiB" }
    return fixed(value / 1_073_741_824, 2) + " GiB"
}

public func fixed(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int((value * scale).rounded())
    guard decimals > 0 else { return "\(scaled)" }
    let whole = scaled / Int(scale), fraction = scaled % Int(scale)
    let digits = String(fraction.magnitude)
    return "\(whole).\(String(repeating: "0", count: decimals - digits.count))\(digits)"
}

func hexAddress(_ address: UInt64) -> String { "0x" + String(address, radix: 16) }

func padLeft(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

func padRight(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
