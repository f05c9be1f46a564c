import Foundation
import GRDB
import TracedeskModel

/// One event of a debug stream as it arrived: its data verbatim (callback tokens already
/// replaced by their marker), and when.
public struct ReceivedEvent: Sendable, Equatable {
    public var data: String
    /// Epoch ms on this machine's clock.
    public var receivedAt: Int64

    public init(data: String, receivedAt: Int64) {
        self.data = data
        self.receivedAt = receivedAt
    }
}

extension HistoryStore {
    /// Records events of a streamed run, in one transaction: each event verbatim after the run's
    /// last, and, with `derived` (the run as the events so far tell it, `DebugStreamRun`), the
    /// run's fields, steps, model calls and search entry drawn again from it. A run seen for the
    /// first time is created from `derived`, which it then needs.
    @discardableResult
    public func recordStream(jobId: String, events: [ReceivedEvent], derived: StatusBody?, context: RecordingContext,
                             at: Int64) throws(TracedeskError) -> RecordOutcome {
        try write { db in
            // Without `unlessRecorded`, there is always an outcome.
            try Recorder(db: db).recordStream(jobId: jobId, events: events, derived: derived, context: context, at: at, unlessRecorded: false)!
        }
    }

    /// The events of a streamed run, in the order they arrived.
    public func streamEvents(of run: RunRecord) throws(TracedeskError) -> [ReceivedEvent] {
        guard let id = run.id else { return [] }
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT data, receivedAt FROM stream_event WHERE runId = ? ORDER BY sequence", arguments: [id])
                .map { ReceivedEvent(data: $0[0], receivedAt: $0[1]) }
        }
    }

    /// The model calls of a run's steps, in step order.
    public func llmCalls(of run: RunRecord) throws(TracedeskError) -> [LLMCallRecord] {
        guard let id = run.id else { return [] }
        return try read { db in
            try LLMCallRecord.fetchAll(db, sql: "SELECT \(LLMCallRecord.selection) FROM llm_call WHERE runId = ? ORDER BY nodePosition, position",
                                       arguments: [id])
        }
    }

    /// The AI-unit rates last read from `pod`, and when; `nil` when none were.
    public func aiUnitRates(pod: String) throws(TracedeskError) -> (rates: AIUnitRates, fetchedAt: Int64)? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT rates, fetchedAt FROM ai_unit_rates WHERE pod = ?", arguments: [pod]),
                  let rates = try? JSONDecoder().decode(AIUnitRates.self, from: Data((row[0] as String).utf8)) else { return nil }
            return (rates, row[1])
        }
    }

    /// Keeps the AI-unit rates read from `pod`.
    public func storeAIUnitRates(_ rates: AIUnitRates, pod: String, at: Int64) throws(TracedeskError) {
        guard let data = try? JSONEncoder().encode(rates) else { return }
        let text = String(decoding: data, as: UTF8.self)
        try write { db in
            try db.execute(sql: "INSERT INTO ai_unit_rates (pod, fetchedAt, rates) VALUES (?, ?, ?) ON CONFLICT(pod) DO UPDATE SET fetchedAt = excluded.fetchedAt, rates = excluded.rates",
                           arguments: [pod, at, text])
        }
    }
}

extension Recorder {
    func recordStream(jobId: String, events: [ReceivedEvent], derived: StatusBody?, context: RecordingContext,
                      at: Int64, unlessRecorded: Bool) throws -> RecordOutcome? {
        guard let redactor else {
            return try recordStreamAsGiven(jobId: jobId, events: events, derived: derived, context: context, at: at, unlessRecorded: unlessRecorded)
        }
        try adoptLedger(into: redactor)
        let learned = redactor.learnedCount
        redactor.learn(events)
        if let derived { redactor.learn(derived.raw) }
        let clean = try derived.map { body throws in try Self.redacted(body, by: redactor) }
        let outcome = try recordStreamAsGiven(jobId: jobId, events: events.map { redactor.redact($0) }, derived: clean,
                                              context: redactedForRecording(context), at: at, unlessRecorded: unlessRecorded)
        if let outcome, redactor.learnedCount > learned, !outcome.isNewRun { try redactAgain(runId: outcome.runId, by: redactor) }
        try keepLedger(of: redactor)
        return outcome
    }

    private func recordStreamAsGiven(jobId: String, events: [ReceivedEvent], derived: StatusBody?, context: RecordingContext,
                                     at: Int64, unlessRecorded: Bool) throws -> RecordOutcome? {
        let recorder = self
        var context = context
        context.transport = .stream
        let existing = try RunRecord.fetchOne(recorder.statement(0, "SELECT \(RunRecord.selection) FROM run WHERE jobId = ?"), arguments: [jobId])
            .map(redactedForRecording)
        let runId: Int64
        var isNew = false
        var status: RunStatus
        var teamCode: String?
        if let existing, let id = existing.id {
            if unlessRecorded, try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM stream_event WHERE runId = ?)", arguments: [id]) == true {
                return nil
            }
            runId = id
            status = existing.status
            teamCode = existing.teamCode
        } else {
            guard let derived else {
                throw TracedeskError.database("events of job \(jobId) came before anything told what run they belong to")
            }
            let item = BodyToRecord(body: derived, verbatim: "", observation: .received(at: at, httpStatus: 200), context: context)
            runId = try recorder.insertNew(PreparedBody(item, derived: true))
            isNew = true
            status = derived.status ?? .running
            teamCode = context.teamCode ?? derived.workflowCode
        }
        if !events.isEmpty {
            let next = (try Int.fetchOne(db, sql: "SELECT max(sequence) FROM stream_event WHERE runId = ?", arguments: [runId]) ?? 0) + 1
            let insert = try recorder.statement(21, "INSERT INTO stream_event (runId, sequence, receivedAt, data) VALUES (?, ?, ?, ?)")
            for (offset, event) in events.enumerated() {
                try insert.run([.integer(runId), .init(next + offset), .integer(event.receivedAt), .text(event.data)])
            }
        }
        if let derived, !isNew, let existing {
            var run = RunProjection.run(from: derived, previous: existing, context: context, at: at)
            if let redactor { run.redaction = redactor.rules.summary }
            try recorder.derive(&run, from: derived, observation: .received(at: at, httpStatus: 200), rates: context.aiUnitRates)
            status = run.status
            teamCode = run.teamCode
        } else if !isNew {
            try db.execute(sql: "UPDATE run SET updatedAt = ? WHERE id = ?", arguments: [at, runId])
        }
        return RecordOutcome(jobId: jobId, runId: runId, isNewRun: isNew, snapshot: .stored(sequence: 0), status: status, teamCode: teamCode)
    }
}
