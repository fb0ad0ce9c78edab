/// A CPython version as `PY_VERSION_HEX` encodes it: 0xMMmmppLS (major, minor, micro, level, serial).
public struct PythonVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var micro: Int
    /// 0xA alpha, 0xB beta, 0xC release candidate, 0xF final.
    public var releaseLevel: Int
    public var serial: Int

    public init(major: Int, minor: Int, micro: Int = 0, releaseLevel: Int = 0xF, serial: Int = 0) {
        self.major = major
        self.minor = minor
        self.micro = micro
        self.releaseLevel = releaseLevel
        self.serial = serial
    }

    /// Decodes `PY_VERSION_HEX` (the value of `Py_Version` and of `_Py_DebugOffsets.version`).
    /// Returns nil for values no CPython release can have, which is how garbage is told from a version.
    public init?(hex: UInt64) {
        let major = Int((hex >> 24) & 0xff), minor = Int((hex >> 16) & 0xff), micro = Int((hex >> 8) & 0xff)
        let level = Int((hex >> 4) & 0xf), serial = Int(hex & 0xf)
        guard hex >> 32 == 0, major == 2 || major == 3, minor < 40, micro < 100, [0xA, 0xB, 0xC, 0xF].contains(level) else {
            return nil
        }
        self.init(major: major, minor: minor, micro: micro, releaseLevel: level, serial: serial)
    }

    /// Parses "3.12", "3.12.1" or "3.13.0rc2".
    public init?(string: String) {
        // Split "3.13.0rc2" into the dotted numbers and the pre-release suffix.
        let numeric = string.prefix { $0.isNumber || $0 == "." }
        let suffix = string.dropFirst(numeric.count)
        var level = 0xF, serial = 0
        if !suffix.isEmpty {
            let marker = suffix.prefix { !$0.isNumber }
            guard let code = ["a": 0xA, "b": 0xB, "rc": 0xC][String(marker)],
                  let number = Int(suffix.dropFirst(marker.count)) else { return nil }
            level = code
            serial = number
        }
        let parts = numeric.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2 || parts.count == 3, let major = parts[0], let minor = parts[1] else { return nil }
        let micro = parts.count == 3 ? parts[2] : 0
        guard let micro else { return nil }
        self.init(major: major, minor: minor, micro: micro, releaseLevel: level, serial: serial)
    }

    public var hex: UInt64 {
        UInt64(major) << 24 | UInt64(minor) << 16 | UInt64(micro) << 8 | UInt64(releaseLevel) << 4 | UInt64(serial)
    }

    /// "3.12" — the series a layout table belongs to.
    public var series: String { "\(major).\(minor)" }

    public var description: String {
        let suffix: String
        switch releaseLevel {
        case 0xA: suffix = "a\(serial)"
        case 0xB: suffix = "b\(serial)"
        case 0xC: suffix = "rc\(serial)"
        default: suffix = ""
        }
        return "\(major).\(minor).\(micro)\(suffix)"
    }

    public static func < (lhs: PythonVersion, rhs: PythonVersion) -> Bool { lhs.hex < rhs.hex }
}
