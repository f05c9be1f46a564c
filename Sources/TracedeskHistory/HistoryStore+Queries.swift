import Foundation
import GRDB
import GRDBSQLite
import TracedeskModel

extension HistoryStore {
    /// The runs that match `query`, newest first (by start, else by when they were recorded).
    ///
    /// Every filter is served by an index (`run_by_time`, `run_by_team`, `run_by_status`, the
    /// full-text index), so a page of a history of any size costs about the same.
    public func runs(matching query: RunQuery = RunQuery()) throws(TracedeskError) -> [RunRecord] {
        try read { db in
            let (whereClause, arguments) = try Self.filter(query, db: db)
            // The page's ids first, then their rows: a sort carries ids, not whole runs.
            var page = "SELECT id FROM run" + whereClause + " ORDER BY sortAt DESC, id DESC"
            if let limit = query.limit { page += " LIMIT \(max(0, limit))" }
            let sql = "SELECT \(RunRecord.selection) FROM run WHERE id IN (\(page)) ORDER BY sortAt DESC, id DESC"
            return try RunRecord.fetchAll(db, sql: sql, arguments: arguments)
        }
    }

    /// How many runs match `query` (its limit and cursor aside), by status.
    public func statusCounts(matching query: RunQuery = RunQuery()) throws(TracedeskError) -> [RunStatus: Int] {
        try read { db in try Self.statusCounts(query, db: db) }
    }

    /// How many runs match `query` by status, or `nil` when counting them would take longer than
    /// `budget`: a filter served by an index counts 100,000 runs in a few milliseconds, but a
    /// search for a word in most runs must visit each of them (about half a microsecond a run).
    /// SQLite stops the count at the budget (a progress handler), so a page never waits on it;
    /// a budget of zero leaves every count to later.
    public func statusCounts(matching query: RunQuery, within budget: Duration) throws(TracedeskError) -> [RunStatus: Int]? {
        guard budget > .zero else { return nil }
        let nanoseconds = UInt64(max(0, budget.components.seconds)) * 1_000_000_000 + UInt64(max(0, budget.components.attoseconds) / 1_000_000_000)
        return try read { db in
            let deadline = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
            deadline.pointee = DispatchTime.now().uptimeNanoseconds + nanoseconds
            defer { deadline.deallocate() }
            // Asked every 1,000 virtual-machine steps: a few microseconds apart.
            sqlite3_progress_handler(db.sqliteConnection, 1_000, { context in
                guard let context else { return 0 }
                return DispatchTime.now().uptimeNanoseconds > context.assumingMemoryBound(to: UInt64.self).pointee ? 1 : 0
            }, deadline)
            defer { sqlite3_progress_handler(db.sqliteConnection, 0, nil, nil) }
            do {
                return try Self.statusCounts(query, db: db)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT {
                return nil
            }
        }
    }

    static func statusCounts(_ query: RunQuery, db: Database) throws -> [RunStatus: Int] {
        var everything = query
        everything.limit = nil
        everything.after = nil
        let (whereClause, arguments) = try Self.filter(everything, db: db)
        var counts: [RunStatus: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM run" + whereClause + " GROUP BY status", arguments: arguments) {
            counts[RunStatus(row[0] as String), default: 0] += row[1] as Int
        }
        return counts
    }

    /// The team codes of the recorded runs, in order: one index probe per team (a skip-scan of
    /// `run_by_team`), so it costs the same on 100 runs or 100,000.
    public func teamCodes() throws(TracedeskError) -> [String] {
        try read { db in
            try String.fetchAll(db, sql: """
                WITH RECURSIVE team(code) AS (
                    SELECT (SELECT teamCode FROM run WHERE teamCode IS NOT NULL ORDER BY teamCode COLLATE NOCASE LIMIT 1)
                    UNION ALL
                    SELECT (SELECT teamCode FROM run WHERE teamCode > team.code COLLATE NOCASE ORDER BY teamCode COLLATE NOCASE LIMIT 1)
                    FROM team WHERE team.code IS NOT NULL
                )
                SELECT code FROM team WHERE code IS NOT NULL
                """)
        }
    }

    /// The listing position of `run`, for keyset paging.
    public func cursor(of run: RunRecord) -> RunQuery.Cursor? {
        run.id.map { RunQuery.Cursor(sortAt: run.sortAt, id: $0) }
    }

    /// The WHERE clause and arguments of a query.
    ///
    /// A search is asked of the full-text index in one of two ways. When its words are in many
    /// runs, the runs are walked newest first and each checked against the index (a page fills
    /// after a few dozen); when they are rare, the index lists the runs that have them. Which is
    /// known from the index's own count of runs per word (`run_search_terms`).
    static func filter(_ query: RunQuery, db: Database) throws -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let team = query.team {
            clauses.append("teamCode = ? COLLATE NOCASE")
            arguments.append(team)
        }
        if let status = query.status {
            clauses.append("status = ?")
            arguments.append(status.rawValue)
        }
        if let versionStatus = query.versionStatus {
            clauses.append("versionStatus = ?")
            arguments.append(versionStatus.uppercased())
        }
        if let since = query.since {
            clauses.append("sortAt >= ?")
            arguments.append(since)
        }
        if let conversation = query.conversationId {
            clauses.append("conversationId = ?")
            arguments.append(conversation)
        }
        if let search = query.search, let expression = RunQuery.ftsExpression(search) {
            if query.limit != nil, try matchEstimate(search, db: db) >= 5_000 {
                clauses.append("EXISTS (SELECT 1 FROM run_search WHERE run_search MATCH ? AND rowid = run.id)")
            } else {
                clauses.append("id IN (SELECT rowid FROM run_search WHERE run_search MATCH ?)")
            }
            arguments.append(expression)
        }
        if let after = query.after {
            clauses.append("(sortAt < ? OR (sortAt = ? AND id < ?))")
            arguments += [after.sortAt, after.sortAt, after.id]
        }
        let whereClause = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        return (whereClause, StatementArguments(arguments))
    }

    /// At most how many runs hold every word of `search`: the fewest runs any of its words is in.
    static func matchEstimate(_ search: String, db: Database) throws -> Int {
        let words = search.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
            .split { !$0.isLetter && !$0.isNumber }.map(String.init)
        guard !words.isEmpty else { return 0 }
        var fewest = Int.max
        for word in Set(words) {
            fewest = min(fewest, try Int.fetchOne(db, sql: "SELECT doc FROM run_search_terms WHERE term = ?", arguments: [word]) ?? 0)
        }
        return fewest
    }

    /// How many runs the history holds.
    public func runCount() throws(TracedeskError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM run") ?? 0 }
    }

    /// When the current wait of the run `jobId` began, as recorded (the instant its status was
    /// first seen WAITING since it last changed): `nil` unless the run is WAITING and the instant is known.
    public func waitingSince(jobId: String) throws(TracedeskError) -> Int64? {
        try read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT c.status, c.at FROM status_change c JOIN run r ON r.id = c.runId
                WHERE r.jobId = ? AND r.status = 'WAITING' ORDER BY c.id DESC LIMIT 1
                """, arguments: [jobId])
            guard let row, RunStatus(row["status"] as String? ?? "") == .waiting else { return nil }
            return row["at"]
        }
    }

    /// The run a RUN argument names: `last` (the run recorded most recently), a whole jobId, or
    /// a prefix of one of at least 4 characters that matches a single run.
    ///
    /// A run called by another run's step is named the same way; it is read from that step
    /// (`details(of:)` knows), and its `source` is `.nested`.
    public func run(_ reference: String) throws(TracedeskError) -> RunRecord {
        try resolve(reference).run
    }

    /// The conversation a `--conversation` argument names: a whole conversationId, or a prefix
    /// of one (4 characters or more) that only one conversation of the history starts with.
    /// `nil` when no recorded run is of such a conversation; `badInput` when several are.
    public func conversation(_ reference: String) throws(TracedeskError) -> String? {
        let text = reference.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw .badInput("--conversation needs an id (the conversationId of a run, or its first characters)") }
        let found: [String] = try read { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM run WHERE conversationId = ?)", arguments: [text]) == true {
                return [text]
            }
            guard text.count >= 4 else { return [] }
            // A range on the index, not LIKE: every character of the prefix is literal.
            return try String.fetchAll(db, sql: """
                SELECT DISTINCT conversationId FROM run WHERE conversationId >= ? AND conversationId < ? ORDER BY conversationId LIMIT 6
                """, arguments: [text, text + "\u{10FFFF}"])
        }
        switch found.count {
        case 0 where text.count < 4:
            throw .badInput("'\(text)' is too short: a conversation prefix needs at least 4 characters")
        case 0:
            return nil
        case 1:
            return found[0]
        default:
            let listed = found.prefix(5).joined(separator: ", ")
            throw .badInput("'\(text)' starts \(found.count > 5 ? "more than 5" : "\(found.count)") conversations (\(listed)\(found.count > 5 ? ", ..." : "")): give more of the id")
        }
    }

    /// What a RUN argument names: a recorded run, or a run nested in another's step.
    public func resolve(_ reference: String) throws(TracedeskError) -> (run: RunRecord, caller: RunDetails.Caller?) {
        let text = reference.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { throw .badInput("no run named: give a jobId, a prefix of one, or 'last'") }
        if text.lowercased() == "last" {
            guard let last = try read({ db in
                try RunRecord.fetchOne(db, sql: "SELECT \(RunRecord.selection) FROM run ORDER BY recordedAt DESC, id DESC LIMIT 1")
            }) else { throw .badInput("the history at \(path) holds no run yet") }
            return (last, nil)
        }
        if text.utf8.count > 200 || text.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            throw .badInput("'\(TextFormat.snippet(text, width: 40))' is not a jobId (a jobId is a short line of letters, digits and dashes)")
        }
        let found: (runs: [RunRecord], nested: [(jobId: String, runId: Int64, position: Int)]) = try read { db in
            if let exact = try RunRecord.fetchOne(db, sql: "SELECT \(RunRecord.selection) FROM run WHERE jobId = ?", arguments: [text]) {
                return ([exact], [])
            }
            // A whole jobId may be short; a prefix must not be (three characters match too much).
            guard text.count >= 4 else { return ([], []) }
            // A range on the unique index, not LIKE: every character of the prefix is literal.
            let upper = text + "\u{10FFFF}"
            let runs = try RunRecord.fetchAll(db, sql: "SELECT \(RunRecord.selection) FROM run WHERE jobId >= ? AND jobId < ? ORDER BY jobId LIMIT 6",
                                              arguments: [text, upper])
            let nested = try Row.fetchAll(db, sql: """
                SELECT node.nestedJobId, node.runId, node.position FROM node
                WHERE node.nestedJobId >= ? AND node.nestedJobId < ? ORDER BY node.nestedJobId LIMIT 6
                """, arguments: [text, upper]).map { row in (jobId: row[0] as String, runId: row[1] as Int64, position: row[2] as Int) }
            return (runs, nested)
        }
        // Most recently recorded first, as the user most likely means them.
        var candidates = found.runs.sorted { ($0.recordedAt, $0.id ?? 0) > ($1.recordedAt, $1.id ?? 0) }.map(\.jobId)
        for nested in found.nested where !candidates.contains(nested.jobId) { candidates.append(nested.jobId) }
        switch candidates.count {
        case 0 where text.count < 4:
            throw .badInput("'\(text)' is too short: a run prefix needs at least 4 characters")
        case 0:
            throw .badInput("no run matches '\(text)' in \(path)")
        case 1:
            if let run = found.runs.first { return (run, nil) }
            let nested = found.nested[0]
            return try nestedRun(jobId: nested.jobId, callerRunId: nested.runId, position: nested.position)
        default:
            let listed = candidates.prefix(5).joined(separator: ", ")
            let more = candidates.count > 5 ? ", ..." : ""
            throw .badInput("'\(text)' matches several runs (\(listed)\(more)); give more characters")
        }
    }

    /// A run called by the step at `position` of the run `callerRunId`, read from that step's output.
    private func nestedRun(jobId: String, callerRunId: Int64, position: Int) throws(TracedeskError) -> (run: RunRecord, caller: RunDetails.Caller?) {
        let (caller, step): (RunRecord?, NodeRecord?) = try read { db in
            (try RunRecord.fetchOne(db, sql: "SELECT \(RunRecord.selection) FROM run WHERE id = ?", arguments: [callerRunId]),
             try NodeRecord.fetchOne(db, sql: "SELECT \(NodeRecord.selection) FROM node WHERE runId = ? AND position = ?",
                                     arguments: [callerRunId, position]))
        }
        guard let caller, let step, let output = step.output, let body = (try? StatusBody(data: Data(output.utf8))) ?? Self.wrappedBody(output) else {
            throw .database("run \(jobId) is named by a step of another run, but that step's output cannot be read back")
        }
        var run = RunProjection.run(from: body, previous: nil, context: RecordingContext(source: .nested), at: caller.recordedAt)
        run.id = nil
        run.recordedAt = caller.recordedAt
        run.updatedAt = caller.updatedAt
        run.nodeCount = RunProjection.nodes(body.nodes, runId: 0).count
        run.chunkCount = body.supportingChunks.count
        run.citationCount = body.citations.count
        return (run, RunDetails.Caller(jobId: caller.jobId, teamCode: caller.teamCode, step: step.label, position: step.position))
    }

    /// The status body inside a node result wrapper (`{"success": ..., "output": BODY}`).
    static func wrappedBody(_ text: String) -> StatusBody? {
        guard let value = JSONValue(parsing: text), let inner = value["output"]?.parsingEmbeddedJSON,
              StatusBody.looksLikeStatusBody(inner) else { return nil }
        return try? StatusBody(value: inner)
    }

    /// Everything recorded about a run. `now` (epoch ms) ends a wait that is still under way.
    public func details(of run: RunRecord, now: Int64 = Date().epochMilliseconds) throws(TracedeskError) -> RunDetails {
        guard let runId = run.id else {
            if run.source == .nested { return try nestedDetails(of: run) }
            throw .badInput("run \(run.jobId) is not in the history")
        }
        return try read { db in
            let nodes = try NodeRecord.fetchAll(db, sql: "SELECT \(NodeRecord.selection) FROM node WHERE runId = ? ORDER BY position", arguments: [runId])
            let chunks = try DocumentReferenceRecord.fetchAll(
                db, sql: "SELECT \(DocumentReferenceRecord.selection) FROM chunk WHERE runId = ? ORDER BY position", arguments: [runId])
            let citations = try DocumentReferenceRecord.fetchAll(
                db, sql: "SELECT \(DocumentReferenceRecord.selection) FROM citation WHERE runId = ? ORDER BY position", arguments: [runId])
            let changes = try StatusChangeRecord.fetchAll(
                db, sql: "SELECT \(StatusChangeRecord.selection) FROM status_change WHERE runId = ? ORDER BY id", arguments: [runId])
            let snapshots = try Row.fetchAll(db, sql: """
                SELECT sequence, firstSeenAt, lastSeenAt, timesSeen, httpStatus, status, length(CAST(body AS BLOB)) AS bytes
                FROM snapshot WHERE runId = ? ORDER BY sequence
                """, arguments: [runId]).map { row in
                RunDetails.SnapshotSummary(
                    sequence: row["sequence"], firstSeenAt: row["firstSeenAt"], lastSeenAt: row["lastSeenAt"],
                    timesSeen: row["timesSeen"], httpStatus: row["httpStatus"], status: row["status"], bytes: row["bytes"])
            }
            let end: Int64? = run.status.isTerminal ? (run.endedAt ?? now) : (run.source == .import ? nil : now)
            let since = run.status == .waiting && changes.last?.status == .waiting ? changes.last?.at : nil
            var details = RunDetails(run: run, nodes: nodes, chunks: chunks, citations: citations,
                                     statusChanges: changes, snapshots: snapshots,
                                     waitingMs: RunDetails.waitingTime(changes, now: end), waitingSince: since)
            details.llmCalls = try LLMCallRecord.fetchAll(
                db, sql: "SELECT \(LLMCallRecord.selection) FROM llm_call WHERE runId = ? ORDER BY nodePosition, position", arguments: [runId])
            details.streamEvents = try Int.fetchOne(db, sql: "SELECT count(*) FROM stream_event WHERE runId = ?", arguments: [runId]) ?? 0
            details.replays = try String.fetchAll(db, sql: "SELECT jobId FROM run WHERE replayOf = ? ORDER BY recordedAt, id", arguments: [run.jobId])
            return details
        }
    }

    /// The details of a run nested in another's step: its steps are the step's subtree.
    private func nestedDetails(of run: RunRecord) throws(TracedeskError) -> RunDetails {
        let (_, caller) = try resolve(run.jobId)
        guard let caller else { throw .badInput("run \(run.jobId) is not in the history") }
        let callerRun = try self.run(caller.jobId)
        let all = try details(of: callerRun)
        // The called run's steps: the caller's step's descendants, moved up to the top.
        var inside: Set<Int> = [caller.position]
        var nodes: [NodeRecord] = []
        for node in all.nodes where node.position > caller.position {
            guard let parent = node.parentPosition, inside.contains(parent) else { continue }
            inside.insert(node.position)
            nodes.append(node)
        }
        let offset = caller.position + 1
        let depth = (all.nodes.first { $0.position == caller.position }?.depth ?? 0) + 1
        let rebased = nodes.map { node -> NodeRecord in
            var copy = node
            copy.position -= offset
            copy.parentPosition = node.parentPosition == caller.position ? nil : node.parentPosition.map { $0 - offset }
            copy.depth -= depth
            return copy
        }
        let step = all.nodes.first { $0.position == caller.position }
        let body = step?.output.flatMap { (try? StatusBody(data: Data($0.utf8))) ?? Self.wrappedBody($0) }
        let chunks = RunProjection.references(body?.supportingChunks ?? [], runId: 0)
        let citations = RunProjection.references(body?.citations ?? [], runId: 0)
        return RunDetails(run: run, nodes: rebased, chunks: chunks, citations: citations, statusChanges: [], snapshots: [],
                          waitingMs: 0, waitingSince: nil, caller: caller)
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
                WHERE run.teamCode = ? COLLATE NOCASE AND run.versionStatus = ? AND run.source = 'invoke' AND done.at IS NOT NULL
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
            try SnapshotRecord.fetchAll(db, sql: "SELECT \(SnapshotRecord.selection) FROM snapshot WHERE runId = ? ORDER BY sequence",
                                        arguments: [runId])
        }
    }

    /// The most recent body of the run, verbatim.
    public func latestSnapshot(of run: RunRecord) throws(TracedeskError) -> SnapshotRecord? {
        guard let runId = run.id else { return nil }
        return try read { db in
            try SnapshotRecord.fetchOne(db, sql: "SELECT \(SnapshotRecord.selection) FROM snapshot WHERE runId = ? ORDER BY sequence DESC LIMIT 1",
                                        arguments: [runId])
        }
    }
}
