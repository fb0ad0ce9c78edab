/// A small JSON tree with ordered keys and exact integers, written by hand so that output is stable
/// (key order is part of the documented schema) and cheap for large reports.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.serialized() == rhs.serialized() }

    public func serialized(pretty: Bool = true) -> String {
        var out = ""
        write(into: &out, indent: pretty ? 0 : nil)
        return out
    }

    private func write(into out: inout String, indent: Int?) {
        switch self {
        case .null: out += "null"
        case let .bool(value): out += value ? "true" : "false"
        case let .int(value): out += String(value)
        case let .double(value): out += value.isFinite ? "\(value)" : "null"
        case let .string(value): Self.quote(value, into: &out)
        case let .array(items):
            guard !items.isEmpty else { out += "[]"; return }
            // Arrays of scalars stay on one line: readable and compact.
            let scalars = items.allSatisfy { if case .array = $0 { false } else if case .object = $0 { false } else { true } }
            let inner = (indent == nil || scalars) ? nil : indent.map { $0 + 2 }
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += inner == nil ? (indent == nil ? "," : ", ") : "," }
                if let inner { out += "\n" + String(repeating: " ", count: inner) }
                item.write(into: &out, indent: inner ?? (indent == nil ? nil : indent))
            }
            if inner != nil, let indent { out += "\n" + String(repeating: " ", count: indent) }
            out += "]"
        case let .object(members):
            guard !members.isEmpty else { out += "{}"; return }
            let inner = indent.map { $0 + 2 }
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += "," }
                if let inner { out += "\n" + String(repeating: " ", count: inner) }
                Self.quote(key, into: &out)
                out += indent == nil ? ":" : ": "
                value.write(into: &out, indent: inner)
            }
            if let indent { out += "\n" + String(repeating: " ", count: indent) }
            out += "}"
        }
    }

    static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let digits = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
