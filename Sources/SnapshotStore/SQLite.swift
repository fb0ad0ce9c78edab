import CSQLite

/// The little of SQLite's C API that snapshots need: a connection, statements with bound values
/// stepped row by row. Errors carry SQLite's own message.
final class SQLiteDatabase {
    private(set) var handle: OpaquePointer?

    /// Opens `path`; `create` opens it for writing (creating it if need be) but never through a
    /// symlink, otherwise it is opened read-only.
    init(path: String, create: Bool) throws(SnapshotError) {
        let flags = create ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW) : SQLITE_OPEN_READONLY
        let status = sqlite3_open_v2(path, &handle, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            handle = nil
            throw create ? .cannotWrite(path: path, reason: message) : .unreadable(path: path, reason: message)
        }
    }

    deinit { close() }

    func close() {
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    var message: String { handle.map { String(cString: sqlite3_errmsg($0)) } ?? "closed" }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws(SnapshotError) {
        var error: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &error) != SQLITE_OK {
            let text = error.map { String(cString: $0) } ?? message
            sqlite3_free(error)
            throw .sqlite(text)
        }
    }

    func prepare(_ sql: String) throws(SnapshotError) -> SQLiteStatement {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw .sqlite("\(message) in: \(sql)")
        }
        return SQLiteStatement(statement, database: self)
    }
}

/// One prepared statement. Bind (1-based), `step`, read columns (0-based), `reset`, repeat.
final class SQLiteStatement {
    private let statement: OpaquePointer
    private unowned let database: SQLiteDatabase

    init(_ statement: OpaquePointer, database: SQLiteDatabase) {
        self.statement = statement
        self.database = database
    }

    deinit { sqlite3_finalize(statement) }

    func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(statement, index, value) }
    func bind(_ index: Int32, _ value: Int) { sqlite3_bind_int64(statement, index, Int64(value)) }
    func bindNull(_ index: Int32) { sqlite3_bind_null(statement, index) }

    /// Binds text; SQLite copies it.
    func bind(_ index: Int32, _ value: String) {
        sqlite3_bind_text(statement, index, value, -1, Self.transient)
    }

    /// Binds UTF-8 bytes that stay valid and unchanged until the next `step` returns.
    func bind(_ index: Int32, utf8 bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            sqlite3_bind_text(statement, index, "", 0, nil)
            return
        }
        sqlite3_bind_text(statement, index, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
    }

    /// Steps once: true while there is a row to read.
    @discardableResult
    func step() throws(SnapshotError) -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw .sqlite(database.message)
        }
    }

    func reset() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(statement, column)) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement, column) else { return "" }
        return String(cString: bytes)
    }

    /// The column's text as raw bytes, valid until the next step.
    func utf8(_ column: Int32) -> UnsafeRawBufferPointer {
        guard let bytes = sqlite3_column_text(statement, column) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, column)))
    }

    /// SQLITE_TRANSIENT: the C macro `((sqlite3_destructor_type)-1)` does not import.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
