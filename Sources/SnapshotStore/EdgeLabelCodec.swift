import HeapModel

/// An edge label as a `labels` row: a kind, a name or a number, and the text paths print.
enum EdgeLabelCodec {
    static func row(_ label: EdgeLabel) -> (kind: String, name: String?, number: Int?, text: String) {
        let text = label.text(showingValues: true, valueLimit: Int.max)
        switch label {
        case let .attribute(name): return ("attribute", name, nil, text)
        case let .index(position): return ("index", nil, position, text)
        case let .key(key): return ("key", key, nil, text)
        case let .opaqueKey(type): return ("opaque_key", type, nil, text)
        case .element: return ("element", nil, nil, text)
        case .anyIndex: return ("any_index", nil, nil, text)
        case let .offset(offset): return ("offset", nil, offset, text)
        }
    }

    /// nil for a kind this schema does not have, or a row without the field its kind needs.
    static func label(kind: String, name: String?, number: Int?) -> EdgeLabel? {
        switch kind {
        case "attribute": return name.map { .attribute($0) }
        case "index": return number.map { .index($0) }
        case "key": return name.map { .key($0) }
        case "opaque_key": return name.map { .opaqueKey($0) }
        case "element": return .element
        case "any_index": return .anyIndex
        case "offset": return number.map { .offset($0) }
        default: return nil
        }
    }
}
