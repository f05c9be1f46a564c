import Foundation
import TracedeskModel
import GRDB

/// Where a run's bodies came from.
public enum RunSource: String, Sendable, Codable, CaseIterable {
    /// Started by `tracedesk invoke` (or `compare`, `demo`).
    case invoke
    /// Attached to with `tracedesk poll`, started elsewhere.
    case poll
    /// Read from captured bodies with `tracedesk import`.
    case `import`
}

/// A row of `run`: one job of a team, its fields drawn from the bodies received for it.
///
/// This is also the object `tracedesk runs --json` prints, one per run; `docs/json.md` documents it.
/// Instants are epoch milliseconds.
public struct RunRecord: Sendable, Hashable, Codable {
    public var id: Int64?
    public var jobId: String
    public var teamCode: String?
    public var pod: String?
    public var workflowCode: String?
    public var workflowName: String?
    public var version: Int?
    /// DRAFT or PUBLISHED.
    public var versionStatus: String?
    /// ADMIN or END_USER.
    public var invocationMode: String?
    public var architecture: String?
    public var conversationId: String?
    public var traceId: String?
    public var message: String?
    public var parameters: [String: String]
    public var status: String
    public var output: String?
    public var error: String?
    public var followUpQuestions: [String]
    public var waitingToolCode: String?
    public var waitingSummary: String?
    public var startedAt: Int64?
    public var endedAt: Int64?
    public var timeTakenMs: Int64?
    public var inputTokens: Int64
    public var outputTokens: Int64
    public var nodeCount: Int
    public var chunkCount: Int
    public var citationCount: Int
    public var label: String?
    public var source: RunSource
    public var recordedAt: Int64
    public var updatedAt: Int64

    /// The run's status as a value.
    public var runStatus: RunStatus { RunStatus(status) }

    /// Token counts as one value.
    public var tokens: TokenUsage { TokenUsage(input: inputTokens, output: outputTokens) }
}

extension RunRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "run"

    /// The columns, for building queries.
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let jobId = Column(CodingKeys.jobId)
        public static let teamCode = Column(CodingKeys.teamCode)
        public static let status = Column(CodingKeys.status)
        public static let startedAt = Column(CodingKeys.startedAt)
        public static let recordedAt = Column(CodingKeys.recordedAt)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
