import Foundation
import TracedeskModel
import GRDB

/// What the caller knows about the run a body belongs to, beyond the body itself.
public struct RecordingContext: Sendable {
    /// The team code the body was fetched for; used when the body lacks `workflowCode`.
    public var teamCode: String?
    /// The pod's base URL, when the body came from one.
    public var pod: String?
    public var source: RunSource
    public var label: String?
    /// The request that started the run, for the message and parameters when the body lacks `input`.
    public var request: InvokeRequest?

    public init(teamCode: String? = nil, pod: String? = nil, source: RunSource,
                label: String? = nil, request: InvokeRequest? = nil) {
        self.teamCode = teamCode
        self.pod = pod
        self.source = source
        self.label = label
        self.request = request
    }
}

/// How a body reached Tracedesk, which decides what a repeated body means.
public enum Observation: Sendable, Equatable {
    /// Received from the pod at `at` (epoch ms): a body identical to the run's previous one is
    /// counted (`timesSeen`, `lastSeenAt`), since seeing it again is itself information.
    case received(at: Int64, httpStatus: Int?)
    /// Read from a capture at `at`: a body the run already holds changes nothing, so importing
    /// the same file twice leaves the history as it was.
    case imported(at: Int64)

    var at: Int64 {
        switch self {
        case .received(let at, _), .imported(let at): at
        }
    }
}

/// What recording one body did.
public struct RecordOutcome: Sendable, Equatable {
    /// What became of the body itself.
    public enum Snapshot: Sendable, Equatable {
        /// Stored as the run's `sequence`-th distinct body.
        case stored(sequence: Int)
        /// Identical to the previous body: counted, not stored again.
        case repeated(sequence: Int, timesSeen: Int)
        /// Already held by the run (an import seen before): nothing changed.
        case alreadyKnown(sequence: Int)
    }

    public var jobId: String
    public var runId: Int64
    public var isNewRun: Bool
    public var snapshot: Snapshot
    /// The run's status after recording.
    public var status: String
}

/// A body to record together with how it arrived; see `HistoryStore.record(_:)`.
public struct BodyToRecord: Sendable {
    public var body: StatusBody
    /// The text exactly as received.
    public var verbatim: String
    public var observation: Observation
    public var context: RecordingContext

    public init(body: StatusBody, verbatim: String, observation: Observation, context: RecordingContext) {
        self.body = body
        self.verbatim = verbatim
        self.observation = observation
        self.context = context
    }
}

extension HistoryStore {
    /// Records one status body in one transaction; see `record(_:)` for a batch.
    @discardableResult
    public func record(_ body: StatusBody, verbatim: String, observation: Observation,
                       context: RecordingContext) throws(TracedeskError) -> RecordOutcome {
        let item = BodyToRecord(body: body, verbatim: verbatim, observation: observation, context: context)
        return try record([item])[0]
    }

    /// Records bodies in one transaction: all of them, or, on any failure, none.
    ///
    /// Each body's verbatim text becomes a snapshot of its run (created on its first body). The
    /// run's fields, nodes, chunks, citations and search entries are drawn anew from the newest
    /// body, keeping earlier values where the newest body is silent; a body that would move a
    /// finished run back to RUNNING (an out-of-order import) is stored but does not re-derive.
    @discardableResult
    public func record(_ items: [BodyToRecord]) throws(TracedeskError) -> [RecordOutcome] {
        try write { db in
            try items.map { try Self.record($0, in: db) }
        }
    }

    private static func record(_ item: BodyToRecord, in db: Database) throws -> RecordOutcome {
        let body = item.body
        let at = item.observation.at
        let existing = try RunRecord.filter(RunRecord.Columns.jobId == body.jobId).fetchOne(db)

        if let existing, let runId = existing.id {
            let last = try SnapshotRecord
                .filter(Column("runId") == runId)
                .order(Column("sequence").desc)
                .fetchOne(db)
            switch item.observation {
            case .received:
                if var last, last.body == item.verbatim {
                    last.timesSeen += 1
                    last.lastSeenAt = max(last.lastSeenAt, at)
                    try last.update(db)
                    try db.execute(sql: "UPDATE run SET updatedAt = ? WHERE id = ?", arguments: [at, runId])
                    return RecordOutcome(jobId: body.jobId, runId: runId, isNewRun: false,
                                         snapshot: .repeated(sequence: last.sequence, timesSeen: last.timesSeen),
                                         status: existing.status)
                }
            case .imported:
                if let sequence = try Int.fetchOne(db, sql: "SELECT sequence FROM snapshot WHERE runId = ? AND body = ?",
                                                   arguments: [runId, item.verbatim]) {
                    return RecordOutcome(jobId: body.jobId, runId: runId, isNewRun: false,
                                         snapshot: .alreadyKnown(sequence: sequence), status: existing.status)
                }
            }
            let sequence = (last?.sequence ?? 0) + 1
            try insertSnapshot(item, runId: runId, sequence: sequence, db: db)
            let movesBack = existing.runStatus.isTerminal && !(body.status?.isTerminal ?? false)
            if movesBack {
                return RecordOutcome(jobId: body.jobId, runId: runId, isNewRun: false,
                                     snapshot: .stored(sequence: sequence), status: existing.status)
            }
            var run = RunRecord.derive(from: body, previous: existing, context: item.context, at: at)
            try derive(&run, from: body, previous: existing, observation: item.observation, db: db)
            return RecordOutcome(jobId: body.jobId, runId: runId, isNewRun: false,
                                 snapshot: .stored(sequence: sequence), status: run.status)
        }

        var run = RunRecord.derive(from: body, previous: nil, context: item.context, at: at)
        try run.insert(db)
        guard let runId = run.id else { throw TracedeskError.database("a run was stored without an id") }
        try insertSnapshot(item, runId: runId, sequence: 1, db: db)
        try derive(&run, from: body, previous: nil, observation: item.observation, db: db)
        return RecordOutcome(jobId: body.jobId, runId: runId, isNewRun: true,
                             snapshot: .stored(sequence: 1), status: run.status)
    }

    private static func insertSnapshot(_ item: BodyToRecord, runId: Int64, sequence: Int, db: Database) throws {
        var httpStatus: Int?
        if case .received(_, let status) = item.observation { httpStatus = status }
        var snapshot = SnapshotRecord(
            id: nil, runId: runId, sequence: sequence,
            firstSeenAt: item.observation.at, lastSeenAt: item.observation.at, timesSeen: 1,
            httpStatus: httpStatus, status: item.body.status?.rawValue, body: item.verbatim)
        try snapshot.insert(db)
    }

    /// Writes the run's derived rows: its status history, nodes, chunks, citations and search entries.
    private static func derive(_ run: inout RunRecord, from body: StatusBody, previous: RunRecord?,
                               observation: Observation, db: Database) throws {
        guard let runId = run.id else { return }

        let lastChange = try StatusChangeRecord
            .filter(Column("runId") == runId).order(Column("id").desc).fetchOne(db)
        if lastChange?.status != run.status {
            let at: Int64?
            switch observation {
            case .received(let instant, _): at = instant
            case .imported:
                // A capture tells when a run started and ended, not when anyone saw it change.
                switch run.runStatus {
                case .complete, .error: at = body.endedAt
                case .waiting: at = body.waitingSince
                default: at = lastChange == nil ? body.startedAt : nil
                }
            }
            var change = StatusChangeRecord(id: nil, runId: runId, status: run.status, at: at)
            try change.insert(db)
        }

        if body.hasNodes || previous == nil {
            try db.execute(sql: "DELETE FROM node WHERE runId = ?", arguments: [runId])
            let rows = NodeRecord.flatten(body.nodes, runId: runId)
            for var row in rows { try row.insert(db) }
            run.nodeCount = rows.count
        }
        if body.hasSupportingChunks || previous == nil {
            run.chunkCount = try replaceReferences(body.supportingChunks, table: "chunk", runId: runId, db: db)
        }
        if body.hasCitations || previous == nil {
            run.citationCount = try replaceReferences(body.citations, table: "citation", runId: runId, db: db)
        }
        try run.update(db)
        try reindex(runId: runId, db: db)
    }

    private static func replaceReferences(_ items: [DocumentReference], table: String, runId: Int64,
                                          db: Database) throws -> Int {
        try db.execute(sql: "DELETE FROM \(table) WHERE runId = ?", arguments: [runId])
        for (position, item) in items.enumerated() {
            try db.execute(
                sql: "INSERT INTO \(table) (runId, position, title, source, score, text, page, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [runId, position, item.title, item.source, item.score, item.text, item.page, item.raw.compactText])
        }
        return items.count
    }

    /// Rebuilds the run's full-text entries: message, output, error, and every node's output.
    private static func reindex(runId: Int64, db: Database) throws {
        try db.execute(sql: "DELETE FROM run_search WHERE runId = ?", arguments: [runId])
        try db.execute(sql: """
            INSERT INTO run_search (runId, field, text)
            SELECT id, 'message', message FROM run WHERE id = ?1 AND message IS NOT NULL
            UNION ALL SELECT id, 'output', output FROM run WHERE id = ?1 AND output IS NOT NULL
            UNION ALL SELECT id, 'error', error FROM run WHERE id = ?1 AND error IS NOT NULL
            UNION ALL SELECT runId, 'node:' || position, output FROM node WHERE runId = ?1 AND output IS NOT NULL
            """, arguments: [runId])
    }
}

extension RunRecord {
    /// The run's fields drawn from `body`, keeping `previous` values where the body is silent.
    static func derive(from body: StatusBody, previous: RunRecord?, context: RecordingContext,
                       at: Int64) -> RunRecord {
        let request = context.request
        let status = body.status?.rawValue ?? previous?.status ?? "UNKNOWN"
        let isTerminal = RunStatus(status).isTerminal
        let tokens = body.totalTokens
        let keepTokens = tokens.isZero && previous != nil
        let parameters = body.parameters
        return RunRecord(
            id: previous?.id,
            jobId: body.jobId,
            teamCode: context.teamCode ?? previous?.teamCode ?? body.workflowCode,
            pod: context.pod ?? previous?.pod,
            workflowCode: body.workflowCode ?? previous?.workflowCode,
            workflowName: body.workflowName ?? previous?.workflowName,
            version: body.workflowVersion ?? previous?.version ?? request?.version,
            versionStatus: body.workflowStatus ?? previous?.versionStatus ?? request?.status.rawValue,
            invocationMode: body.invocationMode ?? previous?.invocationMode ?? request?.invocationMode.rawValue,
            architecture: body.architecture ?? previous?.architecture,
            conversationId: body.conversationId ?? previous?.conversationId ?? request?.conversationId,
            traceId: body.traceId ?? previous?.traceId,
            message: body.message ?? previous?.message ?? request?.message,
            parameters: !parameters.isEmpty ? parameters : (previous?.parameters ?? request?.parameters ?? [:]),
            status: status,
            output: body.outputText ?? previous?.output,
            error: body.errorText ?? (isTerminal || body.status == nil ? previous?.error : nil),
            followUpQuestions: !body.followUpQuestions.isEmpty ? body.followUpQuestions : (previous?.followUpQuestions ?? []),
            waitingToolCode: status == "WAITING" ? body.waiting.toolCode : nil,
            waitingSummary: status == "WAITING" && !body.waiting.isEmpty ? body.waiting.summary : nil,
            startedAt: body.startedAt ?? previous?.startedAt,
            endedAt: body.endedAt ?? (isTerminal ? previous?.endedAt : nil),
            timeTakenMs: body.durationMs ?? (isTerminal ? previous?.timeTakenMs : nil),
            inputTokens: keepTokens ? previous?.inputTokens ?? 0 : tokens.input,
            outputTokens: keepTokens ? previous?.outputTokens ?? 0 : tokens.output,
            nodeCount: previous?.nodeCount ?? 0,
            chunkCount: previous?.chunkCount ?? 0,
            citationCount: previous?.citationCount ?? 0,
            label: context.label ?? previous?.label,
            source: previous?.source ?? context.source,
            recordedAt: previous?.recordedAt ?? at,
            updatedAt: at
        )
    }
}

extension NodeRecord {
    /// The rows of a node tree in depth-first order, nested runs' steps under their WORKFLOW node.
    static func flatten(_ nodes: [Node], runId: Int64) -> [NodeRecord] {
        var rows: [NodeRecord] = []
        func visit(_ node: Node, parent: Int?, depth: Int) {
            let position = rows.count
            rows.append(NodeRecord(
                id: nil, runId: runId, position: position, parentPosition: parent, depth: depth,
                code: node.code, name: node.name, type: node.type, status: node.status,
                startedAt: node.startedAt, endedAt: node.endedAt, durationMs: node.durationMs,
                inputTokens: node.tokens.input, outputTokens: node.tokens.output, model: node.model,
                input: node.input.map(\.displayText), output: node.output.map(\.displayText),
                error: node.error,
                nestedJobId: node.nestedRun?.jobId, nestedTraceId: node.nestedRun?.traceId,
                nestedStatus: node.nestedRun?.status?.rawValue,
                nestedInputTokens: node.nestedRun?.totalTokens.input,
                nestedOutputTokens: node.nestedRun?.totalTokens.output,
                raw: node.raw.compactText))
            for child in node.children { visit(child, parent: position, depth: depth + 1) }
            for child in node.nestedRun?.nodes ?? [] { visit(child, parent: position, depth: depth + 1) }
        }
        for node in nodes { visit(node, parent: nil, depth: 0) }
        return rows
    }
}
