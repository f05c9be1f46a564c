import Foundation
import TracedeskModel
import GRDB

extension HistoryStore {
    /// SQLite's journal mode for this database: `wal` for a file, `memory` in memory.
    public func journalMode() throws(TracedeskError) -> String {
        try read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// The history's tables and their columns, in schema order: what `docs/schema.md` documents.
    public func schemaColumns() throws(TracedeskError) -> [(table: String, columns: [String])] {
        let tables = ["run", "snapshot", "status_change", "node", "chunk", "citation", "run_search"]
        let found: [[String]] = try read { db in
            try tables.map { table in
                try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table]).map { $0["name"] as String }
            }
        }
        return Array(zip(tables, found)).map { (table: $0.0, columns: $0.1) }
    }
}
