import Foundation
import GRDB
import TracedeskModel

/// A team and version status as the history holds it: how many runs, how they ended, how long
/// they took. DRAFT and PUBLISHED are kept apart, since they are different teams to a user.
public struct TeamSummary: Sendable, Hashable {
    public var team: String
    /// `DRAFT`, `PUBLISHED`, or `nil` when the bodies did not say.
    public var versionStatus: String?
    public var runs: Int
    public var errors: Int
    public var going: Int
    public var lastRunAt: Int64?
    /// AI units over the runs whose units are known, and how many runs those are.
    public var aiUnits: Int64 = 0
    public var runsWithAIUnits: Int = 0
}

/// One day of a team's runs (UTC), for its trends.
public struct TeamDay: Sendable, Hashable {
    /// Midnight UTC of the day, epoch ms.
    public var day: Int64
    public var counts: [String: Int]
    /// Times taken of the runs that ended, in ms, sorted.
    public var durations: [Int64]
    /// Known token totals, sorted.
    public var tokens: [Int64]

    public init(day: Int64, counts: [String: Int], durations: [Int64], tokens: [Int64]) {
        self.day = day
        self.counts = counts
        self.durations = durations
        self.tokens = tokens
    }

    public var runs: Int { counts.values.reduce(0, +) }
    public var errorRate: Double { runs == 0 ? 0 : Double(counts["ERROR", default: 0]) / Double(runs) }
}

/// A step code's times over a team's recent runs.
public struct StepStatistic: Sendable, Hashable {
    public var code: String
    public var type: String?
    public var runs: Int
    public var failures: Int
    public var medianMs: Int64
    public var p95Ms: Int64
}

extension HistoryStore {
    /// Every team and version status with runs, busiest first.
    public func teamSummaries() throws(TracedeskError) -> [TeamSummary] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT coalesce(teamCode, workflowCode, '(no team)') AS team, versionStatus, count(*) AS runs,
                       sum(status = 'ERROR') AS errors, sum(status IN ('RUNNING', 'WAITING')) AS going, max(sortAt) AS lastRunAt,
                       total(aiUnits) AS aiUnits, count(aiUnits) AS runsWithAIUnits
                FROM run GROUP BY 1, 2 ORDER BY runs DESC, team
                """).map { row in
                TeamSummary(team: row["team"], versionStatus: row["versionStatus"], runs: row["runs"], errors: row["errors"] ?? 0,
                            going: row["going"] ?? 0, lastRunAt: row["lastRunAt"], aiUnits: Int64((row["aiUnits"] as Double?) ?? 0),
                            runsWithAIUnits: row["runsWithAIUnits"] ?? 0)
            }
        }
    }

    /// A team's runs by day (UTC), oldest first, over the days since `since` (epoch ms).
    public func teamDays(team: String, versionStatus: String?, since: Int64) throws(TracedeskError) -> [TeamDay] {
        try read { db in
            var days: [Int64: TeamDay] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT sortAt, status, timeTakenMs, inputTokens, outputTokens FROM run
                WHERE coalesce(teamCode, workflowCode, '(no team)') = ? AND versionStatus IS ? AND sortAt >= ?
                """, arguments: [team, versionStatus, since])
            while let row = try rows.next() {
                let sortAt: Int64 = row["sortAt"]
                let day = sortAt - ((sortAt % 86_400_000) + 86_400_000) % 86_400_000
                var entry = days[day] ?? TeamDay(day: day, counts: [:], durations: [], tokens: [])
                let status: String = row["status"] ?? "UNKNOWN"
                entry.counts[status, default: 0] += 1
                if let time: Int64 = row["timeTakenMs"], status == "COMPLETE" || status == "ERROR" { entry.durations.append(time) }
                let input: Int64? = row["inputTokens"], output: Int64? = row["outputTokens"]
                if input != nil || output != nil { entry.tokens.append(TokenUsage.adding(input ?? 0, output ?? 0)) }
                days[day] = entry
            }
            return days.values.sorted { $0.day < $1.day }.map { day in
                var sorted = day
                sorted.durations.sort()
                sorted.tokens.sort()
                return sorted
            }
        }
    }

    /// The slowest step codes (by median) over a team's `recentRuns` most recent runs.
    public func slowestSteps(team: String, versionStatus: String?, recentRuns: Int = 500, limit: Int = 10) throws(TracedeskError) -> [StepStatistic] {
        try read { db in
            var times: [String: (type: String?, durations: [Int64], runs: Set<Int64>, failures: Int)] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT n.runId, n.code, n.type, n.status, n.durationMs FROM node n
                WHERE n.runId IN (SELECT id FROM run WHERE coalesce(teamCode, workflowCode, '(no team)') = ? AND versionStatus IS ?
                                  ORDER BY sortAt DESC, id DESC LIMIT ?)
                  AND n.code IS NOT NULL
                """, arguments: [team, versionStatus, recentRuns])
            while let row = try rows.next() {
                let code: String = row["code"]
                var entry = times[code] ?? (row["type"], [], [], 0)
                if let duration: Int64 = row["durationMs"] { entry.durations.append(duration) }
                entry.runs.insert(row["runId"])
                let status: String? = row["status"]
                if let status, RunStatus(status) == .error { entry.failures += 1 }
                times[code] = entry
            }
            return times.compactMap { code, entry -> StepStatistic? in
                guard !entry.durations.isEmpty else { return nil }
                let sorted = entry.durations.sorted()
                return StepStatistic(code: code, type: entry.type, runs: entry.runs.count, failures: entry.failures,
                                     medianMs: Self.percentile(sorted, 0.5), p95Ms: Self.percentile(sorted, 0.95))
            }
            .sorted { ($0.medianMs, $1.code) > ($1.medianMs, $0.code) }
            .prefix(limit).map { $0 }
        }
    }

    /// The value at `fraction` of sorted `values` (nearest rank); 0 when empty.
    public static func percentile(_ values: [Int64], _ fraction: Double) -> Int64 {
        guard !values.isEmpty else { return 0 }
        let rank = Int((fraction * Double(values.count)).rounded(.up)) - 1
        return values[min(max(rank, 0), values.count - 1)]
    }

    /// The runs of one team before and after `run` in the listing's order: previous is older.
    public func neighbours(of run: RunRecord) throws(TracedeskError) -> (older: RunRecord?, newer: RunRecord?) {
        guard let id = run.id else { return (nil, nil) }
        let team = run.teamCode ?? run.workflowCode
        let sortAt = run.sortAt
        return try read { db in
            let older = try RunRecord.fetchOne(db, sql: """
                SELECT \(RunRecord.selection) FROM run WHERE teamCode IS ? AND (sortAt < ? OR (sortAt = ? AND id < ?))
                ORDER BY sortAt DESC, id DESC LIMIT 1
                """, arguments: [team, sortAt, sortAt, id])
            let newer = try RunRecord.fetchOne(db, sql: """
                SELECT \(RunRecord.selection) FROM run WHERE teamCode IS ? AND (sortAt > ? OR (sortAt = ? AND id > ?))
                ORDER BY sortAt, id LIMIT 1
                """, arguments: [team, sortAt, sortAt, id])
            return (older, newer)
        }
    }

    /// Recorded comparisons, newest first: id, team, sides, suite, verdict, when.
    public func comparisons(limit: Int = 200) throws(TracedeskError) -> [ComparisonRecord] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.id, c.teamCode, c.baseline, c.candidate, c.suite, c.promptCount, c.repeats, c.verdict, c.createdAt,
                       (SELECT count(*) FROM comparison_run r WHERE r.comparisonId = c.id) AS runs, \(ComparisonRecord.versions)
                FROM comparison c ORDER BY c.id DESC LIMIT ?
                """, arguments: [limit]).map(ComparisonRecord.init)
        }
    }

    /// One comparison, with what it found (the JSON `compare --json` prints), when it finished.
    public func comparison(_ id: Int64) throws(TracedeskError) -> (record: ComparisonRecord, resultJSON: String?) {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT c.id, c.teamCode, c.baseline, c.candidate, c.suite, c.promptCount, c.repeats, c.verdict, c.createdAt, c.result,
                       (SELECT count(*) FROM comparison_run r WHERE r.comparisonId = c.id) AS runs, \(ComparisonRecord.versions)
                FROM comparison c WHERE c.id = ?
                """, arguments: [id]) else {
                throw TracedeskError.badInput("no comparison #\(id) in the history")
            }
            return (ComparisonRecord(row), row["result"])
        }
    }
}

/// A row of `comparison`.
public struct ComparisonRecord: Sendable, Hashable {
    public var id: Int64
    public var team: String
    public var baseline: String
    public var candidate: String
    public var suite: String?
    public var promptCount: Int
    public var repeats: Int
    /// `regression`, `improvement`, `changed`, `unchanged`, `failed`; `nil` while it runs (or after Ctrl-C).
    public var verdict: String?
    public var createdAt: Int64
    public var runs: Int
    /// The versions side A's runs ran, and side B's, as their bodies said (in order; usually one each).
    public var baselineVersions: [Int]
    public var candidateVersions: [Int]

    /// The two columns `versionsA` and `versionsB` of a `comparison c` row: its runs' versions per side.
    static let versions = ["A", "B"].map { side in
        """
        (SELECT group_concat(DISTINCT x.version) FROM comparison_run cr JOIN run x ON x.id = cr.runId
         WHERE cr.comparisonId = c.id AND cr.side = '\(side)' AND x.version IS NOT NULL) AS versions\(side)
        """
    }.joined(separator: ", ")

    init(_ row: Row) {
        id = row["id"]
        team = row["teamCode"]
        baseline = row["baseline"]
        candidate = row["candidate"]
        suite = row["suite"]
        promptCount = row["promptCount"]
        repeats = row["repeats"]
        verdict = row["verdict"]
        createdAt = row["createdAt"]
        runs = row["runs"]
        func numbers(_ text: String?) -> [Int] {
            (text ?? "").split(separator: ",").compactMap { Int($0) }.sorted()
        }
        baselineVersions = numbers(row["versionsA"])
        candidateVersions = numbers(row["versionsB"])
    }
}
