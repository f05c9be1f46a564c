import Foundation
import GRDB
import GRDBSQLite

/// A value to bind into a prepared statement.
enum SQLValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    init(_ value: Int64?) { self = value.map(SQLValue.integer) ?? .null }
    init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    init(_ value: Double?) { self = value.map(SQLValue.real) ?? .null }
    init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
}

extension Statement {
    /// Binds `values` to the parameters in order and runs the statement, with SQLite's C API.
    ///
    /// For the recorder's hot path: GRDB's `StatementArguments` cost a box per value. Text is
    /// bound with its byte length, so a NUL inside a string is kept, never cut at.
    func run(_ values: [SQLValue]) throws {
        let handle = sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
            case .real(let number): code = sqlite3_bind_double(handle, index, number)
            case .text(var text):
                code = text.withUTF8 { bytes in
                    guard let base = bytes.baseAddress else { return sqlite3_bind_text(handle, index, "", 0, SQLITE_TRANSIENT) }
                    return UnsafeRawPointer(base).withMemoryRebound(to: CChar.self, capacity: bytes.count) { pointer in
                        sqlite3_bind_text(handle, index, pointer, Int32(bytes.count), SQLITE_TRANSIENT)
                    }
                }
            }
            guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot bind a value") }
        }
        let result = sqlite3_step(handle)
        guard result == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: result), message: message, sql: sql)
        }
    }
}

/// SQLite's "copy the bytes now" destructor, which the C macro spells as a cast of -1.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
