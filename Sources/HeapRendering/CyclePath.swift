import HeapModel

/// A cycle as one line of attribute names:
/// `RequestAborted.__traceback__ -> traceback.tb_frame -> frame handle (asgi.py:183) .tasks -> list[1] -> Task._exception -> RequestAborted`.
enum CyclePath {
    /// Dict keys are values from the target: printed only with `showingValues`. The keys of an
    /// instance's `__dict__` are attribute names (code, not data) and always printed.
    static func text(_ steps: [CycleStep], types: [UInt64: TypeInfo], naming: TypeNaming, showingValues: Bool) -> String {
        var parts: [String] = []
        var index = 0
        while index < steps.count {
            let step = steps[index]
            var name = naming.label(types[step.object.type] ?? .unreadable(step.object.type))
            if let detail = step.detail { name += " " + detail + " " }
            guard var label = step.label else {
                parts.append(name)
                break
            }
            // `X.__dict__ -> dict['attr']` reads better as `X.attr`.
            if case .attribute("__dict__") = label, index + 1 < steps.count, case let .key(key)? = steps[index + 1].label,
               (types[steps[index + 1].object.type]?.tpName ?? "") == "dict" {
                label = .attribute(key)
                index += 1
            }
            parts.append(name + label.text(showingValues: showingValues))
            index += 1
        }
        return parts.joined(separator: " -> ")
    }
}
