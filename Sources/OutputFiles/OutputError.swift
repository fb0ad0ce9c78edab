/// Why an output path was refused or could not be written: the path as given and the reason, for
/// one line on stderr.
public struct OutputError: Error, Equatable, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `PATH: REASON`. Reasons are one line already: every path in them went through `shown`.
    public var description: String { "\(Self.shown(path)): \(reason)" }

    /// A path for a message, control characters escaped: a path or a link's target may hold a
    /// newline, and a message must stay one line.
    static func shown(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control {
                out += scalar.escaped(asASCII: true)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
