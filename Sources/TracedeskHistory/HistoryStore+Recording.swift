import Foundation
import GRDB
import TracedeskModel

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
    /// The API version the run is followed over, when Tracedesk follows it.
    public var api: String?
    /// How Tracedesk follows it; `nil` keeps what the history says (else `poll`).
    public var transport: RunTransport?
    /// How the pod bills model calls, for each call's AI units; `nil` leaves them unknown.
    public var aiUnitRates: AIUnitRates?
    /// For a replay: the jobId of the run it replays, and what it pinned (JSON).
    public var replay: (of: String, plan: String)?

    public init(teamCode: String? = nil, pod: String? = nil, source: RunSource,
                label: String? = nil, request: InvokeRequest? = nil, api: String? = nil, transport: RunTransport? = nil,
                aiUnitRates: AIUnitRates? = nil) {
        self.teamCode = teamCode
        self.pod = pod
        self.source = source
        self.label = label
        self.request = request
        self.api = api
        self.transport = transport
        self.aiUnitRates = aiUnitRates
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
    public var status: RunStatus
    /// The run's team after recording.
    public var teamCode: String?
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
    /// run's fields, nodes, chunks, citations and search entry are drawn anew from the newest
    /// body (`RunProjection`), keeping earlier values where the newest body is silent; a body that
    /// would move a finished run back to RUNNING (an out-of-order import) is stored but does not
    /// re-derive.
    @discardableResult
    public func record(_ items: [BodyToRecord]) throws(TracedeskError) -> [RecordOutcome] {
        try write { db in
            let recorder = Recorder(db: db, redactor: recordRedactor)
            return try items.map { try recorder.record(PreparedBody($0)) }
        }
    }

    /// Records bodies and streams in a transaction that `body` drives: it is handed a recorder
    /// and may call it any number of times (a streaming import reads its files meanwhile).
    /// All or nothing: an error thrown by `body` or by recording leaves the history as it was.
    public func recordingTransaction<T: Sendable>(
        _ body: @Sendable (_ recorder: TransactionRecorder) throws -> T
    ) throws(TracedeskError) -> T {
        try write { db in
            // A long transaction spills dirty pages to the WAL when its cache fills, and a page
            // written again is appended again: a larger cache for the import's length keeps the
            // WAL close to the data's size.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            defer { try? db.execute(sql: "PRAGMA cache_size = -2000") }
            return try body(TransactionRecorder(recorder: Recorder(db: db, redactor: recordRedactor)))
        }
    }
}

/// What a recording transaction can do: record a body, or the events of a streamed run.
public struct TransactionRecorder {
    let recorder: Recorder

    /// Records one body (see `HistoryStore.record`).
    public func record(_ prepared: PreparedBody) throws -> RecordOutcome {
        try recorder.record(prepared)
    }

    /// Whether the history holds a run of `jobId`.
    public func holdsRun(jobId: String) throws -> Bool {
        try Bool.fetchOne(recorder.db, sql: "SELECT EXISTS (SELECT 1 FROM run WHERE jobId = ?)", arguments: [jobId]) == true
    }

    /// Records a streamed run's events (see `HistoryStore.recordStream`); with `unlessRecorded`,
    /// a run that already holds events is left as it is and `nil` returned (an import read twice).
    public func recordStream(jobId: String, events: [ReceivedEvent], derived: StatusBody?, context: RecordingContext,
                             at: Int64, unlessRecorded: Bool = false) throws -> RecordOutcome? {
        try recorder.recordStream(jobId: jobId, events: events, derived: derived, context: context, at: at, unlessRecorded: unlessRecorded)
    }
}

/// A body with what it gives a new run worked out in advance, on any thread: the run's row, its
/// steps, chunks, citations and search entry. An import prepares its bodies on a thread of its
/// own while the recorder writes. A body whose run already exists is derived again when it is
/// recorded, from the run as the history holds it.
public struct PreparedBody: Sendable {
    public let jobId: String
    public let verbatim: String
    /// False for a body drawn from a debug stream's events: its rows are written, but it is no
    /// snapshot, since it was never received as it is.
    let storesSnapshot: Bool
    public let observation: Observation
    public let context: RecordingContext
    let status: RunStatus?
    /// The decoded body, when kept; else decoded again from `verbatim` if its run exists.
    let decoded: StatusBody?
    var newRun: RunRecord
    let newRunChangeAt: Int64?
    /// Each step's row, its run id left to fill in: its column values are made as it is written,
    /// one row at a time, so that a run of many steps is not held twice over.
    let nodeRows: [NodeRecord]
    /// The values of each model call's row, its run id left to fill in (index 0).
    let callValues: [[SQLValue]]
    let stepOutputs: [String]
    let chunks: [DocumentReferenceRecord]
    let citations: [DocumentReferenceRecord]

    /// Prepares `item`. Without `keepingBody`, the decoded body is dropped here (on the caller's
    /// thread) rather than where it is recorded: an import's bodies are mostly new runs.
    public init(_ item: BodyToRecord, keepingBody: Bool = true, derived: Bool = false) {
        var body = item.body
        var verbatim = item.verbatim
        // A callback token never enters the history: the text keeps a marker in its place, and
        // the body is read again from that text (its steps and nested runs hold no copy either).
        if CallbackTokens.mentionsToken(verbatim) {
            let redacted = CallbackTokens.redacting(verbatim)
            if !redacted.tokens.isEmpty {
                verbatim = redacted.text
                if let clean = try? StatusBody(data: Data(verbatim.utf8)) { body = clean }
            }
        }
        storesSnapshot = !derived
        jobId = body.jobId
        self.verbatim = verbatim
        observation = item.observation
        context = item.context
        status = body.status
        decoded = keepingBody ? body : nil
        var run = RunProjection.run(from: body, previous: nil, context: item.context, at: item.observation.at)
        let (nodes, calls) = RunProjection.steps(body.nodes, runId: 0, rates: item.context.aiUnitRates)
        run.nodeCount = nodes.count
        run.aiUnits = RunProjection.aiUnits(of: calls, rates: item.context.aiUnitRates)
        run.chunkCount = body.supportingChunks.count
        run.citationCount = body.citations.count
        newRun = run
        newRunChangeAt = RunProjection.changeInstant(status: run.status, body: body, observation: item.observation, isFirstChange: true)
        nodeRows = nodes
        callValues = calls.map(\.values)
        stepOutputs = nodes.compactMap(\.output)
        chunks = RunProjection.references(body.supportingChunks, runId: 0)
        citations = RunProjection.references(body.citations, runId: 0)
    }

    /// The decoded body, decoding `verbatim` again when it was dropped.
    func body() throws -> StatusBody {
        if let decoded { return decoded }
        do {
            return try StatusBody(data: Data(verbatim.utf8))
        } catch {
            throw TracedeskError.database("a body of \(jobId) read before cannot be read again: \(error.description)")
        }
    }
}

/// Writes bodies' rows with statements prepared once for its transaction: no record encoding,
/// no fetch after insert, no statement looked up by its text.
final class Recorder {
    let db: Database
    /// `[redact] at = "record"`: what is written is redacted by it first.
    let redactor: Redactor?
    private var statements: [Int: Statement] = [:]

    init(db: Database, redactor: Redactor? = nil) {
        self.db = db
        self.redactor = redactor
    }

    /// The statement `sql`, prepared the first time; `key` names it without hashing the text.
    func statement(_ key: Int, _ sql: @autoclosure () -> String) throws -> Statement {
        if let statement = statements[key] { return statement }
        let statement = try db.makeStatement(sql: sql())
        statements[key] = statement
        return statement
    }

    func record(_ prepared: PreparedBody) throws -> RecordOutcome {
        guard let redactor else { return try recordAsGiven(prepared) }
        try adoptLedger(into: redactor)
        let learned = redactor.learnedCount
        let outcome = try recordAsGiven(try prepared.redacted(by: redactor))
        // A value learned from this body (a name) may stand in what was recorded before it (the prompt).
        if redactor.learnedCount > learned, !outcome.isNewRun { try redactAgain(runId: outcome.runId, by: redactor) }
        try keepLedger(of: redactor)
        return outcome
    }

    private func recordAsGiven(_ prepared: PreparedBody) throws -> RecordOutcome {
        let at = prepared.observation.at
        let existing = try RunRecord.fetchOne(
            statement(0, "SELECT \(RunRecord.selection) FROM run WHERE jobId = ?"), arguments: [prepared.jobId]).map(redactedForRecording)

        guard let existing, let runId = existing.id else {
            let runId = try insertNew(prepared)
            return RecordOutcome(jobId: prepared.jobId, runId: runId, isNewRun: true, snapshot: .stored(sequence: 1),
                                 status: prepared.newRun.status, teamCode: prepared.newRun.teamCode)
        }

        let last = try Row.fetchOne(
            statement(1, "SELECT id, sequence, timesSeen, lastSeenAt, body FROM snapshot WHERE runId = ? ORDER BY sequence DESC LIMIT 1"),
            arguments: [runId])
        let lastSequence: Int = last?["sequence"] ?? 0
        switch prepared.observation {
        case .received:
            if let last, (last["body"] as String) == prepared.verbatim {
                let timesSeen = (last["timesSeen"] as Int) + 1
                try statement(2, "UPDATE snapshot SET timesSeen = ?, lastSeenAt = max(lastSeenAt, ?) WHERE id = ?")
                    .run([.init(timesSeen), .integer(at), .integer(last["id"] as Int64)])
                try statement(3, "UPDATE run SET updatedAt = ? WHERE id = ?").run([.integer(at), .integer(runId)])
                return RecordOutcome(jobId: prepared.jobId, runId: runId, isNewRun: false,
                                     snapshot: .repeated(sequence: lastSequence, timesSeen: timesSeen),
                                     status: existing.status, teamCode: existing.teamCode)
            }
        case .imported:
            if let sequence = try Int.fetchOne(
                statement(4, "SELECT sequence FROM snapshot WHERE runId = ? AND body = ?"), arguments: [runId, prepared.verbatim]) {
                return RecordOutcome(jobId: prepared.jobId, runId: runId, isNewRun: false, snapshot: .alreadyKnown(sequence: sequence),
                                     status: existing.status, teamCode: existing.teamCode)
            }
        }
        let sequence = lastSequence + 1
        try insertSnapshot(prepared, runId: runId, sequence: sequence)
        if existing.status.isTerminal && !(prepared.status?.isTerminal ?? false) {
            return RecordOutcome(jobId: prepared.jobId, runId: runId, isNewRun: false, snapshot: .stored(sequence: sequence),
                                 status: existing.status, teamCode: existing.teamCode)
        }
        let body = try prepared.body()
        var run = RunProjection.run(from: body, previous: existing, context: prepared.context, at: at)
        if let redactor { run.redaction = redactor.rules.summary }
        try derive(&run, from: body, observation: prepared.observation, rates: prepared.context.aiUnitRates)
        return RecordOutcome(jobId: prepared.jobId, runId: runId, isNewRun: false, snapshot: .stored(sequence: sequence),
                             status: run.status, teamCode: run.teamCode)
    }

    /// A new run: its rows as prepared, each written once.
    func insertNew(_ prepared: PreparedBody) throws -> Int64 {
        let run = prepared.newRun
        let columns = RunRecord.columns.dropFirst() + ["sortAt"]
        try statement(5, "INSERT INTO run (\(columns.joined(separator: ", "))) VALUES (\(Self.placeholders(columns.count)))").run(run.values)
        let runId = db.lastInsertedRowID
        if prepared.storesSnapshot { try insertSnapshot(prepared, runId: runId, sequence: 1) }
        try statement(6, "INSERT INTO status_change (runId, status, at) VALUES (?, ?, ?)")
            .run([.integer(runId), .text(run.status.rawValue), .init(prepared.newRunChangeAt)])
        if !prepared.nodeRows.isEmpty {
            let insert = try nodeInsert()
            for row in prepared.nodeRows {
                var values = row.values
                values[0] = .integer(runId)
                try insert.run(values)
            }
        }
        if !prepared.callValues.isEmpty {
            let insert = try callInsert()
            for var values in prepared.callValues {
                values[0] = .integer(runId)
                try insert.run(values)
            }
        }
        try insertReferences(prepared.chunks, table: "chunk", runId: runId)
        try insertReferences(prepared.citations, table: "citation", runId: runId)
        try statement(7, "INSERT INTO run_search (rowid, text) VALUES (?, ?)")
            .run([.integer(runId), .text(RunProjection.searchText(of: run, stepOutputs: prepared.stepOutputs))])
        return runId
    }

    private static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    private func nodeInsert() throws -> Statement {
        let columns = NodeRecord.columns.dropFirst()
        return try statement(8, "INSERT INTO node (\(columns.joined(separator: ", "))) VALUES (\(Self.placeholders(columns.count)))")
    }

    private func callInsert() throws -> Statement {
        let columns = LLMCallRecord.columns.dropFirst()
        return try statement(19, "INSERT INTO llm_call (\(columns.joined(separator: ", "))) VALUES (\(Self.placeholders(columns.count)))")
    }

    func insertSnapshot(_ prepared: PreparedBody, runId: Int64, sequence: Int) throws {
        var httpStatus: Int?
        if case .received(_, let status) = prepared.observation { httpStatus = status }
        let at = prepared.observation.at
        try statement(9, """
            INSERT INTO snapshot (runId, sequence, firstSeenAt, lastSeenAt, timesSeen, httpStatus, status, body)
            VALUES (?, ?, ?, ?, 1, ?, ?, ?)
            """).run([.integer(runId), .init(sequence), .integer(at), .integer(at), .init(httpStatus),
                      .init(prepared.status?.rawValue), .text(prepared.verbatim)])
    }

    /// Writes an existing run's derived rows anew: its status history, nodes, chunks, citations
    /// and search entry.
    func derive(_ run: inout RunRecord, from body: StatusBody, observation: Observation, rates: AIUnitRates?) throws {
        guard let runId = run.id else { return }
        let lastStatus = try String.fetchOne(
            statement(10, "SELECT status FROM status_change WHERE runId = ? ORDER BY id DESC LIMIT 1"), arguments: [runId])
        if lastStatus.map(RunStatus.init) != run.status {
            let at = RunProjection.changeInstant(status: run.status, body: body, observation: observation, isFirstChange: lastStatus == nil)
            try statement(6, "INSERT INTO status_change (runId, status, at) VALUES (?, ?, ?)")
                .run([.integer(runId), .text(run.status.rawValue), .init(at)])
        }

        var stepOutputs: [String]?
        if body.hasNodes {
            try statement(11, "DELETE FROM node WHERE runId = ?").run([.integer(runId)])
            try statement(20, "DELETE FROM llm_call WHERE runId = ?").run([.integer(runId)])
            let (rows, calls) = RunProjection.steps(body.nodes, runId: runId, rates: rates)
            let insert = try nodeInsert()
            for row in rows { try insert.run(row.values) }
            if !calls.isEmpty {
                let insertCall = try callInsert()
                for call in calls { try insertCall.run(call.values) }
            }
            run.nodeCount = rows.count
            run.aiUnits = RunProjection.aiUnits(of: calls, rates: rates)
            stepOutputs = rows.compactMap(\.output)
        }
        if body.hasSupportingChunks {
            try statement(12, "DELETE FROM chunk WHERE runId = ?").run([.integer(runId)])
            try insertReferences(RunProjection.references(body.supportingChunks, runId: runId), table: "chunk", runId: runId)
            run.chunkCount = body.supportingChunks.count
        }
        if body.hasCitations {
            try statement(13, "DELETE FROM citation WHERE runId = ?").run([.integer(runId)])
            try insertReferences(RunProjection.references(body.citations, runId: runId), table: "citation", runId: runId)
            run.citationCount = body.citations.count
        }
        let assignments = (RunRecord.columns.dropFirst() + ["sortAt"]).map { "\($0) = ?" }.joined(separator: ", ")
        try statement(14, "UPDATE run SET \(assignments) WHERE id = ?").run(run.values + [.integer(runId)])
        let outputs = try stepOutputs ?? String.fetchAll(
            statement(15, "SELECT output FROM node WHERE runId = ? AND output IS NOT NULL ORDER BY position"), arguments: [runId])
        // Replaced by rowid: the cost does not depend on the size of the history.
        try statement(16, "DELETE FROM run_search WHERE rowid = ?").run([.integer(runId)])
        try statement(7, "INSERT INTO run_search (rowid, text) VALUES (?, ?)")
            .run([.integer(runId), .text(RunProjection.searchText(of: run, stepOutputs: outputs))])
    }

    private func insertReferences(_ rows: [DocumentReferenceRecord], table: String, runId: Int64) throws {
        guard !rows.isEmpty else { return }
        let insert = try statement(table == "chunk" ? 17 : 18,
                                   "INSERT INTO \(table) (runId, position, title, source, score, text, page, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        for row in rows {
            try insert.run([.integer(runId), .init(row.position), .init(row.title), .init(row.source), .init(row.score),
                            .init(row.text), .init(row.page), .text(row.raw)])
        }
    }
}
