import Foundation
import GRDB
import TracedeskModel

extension HistoryStore {
    /// This history, recording through `redactor` (`[redact] at = "record"`): every status body,
    /// debug-stream event, prompt, parameter and label is redacted before it is written, so the
    /// file never holds the values; the run says so (`RunRecord.redaction`). Search finds the
    /// pseudonyms. A value learned from a later body (a name read from a worker) is taken out of
    /// what the run recorded before too.
    public func redactingRecords(by redactor: Redactor) -> HistoryStore {
        var store = self
        store.recordRedactor = redactor
        return store
    }
}

extension PreparedBody {
    /// The body, its request and its labels redacted by `redactor` (which learns them first),
    /// prepared again from the redacted text. A body that no longer reads after redaction is an
    /// error: nothing half-redacted is written.
    func redacted(by redactor: Redactor) throws -> PreparedBody {
        let body = try self.body()
        redactor.learn(body.raw)
        if let request = context.request {
            redactor.learn(parameters: request.parameters)
            if let input = request.resumeNodeInput { redactor.learn(input) }
        }
        let text: String
        let clean: StatusBody
        if storesSnapshot {
            text = redactor.redact(document: verbatim)
            do { clean = try StatusBody(data: Data(text.utf8)) } catch {
                throw TracedeskError.database("a body of \(jobId) cannot be read once redacted (\(error)): nothing of it was recorded")
            }
        } else {
            text = verbatim
            clean = try Recorder.redacted(body, by: redactor)
        }
        let item = BodyToRecord(body: clean, verbatim: text, observation: observation, context: Recorder.redacted(context, by: redactor))
        var prepared = PreparedBody(item, keepingBody: true, derived: !storesSnapshot)
        prepared.newRun.redaction = redactor.rules.summary
        return prepared
    }
}

extension Recorder {
    /// `body` with its JSON redacted by `redactor` and read again.
    static func redacted(_ body: StatusBody, by redactor: Redactor) throws -> StatusBody {
        do {
            return try StatusBody(value: redactor.redact(body.raw))
        } catch {
            throw TracedeskError.database("a body of \(body.jobId) cannot be read once redacted (\(error)): nothing of it was recorded")
        }
    }

    /// `context` with the request's message, parameters and resume input, the label and the
    /// replay plan redacted.
    static func redacted(_ context: RecordingContext, by redactor: Redactor) -> RecordingContext {
        var context = context
        if var request = context.request {
            request.message = redactor.redact(request.message)
            request.parameters = redactor.redact(parameters: request.parameters)
            request.resumeNodeInput = request.resumeNodeInput.map { redactor.redact($0) }
            context.request = request
        }
        context.label = context.label.map { redactor.redact($0) }
        context.replay = context.replay.map { ($0.of, redactor.redact(document: $0.plan)) }
        return context
    }

    func redactedForRecording(_ context: RecordingContext) -> RecordingContext {
        redactor.map { Self.redacted(context, by: $0) } ?? context
    }

    /// A run already recorded, as the recorder builds on it: redacted again when it redacts.
    func redactedForRecording(_ run: RunRecord) -> RunRecord {
        guard let redactor else { return run }
        var run = redactor.redact(run)
        run.redaction = redactor.rules.summary
        return run
    }

    /// A text to record (a suite's name, a prompt's label, a comparison's result with
    /// `document`) redacted, with the pseudonyms it gives kept, when the history redacts.
    func redactedForRecording(_ text: String?, document: Bool = false) throws -> String? {
        guard let redactor, let text else { return text }
        try adoptLedger(into: redactor)
        let clean = document ? redactor.redact(document: text) : redactor.redact(text)
        try keepLedger(of: redactor)
        return clean
    }

    /// Takes in the pseudonyms other processes gave since the redactor last looked: inside the
    /// write transaction, so no other process gives one meanwhile and numbers never collide.
    func adoptLedger(into redactor: Redactor) throws {
        guard redactor.keepsLedger else { return }
        let rows = try Row.fetchAll(db, sql: "SELECT id, digest, kind, number FROM pseudonym WHERE id > ? ORDER BY id", arguments: [redactor.ledgerMark])
        guard let last = rows.last else { return }
        redactor.adopt(rows.map { Pseudonym(digest: $0[1], kind: $0[2], number: $0[3]) }, through: last[0])
    }

    /// Keeps the pseudonyms the redactor gave, in the same transaction as the rows that hold them.
    func keepLedger(of redactor: Redactor) throws {
        guard redactor.keepsLedger else { return }
        let given = redactor.takeNewPseudonyms()
        guard !given.isEmpty else { return }
        for pseudonym in given {
            try db.execute(sql: "INSERT INTO pseudonym (digest, kind, number) VALUES (?, ?, ?)",
                           arguments: [pseudonym.digest, pseudonym.kind, pseudonym.number])
        }
        // The mark stays: the next transaction adopts these rows again (the same pseudonyms), so
        // a transaction that rolls back leaves no row of another process unadopted.
    }

    /// Redacts again the snapshots and events the run `runId` holds, once `redactor` has learned
    /// values that may stand in them; a pseudonym stays as it is, so only those values change.
    func redactAgain(runId: Int64, by redactor: Redactor) throws {
        for row in try Row.fetchAll(db, sql: "SELECT id, body FROM snapshot WHERE runId = ?", arguments: [runId]) {
            let body: String = row[1]
            let clean = redactor.redact(document: body)
            if clean != body { try db.execute(sql: "UPDATE snapshot SET body = ? WHERE id = ?", arguments: [clean, row[0] as Int64]) }
        }
        for row in try Row.fetchAll(db, sql: "SELECT sequence, data FROM stream_event WHERE runId = ?", arguments: [runId]) {
            let data: String = row[1]
            let clean = redactor.redact(document: data)
            if clean != data {
                try db.execute(sql: "UPDATE stream_event SET data = ? WHERE runId = ? AND sequence = ?", arguments: [clean, runId, row[0] as Int64])
            }
        }
        guard let run = try RunRecord.fetchOne(db, sql: "SELECT \(RunRecord.selection) FROM run WHERE id = ?", arguments: [runId]) else { return }
        let clean = redactedForRecording(run)
        let assignments = (RunRecord.columns.dropFirst() + ["sortAt"]).map { "\($0) = ?" }.joined(separator: ", ")
        try statement(14, "UPDATE run SET \(assignments) WHERE id = ?").run(clean.values + [.integer(runId)])
        let outputs = try String.fetchAll(db, sql: "SELECT output FROM node WHERE runId = ? AND output IS NOT NULL ORDER BY position", arguments: [runId])
        try db.execute(sql: "DELETE FROM run_search WHERE rowid = ?", arguments: [runId])
        try db.execute(sql: "INSERT INTO run_search (rowid, text) VALUES (?, ?)",
                       arguments: [runId, RunProjection.searchText(of: clean, stepOutputs: outputs)])
    }
}
