import HeapModel

/// A cycle as one line of attribute names:
/// `RequestAborted.__traceback__ -> traceback.tb_frame -> frame ASGIHandler.handle (django/core/handlers/asgi.py:183) .tasks -> list[1] -> Task._exception -> RequestAborted`,
/// with the shape's note after it: `Node.me -> Node (+ 1 list off the path)`.
enum CyclePath {
    static func text(_ group: CycleGroup, types: [UInt64: TypeInfo], naming: TypeNaming, showingValues: Bool) -> String {
        let path = text(group.path, types: types, naming: naming, showingValues: showingValues)
        guard let note = group.note else { return path }
        let named = note.offPath.map { (naming.label(types[$0.key] ?? .unreadable($0.key)), $0.value) }
            .reduce(into: [String: Int]()) { $0[$1.0, default: 0] += $1.1 }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        var parts: [String] = []
        if !named.isEmpty { parts.append("+ " + named.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + " off the path") }
        if let variant = note.variant { parts.append("variant \(variant.number) of \(variant.of)") }
        return parts.isEmpty ? path : path + " (" + parts.joined(separator: "; ") + ")"
    }

    /// Dict keys are values from the target: printed only with `showingValues`. The keys of an
    /// instance's `__dict__` are attribute names (code, not data) and always printed.
    /// With `classNames`, a class on the path is printed `class Name` (retainer paths); with
    /// `elidingFirstName` the first step prints its label only (its name was already said).
    static func text(_ steps: [CycleStep], types: [UInt64: TypeInfo], naming: TypeNaming, showingValues: Bool,
                     classNames: Bool = false, elidingFirstName: Bool = false) -> String {
        var parts: [String] = []
        var index = 0
        while index < steps.count {
            let step = steps[index]
            var name = naming.label(types[step.object.type] ?? .unreadable(step.object.type))
            if classNames, let named = types[step.object.address] { name = "class " + naming.label(named) }
            if elidingFirstName && index == 0 { name = "" }
            if let detail = step.detail { name += " " + detail + " " }
            guard var label = step.label else {
                parts.append(name)
                break
            }
            // `X.__dict__ -> dict['attr']` reads better as `X.attr`.
            if case .attribute("__dict__") = label, index + 1 < steps.count, case let .key(key)? = steps[index + 1].label,
               EdgeLabel.isIdentifier(key), (types[steps[index + 1].object.type]?.tpName ?? "") == "dict" {
                label = .attribute(key)
                index += 1
            }
            parts.append(name + label.text(showingValues: showingValues))
            index += 1
        }
        return parts.joined(separator: " -> ")
    }
}
