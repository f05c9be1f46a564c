import Foundation
import GRDB
import TracedeskModel

/// What `tracedesk prune` removes: runs recorded before an instant, optionally of one team or
/// status, sparing each team's most recent runs and runs a comparison refers to.
public struct PruneRequest: Sendable, Equatable {
    /// Runs that started (or, lacking a start, were recorded) before this instant, epoch ms.
    public var before: Int64
    public var team: String?
    public var status: RunStatus?
    /// Keep this many of each team's most recent runs, however old.
    public var keepLast: Int
    /// Remove runs a kept comparison refers to as well (its links to them go).
    public var force: Bool

    public init(before: Int64, team: String? = nil, status: RunStatus? = nil, keepLast: Int = 0, force: Bool = false) {
        self.before = before
        self.team = team
        self.status = status
        self.keepLast = keepLast
        self.force = force
    }
}

/// What a prune removed, or would remove.
public struct PruneOutcome: Sendable, Equatable {
    public var runs = 0
    public var bodies = 0
    public var bodyBytes: Int64 = 0
    public var nodes = 0
    /// Runs spared because a comparison refers to them (without `force`).
    public var keptForComparisons = 0
    /// Runs spared as their team's most recent (`keepLast`).
    public var keptAsRecent = 0
}

/// The history's size and span, for `tracedesk history`.
public struct HistoryStatistics: Sendable, Equatable {
    public var path: String
    /// The database file and its write-ahead log, in bytes.
    public var fileBytes: Int64
    public var walBytes: Int64
    public var runs: Int
    public var bodies: Int
    public var steps: Int
    public var comparisons: Int
    /// Bytes used by each table and index (SQLite's dbstat), largest first.
    public var bytesByTable: [(name: String, bytes: Int64)]
    public var oldestRun: Int64?
    public var newestRun: Int64?
    public var schemaVersion: Int
    public var pageSize: Int

    public static func == (lhs: HistoryStatistics, rhs: HistoryStatistics) -> Bool {
        lhs.path == rhs.path && lhs.runs == rhs.runs && lhs.bodies == rhs.bodies && lhs.fileBytes == rhs.fileBytes
    }
}

extension HistoryStore {
    /// SQLite's journal mode for this database: `wal` for a file, `memory` in memory.
    public func journalMode() throws(TracedeskError) -> String {
        try read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// The history's tables and their columns, in schema order: what `docs/schema.md` documents.
    public func schemaColumns() throws(TracedeskError) -> [(table: String, columns: [String])] {
        let tables = ["run", "snapshot", "status_change", "node", "chunk", "citation", "run_search", "comparison", "comparison_run"]
        let found: [[String]] = try read { db in
            try tables.map { table in
                try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table]).map { $0["name"] as String }
            }
        }
        return Array(zip(tables, found)).map { (table: $0.0, columns: $0.1) }
    }

    /// Removes the runs `request` selects, with their bodies, steps, chunks, citations, status
    /// history, search entries and comparison links, in one transaction; or, with `dryRun`,
    /// counts what would go and changes nothing.
    public func prune(_ request: PruneRequest, dryRun: Bool) throws(TracedeskError) -> PruneOutcome {
        let body: @Sendable (Database) throws -> PruneOutcome = { db in
            var clauses = ["sortAt < ?"]
            var arguments: [(any DatabaseValueConvertible)?] = [request.before]
            if let team = request.team {
                clauses.append("teamCode = ? COLLATE NOCASE")
                arguments.append(team)
            }
            if let status = request.status {
                clauses.append("status = ?")
                arguments.append(status.rawValue)
            }
            try db.execute(sql: "DROP TABLE IF EXISTS temp.prune")
            try db.execute(sql: "CREATE TEMP TABLE prune (id INTEGER PRIMARY KEY)")
            try db.execute(sql: "INSERT INTO temp.prune SELECT id FROM run WHERE " + clauses.joined(separator: " AND "),
                           arguments: StatementArguments(arguments))
            var outcome = PruneOutcome()
            if request.keepLast > 0 {
                let recent = """
                    DELETE FROM temp.prune WHERE id IN (
                        SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY teamCode ORDER BY sortAt DESC, id DESC) AS rank FROM run)
                        WHERE rank <= ?)
                    """
                try db.execute(sql: recent, arguments: [request.keepLast])
                outcome.keptAsRecent = db.changesCount
            }
            if !request.force {
                try db.execute(sql: "DELETE FROM temp.prune WHERE id IN (SELECT runId FROM comparison_run)")
                outcome.keptForComparisons = db.changesCount
            }
            outcome.runs = try Int.fetchOne(db, sql: "SELECT count(*) FROM temp.prune") ?? 0
            let bodies = try Row.fetchOne(db, sql: """
                SELECT count(*), COALESCE(sum(length(CAST(body AS BLOB))), 0) FROM snapshot WHERE runId IN (SELECT id FROM temp.prune)
                """)
            outcome.bodies = bodies?[0] ?? 0
            outcome.bodyBytes = bodies?[1] ?? 0
            outcome.nodes = try Int.fetchOne(db, sql: "SELECT count(*) FROM node WHERE runId IN (SELECT id FROM temp.prune)") ?? 0
            if !dryRun {
                try db.execute(sql: "DELETE FROM run_search WHERE rowid IN (SELECT id FROM temp.prune)")
                // The rest follows by ON DELETE CASCADE: snapshots, status changes, nodes, chunks, citations, links.
                try db.execute(sql: "DELETE FROM run WHERE id IN (SELECT id FROM temp.prune)")
            }
            try db.execute(sql: "DROP TABLE temp.prune")
            return outcome
        }
        return try write(body)
    }

    /// The history's size, span and contents.
    public func statistics() throws(TracedeskError) -> HistoryStatistics {
        let path = self.path
        return try read { db in
            let counts = try Row.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM run), (SELECT count(*) FROM snapshot), (SELECT count(*) FROM node),
                       (SELECT count(*) FROM comparison), (SELECT min(sortAt) FROM run), (SELECT max(sortAt) FROM run)
                """)
            var bytesByTable: [(String, Int64)] = []
            // dbstat is optional in SQLite builds; without it the breakdown is left out.
            if let rows = try? Row.fetchAll(db, sql: "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC") {
                bytesByTable = rows.map { ($0[0] as String, $0[1] as Int64) }
            }
            func size(_ file: String) -> Int64 {
                ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.int64Value ?? 0
            }
            return HistoryStatistics(
                path: path, fileBytes: size(path), walBytes: size(path + "-wal"),
                runs: counts?[0] ?? 0, bodies: counts?[1] ?? 0, steps: counts?[2] ?? 0, comparisons: counts?[3] ?? 0,
                bytesByTable: bytesByTable, oldestRun: counts?[4], newestRun: counts?[5],
                schemaVersion: try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0,
                pageSize: try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0)
        }
    }

    /// Rewrites the file without its free pages (after a prune), and empties the write-ahead log.
    /// The search index is merged first: FTS5 keeps deleted entries in its segments until then,
    /// so a pruned history's index would otherwise stay the size of the unpruned one.
    public func vacuum() throws(TracedeskError) {
        do {
            try writer.writeWithoutTransaction { db in
                try db.execute(sql: "INSERT INTO run_search(run_search) VALUES('optimize')")
                try db.execute(sql: "VACUUM")
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        } catch {
            throw Self.describe(error, path: path)
        }
    }
}
