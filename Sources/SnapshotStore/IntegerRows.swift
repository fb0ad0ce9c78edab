/// Rows of integers (or NULLs) inserted `rowsPerInsert` to a statement: one statement step per 64
/// rows, not per row (a snapshot has millions).
struct IntegerRows {
    private let database: SQLiteDatabase
    private let head: String
    private let columns: Int
    private var full: SQLiteStatement?
    private var values: [Int64?] = []

    static let rowsPerInsert = 64

    init(_ database: SQLiteDatabase, table: String, columns: [String]) {
        self.database = database
        head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        self.columns = columns.count
        values.reserveCapacity(columns.count * Self.rowsPerInsert)
    }

    /// The next column's value of the current row; a row is complete after `columns` values.
    mutating func add(_ value: Int64?) throws(SnapshotError) {
        values.append(value)
        if values.count == columns * Self.rowsPerInsert {
            if full == nil { full = try statement(rows: Self.rowsPerInsert) }
            try flush(full!)
        }
    }

    mutating func add(_ value: Int) throws(SnapshotError) { try add(Int64(value)) }

    /// Inserts what is left.
    mutating func finish() throws(SnapshotError) {
        guard !values.isEmpty else { return }
        try flush(try statement(rows: values.count / columns))
    }

    private func statement(rows: Int) throws(SnapshotError) -> SQLiteStatement {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ",") + ")"
        return try database.prepare(head + Array(repeating: row, count: rows).joined(separator: ","))
    }

    private mutating func flush(_ insert: SQLiteStatement) throws(SnapshotError) {
        for (index, value) in values.enumerated() {
            if let value { insert.bind(Int32(index + 1), value) } else { insert.bindNull(Int32(index + 1)) }
        }
        _ = try insert.step()
        insert.reset()
        values.removeAll(keepingCapacity: true)
    }
}
