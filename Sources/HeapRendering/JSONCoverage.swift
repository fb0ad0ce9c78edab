import HeapModel

/// The `coverage` and `verification` members of the JSON report (docs/json-schema.md).
extension JSONRenderer {
    func coverage(_ c: Coverage, _ report: HeapReport) -> JSONValue {
        func label(_ type: UInt64) -> String { options.naming.label(report.types[type] ?? .unreadable(type)) }
        func counts(_ byType: [UInt64: Int]) -> JSONValue {
            let merged = byType.reduce(into: [String: Int]()) { $0[label($1.key), default: 0] += $1.value }
            return .object(merged.keys.sorted { merged[$0]! != merged[$1]! ? merged[$0]! > merged[$1]! : $0 < $1 }.map { ($0, .int(merged[$0]!)) })
        }
        let notTraversed: [JSONValue] = c.inexactByType.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map {
            .object([("type", .string(label($0.key))), ("objects", .int($0.value)),
                     ("suspect", .int(c.inexactSuspectByType[$0.key] ?? 0)),
                     ("reason", .string(c.inexactReasons[$0.key] ?? "not traversed"))])
        }
        return .object([
            ("tracked", .int(c.tracked)), ("exact", .int(c.exact)), ("native", .int(c.native)), ("emulated", .int(c.emulated)),
            ("emulated_types", counts(c.emulatedByType)), ("inexact_types", counts(c.inexactByType)),
            ("not_traversed", .array(notTraversed)),
            ("emulation_calls", .int(c.emulationCalls)), ("emulation_seconds", .double(c.emulationSeconds)),
        ])
    }

    func verification(_ check: TraversalCheck, _ report: HeapReport) -> JSONValue {
        .object([
            ("compared", .int(check.compared)),
            ("not_emulated", .object(check.notEmulated.keys.sorted().map { ($0, .int(check.notEmulated[$0]!)) })),
            ("disagreements", .array(check.disagreements.map { d in
                .object([
                    ("type", .string(options.naming.label(report.types[d.type] ?? .unreadable(d.type)))),
                    ("type_address", .string(hexAddress(d.type))), ("objects", .int(d.objects)),
                    ("sample", .string(hexAddress(d.sample))),
                    ("only_native", .array(d.onlyNative.map { .string(hexAddress($0)) })),
                    ("only_emulated", .array(d.onlyEmulated.map { .string(hexAddress($0)) })),
                ])
            })),
        ])
    }
}
