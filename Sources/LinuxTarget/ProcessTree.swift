/// Child processes, found from /proc (every `/proc/PID/stat` names its parent): for `--children`,
/// so that a gunicorn or uvicorn master brings its workers along.
public enum ProcessTree {
    /// Every descendant of `roots` (children, their children, ...) with its parent, in pid order,
    /// without the roots.
    public static func descendantsWithParents(of roots: [Int32]) -> [(pid: Int32, parent: Int32)] {
        var parentOf: [Int32: Int32] = [:]
        for entry in (try? ProcFS.listDirectory("/proc")) ?? [] {
            guard let pid = Int32(entry), let stat = try? ProcFS.readText("/proc/\(pid)/stat"),
                  let parent = parentPid(fromStat: stat) else { continue }
            parentOf[pid] = parent
        }
        var found: Set<Int32> = []
        var frontier = Set(roots)
        // Bounded: each round adds at least one pid, and there are only so many processes.
        while !frontier.isEmpty && found.count <= parentOf.count {
            let next = Set(parentOf.compactMap { frontier.contains($0.value) && !found.contains($0.key) && !roots.contains($0.key) ? $0.key : nil })
            found.formUnion(next)
            frontier = next
        }
        return found.sorted().map { ($0, parentOf[$0]!) }
    }

    /// The fourth field of /proc/PID/stat; the command name (field 2) may hold spaces and parentheses,
    /// so fields are counted after its last `)`.
    static func parentPid(fromStat stat: String) -> Int32? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }
}
