import Foundation
import TracedeskHistory
import TracedeskModel

/// One run as `tracedesk runs --json` prints it and `GET /api/runs` serves it (docs/json.md).
///
/// Its own type, not the database row: the history's schema can change without changing what
/// scripts read. Instants are epoch milliseconds; absent values are omitted.
public struct RunOutput: Sendable, Encodable, Equatable {
    public var id: Int64?
    public var jobId: String
    public var teamCode: String?
    public var pod: String?
    public var workflowCode: String?
    public var workflowName: String?
    public var version: Int?
    public var versionStatus: String?
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
    public var inputTokens: Int64?
    public var outputTokens: Int64?
    public var nodeCount: Int
    public var chunkCount: Int
    public var citationCount: Int
    public var label: String?
    public var source: String
    public var recordedAt: Int64
    public var updatedAt: Int64
    /// The run's AI units; absent when unknown.
    public var aiUnits: Int64?
    /// The API version it was followed over.
    public var api: String?
    /// `poll` or `stream`.
    public var transport: String
    /// While WAITING: what it waits for, read from the pod's `waitingNodeDetails`.
    public var waiting: WaitingOutput?
    /// For a replay: the jobId of the run it replays, and what it pinned, let run and stopped before.
    public var replayOf: String?
    public var replayPlan: ReplayPlan.Summary?
    /// For a run recorded with `[redact] at = "record"`: the rules its bodies were redacted by.
    public var redaction: String?

    /// What a suspended run waits for (never its callback token).
    public struct WaitingOutput: Sendable, Encodable, Equatable {
        public var node: String?
        public var type: String?
        public var channel: String?
        public var message: String?
        /// 1 for the first round, as people count.
        public var round: Int?
        public var maximumRounds: Int?
        public var feedbackEnabled: Bool?
        public var waitMinutes: Double?
        /// `{code, label}` of each action offered.
        public var actions: [ActionOutput]

        public struct ActionOutput: Sendable, Encodable, Equatable {
            public var code: String
            public var label: String?
        }

        init(_ details: WaitingDetails) {
            node = details.node
            type = details.nodeType
            channel = details.channel
            message = details.message
            round = details.iteration.map { $0 + 1 }
            maximumRounds = details.maximumIterations
            feedbackEnabled = details.feedbackEnabled
            waitMinutes = details.waitMinutes
            actions = details.actions.map { ActionOutput(code: $0.code, label: $0.label) }
        }
    }

    public init(_ run: RunRecord) {
        id = run.id
        jobId = run.jobId
        teamCode = run.teamCode
        pod = run.pod
        workflowCode = run.workflowCode
        workflowName = run.workflowName
        version = run.version
        versionStatus = run.versionStatus
        invocationMode = run.invocationMode
        architecture = run.architecture
        conversationId = run.conversationId
        traceId = run.traceId
        message = run.message
        parameters = run.parameters
        status = run.status.rawValue
        output = run.output
        error = run.error
        followUpQuestions = run.followUpQuestions
        waitingToolCode = run.waitingToolCode
        waitingSummary = run.waitingSummary
        startedAt = run.startedAt
        endedAt = run.endedAt
        timeTakenMs = run.timeTakenMs
        inputTokens = run.inputTokens
        outputTokens = run.outputTokens
        nodeCount = run.nodeCount
        chunkCount = run.chunkCount
        citationCount = run.citationCount
        label = run.label
        source = run.source.rawValue
        recordedAt = run.recordedAt
        updatedAt = run.updatedAt
        aiUnits = run.aiUnits
        api = run.api
        transport = run.transport.rawValue
        waiting = run.waiting.map(WaitingOutput.init)
        replayOf = run.replayOf
        replayPlan = run.replayPlan.flatMap { try? JSONDecoder().decode(ReplayPlan.Summary.self, from: Data($0.utf8)) }
        redaction = run.redaction
    }
}

/// One run with everything recorded about it, as `tracedesk show RUN --json` prints it and
/// `GET /api/runs/{jobId}` serves it (docs/json.md).
public struct RunDetailsOutput: Sendable, Encodable {
    /// One step of the run, in tree order.
    public struct NodeOutput: Sendable, Encodable, Equatable {
        public var position: Int
        public var parentPosition: Int?
        public var depth: Int
        public var code: String?
        public var name: String?
        public var type: String?
        public var status: String?
        public var startedAt: Int64?
        public var endedAt: Int64?
        public var durationMs: Int64?
        public var inputTokens: Int64?
        public var outputTokens: Int64?
        public var model: String?
        public var input: String?
        public var output: String?
        public var error: String?
        /// The run this step called, when it is a WORKFLOW step that called another team.
        public var nestedRun: NestedRunOutput?
        /// The step as received, as JSON text.
        public var raw: String
        public var loopIndex: Int?
        public var aiUnits: Int64?
        /// The calls the step made to models.
        public var llmCalls: [LLMCallOutput]

        init(_ node: NodeRecord, calls: [LLMCallRecord] = []) {
            loopIndex = node.loopIndex
            aiUnits = node.aiUnits
            llmCalls = calls.map(LLMCallOutput.init)
            position = node.position
            parentPosition = node.parentPosition
            depth = node.depth
            code = node.code
            name = node.name
            type = node.type
            status = node.status
            startedAt = node.startedAt
            endedAt = node.endedAt
            durationMs = node.durationMs
            inputTokens = node.inputTokens
            outputTokens = node.outputTokens
            model = node.model
            input = node.input
            output = node.output
            error = node.error
            nestedRun = node.nestedJobId.map { jobId in
                NestedRunOutput(jobId: jobId, traceId: node.nestedTraceId, status: node.nestedStatus,
                                inputTokens: node.nestedInputTokens, outputTokens: node.nestedOutputTokens)
            }
            raw = node.raw
        }
    }

    /// One call a step made to a model: its model, the messages sent, the settings, the
    /// response, Oracle's counts beside the provider's, and its AI units.
    public struct LLMCallOutput: Sendable, Encodable, Equatable {
        public struct MessageOutput: Sendable, Encodable, Equatable {
            public var role: String
            public var text: String
        }

        public var position: Int
        public var index: Int?
        public var model: String?
        public var modelType: String?
        public var durationMs: Int64?
        public var inputTokens: Int64
        public var outputTokens: Int64
        public var providerPromptTokens: Int64?
        public var providerCompletionTokens: Int64?
        public var reasoningTokens: Int64?
        public var finishReason: String?
        public var messages: [MessageOutput]
        public var parameters: [String: JSONValue]
        public var responseText: String?
        public var toolCalls: String?
        public var aiUnits: Int64?

        init(_ call: LLMCallRecord) {
            position = call.position
            index = call.callIndex
            model = call.model
            modelType = call.modelType
            durationMs = call.durationMs
            inputTokens = call.inputTokens
            outputTokens = call.outputTokens
            providerPromptTokens = call.providerPromptTokens
            providerCompletionTokens = call.providerCompletionTokens
            reasoningTokens = call.reasoningTokens
            finishReason = call.finishReason
            messages = call.messages.map { MessageOutput(role: $0.role, text: $0.text) }
            parameters = call.parameterValues
            responseText = call.responseText
            toolCalls = call.toolCalls
            aiUnits = call.aiUnits
        }
    }

    /// A run called by a step: its own jobId, traceId, status and tokens.
    public struct NestedRunOutput: Sendable, Encodable, Equatable {
        public var jobId: String
        public var traceId: String?
        public var status: String?
        public var inputTokens: Int64?
        public var outputTokens: Int64?
    }

    /// A supporting chunk or a citation.
    public struct DocumentReferenceOutput: Sendable, Encodable, Equatable {
        public var position: Int
        public var title: String?
        public var source: String?
        public var score: Double?
        public var text: String?
        public var page: String?
        public var raw: String

        init(_ reference: DocumentReferenceRecord) {
            position = reference.position
            title = reference.title
            source = reference.source
            score = reference.score
            text = reference.text
            page = reference.page
            raw = reference.raw
        }
    }

    /// The run's status changed to `status` at `at`.
    public struct StatusChangeOutput: Sendable, Encodable, Equatable {
        public var status: String
        public var at: Int64?
    }

    /// One distinct body, without the body.
    public struct SnapshotOutput: Sendable, Encodable, Equatable {
        public var sequence: Int
        public var firstSeenAt: Int64
        public var lastSeenAt: Int64
        public var timesSeen: Int
        public var httpStatus: Int?
        public var status: String?
        public var bytes: Int
    }

    public var run: RunOutput
    public var nodes: [NodeOutput]
    public var chunks: [DocumentReferenceOutput]
    public var citations: [DocumentReferenceOutput]
    public var statusChanges: [StatusChangeOutput]
    public var snapshots: [SnapshotOutput]
    public var waitingMs: Int64?
    public var waitingSince: Int64?
    /// The run whose step called this one, when it was recorded as a nested run.
    public var calledBy: CallerOutput?
    /// How many debug-stream events the run holds (0 for a polled run).
    public var streamEvents: Int
    /// The jobIds of this run's replays, oldest first.
    public var replays: [String]

    /// Where a nested run was called from.
    public struct CallerOutput: Sendable, Encodable, Equatable {
        public var jobId: String
        public var teamCode: String?
        public var step: String?
    }

    public init(_ details: RunDetails) {
        run = RunOutput(details.run)
        nodes = details.nodes.map { NodeOutput($0, calls: details.calls(ofStepAt: $0.position)) }
        streamEvents = details.streamEvents
        replays = details.replays
        chunks = details.chunks.map(DocumentReferenceOutput.init)
        citations = details.citations.map(DocumentReferenceOutput.init)
        statusChanges = details.statusChanges.map { StatusChangeOutput(status: $0.status.rawValue, at: $0.at) }
        snapshots = details.snapshots.map {
            SnapshotOutput(sequence: $0.sequence, firstSeenAt: $0.firstSeenAt, lastSeenAt: $0.lastSeenAt, timesSeen: $0.timesSeen,
                           httpStatus: $0.httpStatus, status: $0.status, bytes: $0.bytes)
        }
        waitingMs = details.waitingMs
        waitingSince = details.waitingSince
        calledBy = details.caller.map { CallerOutput(jobId: $0.jobId, teamCode: $0.teamCode, step: $0.step) }
    }
}
