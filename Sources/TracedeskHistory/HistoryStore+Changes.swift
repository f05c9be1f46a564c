import Foundation
import GRDB
import TracedeskModel

/// A body recorded since a point in the history: what `tracedesk serve` tells open pages about.
public struct RecordedChange: Sendable, Hashable {
    /// The snapshot's row id: changes are in this order, and the next look starts after the last.
    public var sequence: Int64
    public var jobId: String
    public var status: String
}

extension HistoryStore {
    /// The newest snapshot's row id (0 for an empty history): a new body, from any process, moves it.
    public func lastChange() throws(TracedeskError) -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM snapshot") ?? 0 }
    }

    /// The runs that received a body after `sequence`, each once (its latest), at most `limit`.
    public func changes(after sequence: Int64, limit: Int = 500) throws(TracedeskError) -> [RecordedChange] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT max(s.rowid) AS sequence, r.jobId, r.status FROM snapshot s JOIN run r ON r.id = s.runId
                WHERE s.rowid > ? GROUP BY r.id ORDER BY sequence LIMIT ?
                """, arguments: [sequence, limit]).map { row in
                RecordedChange(sequence: row["sequence"], jobId: row["jobId"], status: row["status"] ?? "UNKNOWN")
            }
        }
    }
}
