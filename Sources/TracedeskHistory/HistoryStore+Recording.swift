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
            try items.map { try Recorder(db: db).record($0) }
        }
    }

    /// Records bodies in a transaction that `body` drives: it is handed a function that records
    /// one body, and may call it any number of times (a streaming import reads its files meanwhile).
    /// All or nothing: an error thrown by `body` or by recording leaves the history as it was.
    public func recordingTransaction<T: Sendable>(
        _ body: @Sendable (_ record: (BodyToRecord) throws -> RecordOutcome) throws -> T
    ) throws(TracedeskError) -> T {
        try write { db in
            let recorder = Recorder(db: db)
            return try body { item in try recorder.record(item) }
        }
    }
}

/// Writes one body's rows with statements prepared once per connection (GRDB's statement
/// cache): no record encoding, no fetch after insert.
struct Recorder {
    let db: Database

    func record(_ item: BodyToRecord) throws -> RecordOutcome {
        let body = item.body
        let at = item.observation.at
        let existing = try RunRecord.fetchOne(
            db.cachedStatement(sql: "SELECT \(RunRecord.selection) FROM run WHERE jobId = ?"), arguments: [body.jobId])

        guard let existing, let runId = existing.id else {
            var run = RunProjection.run(from: body, previous: nil, context: item.context, at: at)
            run.id = try insert(run)
            let runId = run.id!
            try insertSnapshot(item, runId: runId, sequence: 1)
            try derive(&run, from: body, isNew: true, observation: item.observation)
            return RecordOutcome(jobId: body.jobId, runId: runId, isNewRun: true, snapshot: .stored(sequence: 1),
                                 status: run.status, teamCode: run.teamCode)
        }

        let last = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT id, sequence, timesSeen, lastSeenAt, body FROM snapshot WHERE runId = ? ORDER BY sequence DESC LIMIT 1"),
            arguments: [runId])
        let lastSequence: Int = last?["sequence"] ?? 0
        switch item.observation {
        case .received:
            if let last, (last["body"] as String) == item.verbatim {
                let timesSeen = (last["timesSeen"] as Int) + 1
                try db.cachedStatement(sql: "UPDATE snapshot SET timesSeen = ?, lastSeenAt = max(lastSeenAt, ?) WHERE id = ?")
                    .execute(arguments: [timesSeen, at, last["id"] as Int64])
                try db.cachedStatement(sql: "UPDATE run SET updatedAt = ? WHERE id = ?").execute(arguments: [at, runId])
                return RecordOutcome(jobId: body.jobId, runId: runId, isNewRun: false,
                                     snapshot: .repeated(sequence: lastSequence, timesSeen: timesSeen),
                                     status: existing.status, teamCode: existing.teamCode)
            }
        case .imported:
            if let sequence = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT sequence FROM snapshot WHERE runId = ? AND body = ?"), arguments: [runId, item.verbatim]) {
                return RecordOutcome(jobId: body.jobId, runId: runId, isNewRun: false, snapshot: .alreadyKnown(sequence: sequence),
                                     status: existing.status, teamCode: existing.teamCode)
            }
        }
        let sequence = lastSequence + 1
        try insertSnapshot(item, runId: runId, sequence: sequence)
        if existing.status.isTerminal && !(body.status?.isTerminal ?? false) {
            return RecordOutcome(jobId: body.jobId, runId: runId, isNewRun: false, snapshot: .stored(sequence: sequence),
                                 status: existing.status, teamCode: existing.teamCode)
        }
        var run = RunProjection.run(from: body, previous: existing, context: item.context, at: at)
        try derive(&run, from: body, isNew: false, observation: item.observation)
        return RecordOutcome(jobId: body.jobId, runId: runId, isNewRun: false, snapshot: .stored(sequence: sequence),
                             status: run.status, teamCode: run.teamCode)
    }

    private func insert(_ run: RunRecord) throws -> Int64 {
        let columns = RunRecord.columns.dropFirst() + ["sortAt"]
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        try db.cachedStatement(sql: "INSERT INTO run (\(columns.joined(separator: ", "))) VALUES (\(placeholders))").run(run.values)
        return db.lastInsertedRowID
    }

    private func update(_ run: RunRecord) throws {
        let assignments = (RunRecord.columns.dropFirst() + ["sortAt"]).map { "\($0) = ?" }.joined(separator: ", ")
        try db.cachedStatement(sql: "UPDATE run SET \(assignments) WHERE id = ?").run(run.values + [.init(run.id)])
    }

    private func insertSnapshot(_ item: BodyToRecord, runId: Int64, sequence: Int) throws {
        var httpStatus: Int?
        if case .received(_, let status) = item.observation { httpStatus = status }
        try db.cachedStatement(sql: """
            INSERT INTO snapshot (runId, sequence, firstSeenAt, lastSeenAt, timesSeen, httpStatus, status, body)
            VALUES (?, ?, ?, ?, 1, ?, ?, ?)
            """).run([.integer(runId), .init(sequence), .integer(item.observation.at), .integer(item.observation.at), .init(httpStatus),
                      .init(item.body.status?.rawValue), .text(item.verbatim)])
    }

    /// Writes the run's derived rows: its status history, nodes, chunks, citations and search entry.
    private func derive(_ run: inout RunRecord, from body: StatusBody, isNew: Bool, observation: Observation) throws {
        guard let runId = run.id else { return }
        let lastStatus = isNew ? nil : try String.fetchOne(
            db.cachedStatement(sql: "SELECT status FROM status_change WHERE runId = ? ORDER BY id DESC LIMIT 1"), arguments: [runId])
        if lastStatus.map(RunStatus.init) != run.status {
            let at = RunProjection.changeInstant(status: run.status, body: body, observation: observation, isFirstChange: lastStatus == nil)
            try db.cachedStatement(sql: "INSERT INTO status_change (runId, status, at) VALUES (?, ?, ?)")
                .execute(arguments: [runId, run.status.rawValue, at])
        }

        var stepOutputs: [String]?
        if body.hasNodes || isNew {
            if !isNew { try db.cachedStatement(sql: "DELETE FROM node WHERE runId = ?").execute(arguments: [runId]) }
            let rows = RunProjection.nodes(body.nodes, runId: runId)
            let columns = NodeRecord.columns.dropFirst()
            let statement = try db.cachedStatement(sql: """
                INSERT INTO node (\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
                """)
            for row in rows { try statement.run(row.values) }
            run.nodeCount = rows.count
            stepOutputs = rows.compactMap(\.output)
        }
        if body.hasSupportingChunks || isNew {
            run.chunkCount = try replaceReferences(body.supportingChunks, table: "chunk", runId: runId, isNew: isNew)
        }
        if body.hasCitations || isNew {
            run.citationCount = try replaceReferences(body.citations, table: "citation", runId: runId, isNew: isNew)
        }
        if isNew {
            try db.cachedStatement(sql: "UPDATE run SET nodeCount = ?, chunkCount = ?, citationCount = ? WHERE id = ?")
                .execute(arguments: [run.nodeCount, run.chunkCount, run.citationCount, runId])
        } else {
            try update(run)
        }
        let outputs = try stepOutputs ?? String.fetchAll(
            db.cachedStatement(sql: "SELECT output FROM node WHERE runId = ? AND output IS NOT NULL ORDER BY position"), arguments: [runId])
        // Replaced by rowid: the cost does not depend on the size of the history.
        if !isNew { try db.cachedStatement(sql: "DELETE FROM run_search WHERE rowid = ?").execute(arguments: [runId]) }
        try db.cachedStatement(sql: "INSERT INTO run_search (rowid, text) VALUES (?, ?)")
            .run([.integer(runId), .text(RunProjection.searchText(of: run, stepOutputs: outputs))])
    }

    private func replaceReferences(_ items: [DocumentReference], table: String, runId: Int64, isNew: Bool) throws -> Int {
        if !isNew { try db.cachedStatement(sql: "DELETE FROM \(table) WHERE runId = ?").execute(arguments: [runId]) }
        let statement = try db.cachedStatement(
            sql: "INSERT INTO \(table) (runId, position, title, source, score, text, page, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        for row in RunProjection.references(items, runId: runId) {
            try statement.run([.integer(row.runId), .init(row.position), .init(row.title), .init(row.source), .init(row.score),
                               .init(row.text), .init(row.page), .text(row.raw)])
        }
        return items.count
    }
}
