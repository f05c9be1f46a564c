import Foundation
import TracedeskModel
import GRDB

extension HistoryStore {
    /// The runs that match `query`, newest first (by start, else by when they were recorded).
    public func runs(matching query: RunQuery = RunQuery()) throws(TracedeskError) -> [RunRecord] {
        try read { db in
            var clauses: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let team = query.team {
                clauses.append("(teamCode = ? COLLATE NOCASE OR workflowCode = ? COLLATE NOCASE)")
                arguments += [team, team]
            }
            if let status = query.status {
                clauses.append("status = ?")
                arguments.append(status.rawValue)
            }
            if let since = query.since {
                clauses.append("COALESCE(startedAt, recordedAt) >= ?")
                arguments.append(since)
            }
            if let search = query.search, let expression = RunQuery.ftsExpression(search) {
                clauses.append("id IN (SELECT runId FROM run_search WHERE run_search MATCH ?)")
                arguments.append(expression)
            }
            var sql = "SELECT * FROM run"
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " ORDER BY COALESCE(startedAt, recordedAt) DESC, id DESC"
            if let limit = query.limit { sql += " LIMIT \(max(0, limit))" }
            return try RunRecord.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
        }
    }

    /// How many runs the history holds.
    public func runCount() throws(TracedeskError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM run") ?? 0 }
    }

    /// The run a RUN argument names: `last` (the run recorded most recently), a whole jobId, or
    /// a prefix of one of at least 4 characters that matches a single run.
    public func run(_ reference: String) throws(TracedeskError) -> RunRecord {
        let text = reference.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { throw .badInput("no run named: give a jobId, a prefix of one, or 'last'") }
        let found: (exact: RunRecord?, candidates: [RunRecord]) = try read { db in
            if text.lowercased() == "last" {
                let last = try RunRecord.order(RunRecord.Columns.recordedAt.desc, RunRecord.Columns.id.desc).fetchOne(db)
                return (last, [])
            }
            if let exact = try RunRecord.filter(RunRecord.Columns.jobId == text).fetchOne(db) {
                return (exact, [])
            }
            guard text.count >= 4 else { return (nil, []) }
            let pattern = text.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            let candidates = try RunRecord.fetchAll(
                db, sql: "SELECT * FROM run WHERE jobId LIKE ? ESCAPE '\\' ORDER BY recordedAt DESC LIMIT 6",
                arguments: [pattern])
            return (nil, candidates)
        }
        if let exact = found.exact { return exact }
        if text.lowercased() == "last" { throw .badInput("the history at \(path) holds no run yet") }
        if text.count < 4 { throw .badInput("'\(text)' is too short: a run prefix needs at least 4 characters") }
        switch found.candidates.count {
        case 0:
            throw .badInput("no run matches '\(text)' in \(path)")
        case 1:
            return found.candidates[0]
        default:
            let listed = found.candidates.prefix(5).map(\.jobId).joined(separator: ", ")
            let more = found.candidates.count > 5 ? ", ..." : ""
            throw .badInput("'\(text)' matches several runs (\(listed)\(more)); give more characters")
        }
    }

    /// Everything recorded about a run. `now` (epoch ms) ends a wait that is still under way.
    public func details(of run: RunRecord, now: Int64 = Date().epochMilliseconds) throws(TracedeskError) -> RunDetails {
        guard let runId = run.id else { throw .badInput("run \(run.jobId) is not in the history") }
        return try read { db in
            let nodes = try NodeRecord.filter(Column("runId") == runId).order(Column("position")).fetchAll(db)
            let chunks = try DocumentReferenceRecord.fetchAll(
                db, sql: "SELECT * FROM chunk WHERE runId = ? ORDER BY position", arguments: [runId])
            let citations = try DocumentReferenceRecord.fetchAll(
                db, sql: "SELECT * FROM citation WHERE runId = ? ORDER BY position", arguments: [runId])
            let changes = try StatusChangeRecord.filter(Column("runId") == runId).order(Column("id")).fetchAll(db)
            let snapshots = try Row.fetchAll(db, sql: """
                SELECT sequence, firstSeenAt, lastSeenAt, timesSeen, httpStatus, status, length(CAST(body AS BLOB)) AS bytes
                FROM snapshot WHERE runId = ? ORDER BY sequence
                """, arguments: [runId]).map { row in
                RunDetails.SnapshotSummary(
                    sequence: row["sequence"], firstSeenAt: row["firstSeenAt"], lastSeenAt: row["lastSeenAt"],
                    timesSeen: row["timesSeen"], httpStatus: row["httpStatus"], status: row["status"], bytes: row["bytes"])
            }
            let end: Int64? = run.runStatus.isTerminal ? (run.endedAt ?? now) : (run.source == .import ? nil : now)
            let since = run.runStatus == .waiting && changes.last?.status == "WAITING" ? changes.last?.at : nil
            return RunDetails(run: run, nodes: nodes, chunks: chunks, citations: citations,
                              statusChanges: changes, snapshots: snapshots,
                              waitingMs: RunDetails.waitingTime(changes, now: end), waitingSince: since)
        }
    }

    /// How long runs of `team` (DRAFT or PUBLISHED) usually take as Tracedesk sees them: the
    /// median and the quickest, over the last 10 that completed without waiting, of the time from
    /// the first body received to COMPLETE seen, on this client's clock (so a sped-up simulator
    /// or a pod's skewed clock cannot mislead it). `nil` with fewer than `minimumRuns` such runs.
    public func expectedDuration(team: String, versionStatus: String, minimumRuns: Int = 1) throws(TracedeskError) -> ExpectedDuration? {
        let durations: [Int64] = try read { db in
            try Int64.fetchAll(db, sql: """
                SELECT done.at - run.recordedAt FROM run
                JOIN status_change AS done ON done.runId = run.id AND done.status = 'COMPLETE'
                WHERE run.teamCode = ? AND run.versionStatus = ? AND run.source = 'invoke' AND done.at IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM status_change AS w WHERE w.runId = run.id AND w.status = 'WAITING')
                ORDER BY run.recordedAt DESC LIMIT 10
                """, arguments: [team, versionStatus])
        }
        let valid = durations.filter { $0 > 0 }.sorted()
        guard valid.count >= max(1, minimumRuns), let quickest = valid.first else { return nil }
        return ExpectedDuration(typical: .milliseconds(valid[valid.count / 2]), earliest: .milliseconds(quickest))
    }

    /// The run's distinct bodies, verbatim, oldest first.
    public func snapshots(of run: RunRecord) throws(TracedeskError) -> [SnapshotRecord] {
        guard let runId = run.id else { return [] }
        return try read { db in
            try SnapshotRecord.filter(Column("runId") == runId).order(Column("sequence")).fetchAll(db)
        }
    }

    /// The most recent body of the run, verbatim.
    public func latestSnapshot(of run: RunRecord) throws(TracedeskError) -> SnapshotRecord? {
        guard let runId = run.id else { return nil }
        return try read { db in
            try SnapshotRecord.filter(Column("runId") == runId).order(Column("sequence").desc).fetchOne(db)
        }
    }
}
