import Foundation
import TracedeskModel
import GRDB

/// Comparisons: which runs were compared, on which side, for which prompt and repeat.
extension HistoryStore {
    /// Records the start of a comparison and returns its id.
    public func startComparison(team: String, baseline: VersionSpec, candidate: VersionSpec, suite: String?,
                                promptCount: Int, repeats: Int, at: Int64 = Date().epochMilliseconds) throws(TracedeskError) -> Int64 {
        try write { db in
            let suite = try Recorder(db: db, redactor: recordRedactor).redactedForRecording(suite)
            try db.execute(sql: """
                INSERT INTO comparison (teamCode, baseline, candidate, suite, promptCount, repeats, createdAt)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [team, baseline.description, candidate.description, suite, promptCount, repeats, at])
            return db.lastInsertedRowID
        }
    }

    /// Links the run `jobId` (already recorded) to a comparison.
    public func linkRun(_ jobId: String, toComparison comparison: Int64, side: String, promptIndex: Int,
                        promptLabel: String?, repetition: Int) throws(TracedeskError) {
        try write { db in
            let promptLabel = try Recorder(db: db, redactor: recordRedactor).redactedForRecording(promptLabel)
            try db.execute(sql: """
                INSERT OR REPLACE INTO comparison_run (comparisonId, runId, side, promptIndex, promptLabel, repetition)
                SELECT ?, id, ?, ?, ?, ? FROM run WHERE jobId = ?
                """, arguments: [comparison, side, promptIndex, promptLabel, repetition, jobId])
        }
    }

    /// Removes a comparison under which nothing was recorded, so that its number is used again.
    public func discardComparison(_ comparison: Int64) throws(TracedeskError) {
        try write { db in
            try db.execute(sql: "DELETE FROM comparison WHERE id = ? AND NOT EXISTS (SELECT 1 FROM comparison_run WHERE comparisonId = ?)",
                           arguments: [comparison, comparison])
        }
    }

    /// Stores what the comparison found (`resultJSON` nil when it found nothing: verdict `failed`).
    public func finishComparison(_ comparison: Int64, verdict: String, resultJSON: String?) throws(TracedeskError) {
        try write { db in
            let resultJSON = try Recorder(db: db, redactor: recordRedactor).redactedForRecording(resultJSON, document: true)
            try db.execute(sql: "UPDATE comparison SET verdict = ?, result = ? WHERE id = ?",
                           arguments: [verdict, resultJSON, comparison])
        }
    }

    /// The runs of a comparison, by prompt, repetition and side.
    public func comparisonRuns(_ comparison: Int64) throws(TracedeskError) -> [ComparisonRunLink] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.side, c.promptIndex, c.repetition, r.jobId FROM comparison_run c JOIN run r ON r.id = c.runId
                WHERE c.comparisonId = ? ORDER BY c.promptIndex, c.repetition, c.side
                """, arguments: [comparison])
                .map { ComparisonRunLink(side: $0["side"], promptIndex: $0["promptIndex"], repetition: $0["repetition"], jobId: $0["jobId"]) }
        }
    }
}

/// One run of a comparison.
public struct ComparisonRunLink: Sendable, Equatable {
    public var side: String
    public var promptIndex: Int
    public var repetition: Int
    public var jobId: String
}
