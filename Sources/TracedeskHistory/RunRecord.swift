import Foundation
import GRDB
import TracedeskModel

/// Where a run's bodies came from.
public enum RunSource: String, Sendable, Codable, CaseIterable {
    /// Started by `tracedesk invoke` (or `compare`, `demo`).
    case invoke
    /// Attached to with `tracedesk poll`, started elsewhere.
    case poll
    /// Read from captured bodies with `tracedesk import`.
    case `import`
    /// Called by a step of another run: read from that step's output, not recorded on its own.
    case nested

    /// Whether Tracedesk followed the run itself (invoke, poll), so that the instants its bodies
    /// were seen at are this machine's; captures and nested runs do not say when they were seen.
    public var isFollowed: Bool { self == .invoke || self == .poll }
}

/// How Tracedesk followed a run.
public enum RunTransport: String, Sendable, Codable, CaseIterable {
    /// `invokeAsync` and `status/{jobId}`, polled (or bodies imported).
    case poll
    /// The debug endpoint's Server-Sent Events: the run's events are kept, its rows drawn from them.
    case stream
}

/// A row of `run`: one job of a team, its fields drawn from the bodies received for it.
///
/// Instants are epoch milliseconds. Token counts are `nil` when no body and no step gave any
/// (unknown is not zero). What scripts read is `RunOutput` (TracedeskUseCases), not this row.
public struct RunRecord: Sendable, Hashable {
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
    public var status: RunStatus
    public var output: String?
    public var error: String?
    public var followUpQuestions: [String]
    public var waitingToolCode: String?
    public var waitingSummary: String?
    public var startedAt: Int64?
    public var endedAt: Int64?
    public var timeTakenMs: Int64?
    public var inputTokens: Int64?
    public var outputTokens: Int64?
    public var nodeCount: Int
    public var chunkCount: Int
    public var citationCount: Int
    public var label: String?
    public var source: RunSource
    public var recordedAt: Int64
    public var updatedAt: Int64
    /// The run's AI units: the sum over its model calls, `nil` when a call's rate is unknown.
    public var aiUnits: Int64?
    /// The API version the run was followed over (v1, v2), when Tracedesk followed it.
    public var api: String?
    /// How Tracedesk followed it: `poll` (invokeAsync and status) or `stream` (the debug endpoint).
    public var transport: RunTransport = .poll
    /// What a WAITING run waits for, as received but for its callback token (JSON).
    public var waitingDetails: String?
    /// For a replay (`tracedesk replay`), the jobId of the run it replayed.
    public var replayOf: String?
    /// For a replay, what it pinned, let run live and stopped before (JSON, `ReplayPlan.Summary`).
    public var replayPlan: String?
    /// The rules the run's bodies were redacted by before they were recorded (`[redact] at =
    /// "record"`), as `RedactionRules.summary` says them; `nil` for a run recorded as received.
    public var redaction: String?

    public init(id: Int64? = nil, jobId: String, teamCode: String? = nil, pod: String? = nil, workflowCode: String? = nil,
                workflowName: String? = nil, version: Int? = nil, versionStatus: String? = nil, invocationMode: String? = nil,
                architecture: String? = nil, conversationId: String? = nil, traceId: String? = nil, message: String? = nil,
                parameters: [String: String] = [:], status: RunStatus, output: String? = nil, error: String? = nil,
                followUpQuestions: [String] = [], waitingToolCode: String? = nil, waitingSummary: String? = nil,
                startedAt: Int64? = nil, endedAt: Int64? = nil, timeTakenMs: Int64? = nil, inputTokens: Int64? = nil,
                outputTokens: Int64? = nil, nodeCount: Int = 0, chunkCount: Int = 0, citationCount: Int = 0, label: String? = nil,
                source: RunSource, recordedAt: Int64, updatedAt: Int64) {
        self.id = id
        self.jobId = jobId
        self.teamCode = teamCode
        self.pod = pod
        self.workflowCode = workflowCode
        self.workflowName = workflowName
        self.version = version
        self.versionStatus = versionStatus
        self.invocationMode = invocationMode
        self.architecture = architecture
        self.conversationId = conversationId
        self.traceId = traceId
        self.message = message
        self.parameters = parameters
        self.status = status
        self.output = output
        self.error = error
        self.followUpQuestions = followUpQuestions
        self.waitingToolCode = waitingToolCode
        self.waitingSummary = waitingSummary
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.timeTakenMs = timeTakenMs
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.nodeCount = nodeCount
        self.chunkCount = chunkCount
        self.citationCount = citationCount
        self.label = label
        self.source = source
        self.recordedAt = recordedAt
        self.updatedAt = updatedAt
    }

    /// What the run waits for, read again from `waitingDetails`.
    public var waiting: WaitingDetails? {
        guard status == .waiting else { return nil }
        return WaitingDetails(toolCode: waitingToolCode, details: waitingDetails.flatMap { JSONValue(parsing: $0) })
    }

    /// Token counts as one value; `nil` when unknown.
    public var tokens: TokenUsage? {
        guard inputTokens != nil || outputTokens != nil else { return nil }
        return TokenUsage(input: inputTokens ?? 0, output: outputTokens ?? 0)
    }

    /// The instant the listing sorts by: the run's start, else when it was recorded.
    var sortAt: Int64 { startedAt ?? recordedAt }
}

extension RunRecord: FetchableRecord {
    /// The columns in the order `init(row:)` reads and the recorder writes them.
    static let columns = [
        "id", "jobId", "teamCode", "pod", "workflowCode", "workflowName", "version", "versionStatus", "invocationMode",
        "architecture", "conversationId", "traceId", "message", "parameters", "status", "output", "error", "followUpQuestions",
        "waitingToolCode", "waitingSummary", "startedAt", "endedAt", "timeTakenMs", "inputTokens", "outputTokens", "nodeCount",
        "chunkCount", "citationCount", "label", "source", "recordedAt", "updatedAt", "aiUnits", "api", "transport", "waitingDetails",
        "replayOf", "replayPlan", "redaction",
    ]
    /// `SELECT` of the columns, for queries.
    static let selection = columns.joined(separator: ", ")

    public init(row: Row) throws {
        self.init(
            id: row[0], jobId: row[1], teamCode: row[2], pod: row[3], workflowCode: row[4], workflowName: row[5],
            version: row[6], versionStatus: row[7], invocationMode: row[8], architecture: row[9], conversationId: row[10],
            traceId: row[11], message: row[12],
            parameters: (row[13] as String?).flatMap { JSONValue(parsing: $0)?.objectValue }?.compactMapValues(\.stringValue) ?? [:],
            status: RunStatus(row[14] as String), output: row[15], error: row[16],
            followUpQuestions: (row[17] as String?).flatMap { JSONValue(parsing: $0)?.arrayValue }?.compactMap(\.stringValue) ?? [],
            waitingToolCode: row[18], waitingSummary: row[19], startedAt: row[20], endedAt: row[21], timeTakenMs: row[22],
            inputTokens: row[23], outputTokens: row[24], nodeCount: row[25], chunkCount: row[26], citationCount: row[27],
            label: row[28], source: RunSource(rawValue: row[29]) ?? .import, recordedAt: row[30], updatedAt: row[31])
        aiUnits = row[32]
        api = row[33]
        transport = RunTransport(rawValue: row[34] ?? "poll") ?? .poll
        waitingDetails = row[35]
        replayOf = row[36]
        replayPlan = row[37]
        redaction = row[38]
    }

    /// The values of every column but `id`, in `columns` order, then `sortAt`.
    var values: [SQLValue] {
        [.text(jobId), .init(teamCode), .init(pod), .init(workflowCode), .init(workflowName), .init(version), .init(versionStatus),
         .init(invocationMode), .init(architecture), .init(conversationId), .init(traceId), .init(message),
         .text(JSONValue.object(parameters.mapValues(JSONValue.string)).compactText), .text(status.rawValue), .init(output),
         .init(error), .text(JSONValue.array(followUpQuestions.map(JSONValue.string)).compactText), .init(waitingToolCode),
         .init(waitingSummary), .init(startedAt), .init(endedAt), .init(timeTakenMs), .init(inputTokens), .init(outputTokens),
         .init(nodeCount), .init(chunkCount), .init(citationCount), .init(label), .text(source.rawValue), .integer(recordedAt),
         .integer(updatedAt), .init(aiUnits), .init(api), .text(transport.rawValue), .init(waitingDetails),
         .init(replayOf), .init(replayPlan), .init(redaction), .integer(sortAt)]
    }
}
