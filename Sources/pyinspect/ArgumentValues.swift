import ArgumentParser

// Values of options that take more than a plain number. Each refusal says why, in one line.

/// A reason an argument value is refused; the parser prints it after the option and the value.
struct ArgumentValueError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A duration with its unit: 100us, 500ms, 30s, 2m, 1h. A bare number is refused: `--max-pause 5`
/// could mean 5 s or 5 ms, and the difference is a thousand times the pause.
struct Interval: Sendable, Equatable {
    var seconds: Double

    init(seconds: Double) { self.seconds = seconds }

    static let units: [(suffix: String, seconds: Double)] = [("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
    static let longest = 7 * 86_400.0

    static func parse(_ text: String) throws -> Interval {
        if let number = Double(text), number == 0 { return Interval(seconds: 0) }  // 0 is 0 in any unit
        guard let unit = units.first(where: { text.hasSuffix($0.suffix) && text.count > $0.suffix.count
                                              && Double(text.dropLast($0.suffix.count)) != nil }) else {
            if let number = Double(text) {
                let shown = number.rounded() == number && abs(number) < 1e9 ? String(Int(number)) : text
                throw ArgumentValueError("give a unit: \(shown)s or \(shown)ms (units: us, ms, s, m, h)")
            }
            throw ArgumentValueError("not a duration: give a number with a unit, e.g. 500ms, 30s, 2m (units: us, ms, s, m, h)")
        }
        let value = Double(text.dropLast(unit.suffix.count))! * unit.seconds
        guard value.isFinite, value >= 0 else { throw ArgumentValueError("a duration cannot be negative") }
        guard value <= longest else { throw ArgumentValueError("longer than 7 days") }
        return Interval(seconds: value)
    }

    /// `--max-pause`: more than nothing; the only way not to stop the target is to say so.
    static func pauseLimit(_ text: String) throws -> Interval {
        let interval = try parse(text)
        guard interval.seconds > 0 else {
            throw ArgumentValueError("the target cannot be read in no time; --no-pause reads it without stopping it")
        }
        return interval
    }
}

/// `TYPE=N` for --max-type: a type name (its `__name__` or `module.qualname`) and a count.
struct TypeLimit: Sendable {
    var type: String
    var limit: Int

    static func parse(_ argument: String) throws -> TypeLimit {
        guard let equals = argument.lastIndex(of: "="), equals != argument.startIndex else {
            throw ArgumentValueError("give TYPE=N, e.g. Session=1000")
        }
        guard let limit = Int(argument[argument.index(after: equals)...]), limit >= 0 else {
            throw ArgumentValueError("the most objects allowed is a count: 0 or more")
        }
        return TypeLimit(type: String(argument[..<equals]), limit: limit)
    }
}

/// `--max-retained TYPE=SIZE`: a type and the most bytes its objects may retain.
struct RetainedLimit: Sendable {
    var type: String
    var bytes: Int

    static func parse(_ argument: String) throws -> RetainedLimit {
        guard let equals = argument.lastIndex(of: "="), equals != argument.startIndex else {
            throw ArgumentValueError("give TYPE=SIZE, e.g. Logger=50MB")
        }
        return RetainedLimit(type: String(argument[..<equals]), bytes: try ByteCount.parse(String(argument[argument.index(after: equals)...])).bytes)
    }
}

/// A byte count with an optional unit: 1000, 64KiB, 20MB, 1.5GiB (a bare number is bytes: no doubt there).
struct ByteCount: Sendable {
    var bytes: Int

    static let units: [(String, Double)] = [("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("KB", 1e3), ("MB", 1e6),
                                            ("GB", 1e9), ("K", 1024), ("M", 1_048_576), ("G", 1_073_741_824), ("B", 1)]

    static func parse(_ argument: String) throws -> ByteCount {
        var number = Substring(argument)
        var scale = 1.0
        for (suffix, factor) in units where argument.hasSuffix(suffix) {
            number = argument.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Double(number), value.isFinite else {
            throw ArgumentValueError("not a size: give bytes, or a number with KiB, MiB, GiB, KB, MB or GB")
        }
        guard value >= 0 else { throw ArgumentValueError("a size cannot be negative") }
        guard value * scale < 9e18 else { throw ArgumentValueError("too large") }
        return ByteCount(bytes: Int(value * scale))
    }
}
