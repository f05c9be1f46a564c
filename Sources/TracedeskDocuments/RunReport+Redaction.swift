import TracedeskHistory
import TracedeskModel

extension RunReport {
    /// This report with every text of the run redacted by `redactor`: the run, its steps, model
    /// calls, chunks and citations, the runs of its conversation, and the bodies or events it
    /// embeds (so that an import of the report brings in the redacted run). The redactor first
    /// learns all of them, so that a name found under a key is also taken out of the answer.
    public func redacted(by redactor: Redactor) -> RunReport {
        redactor.learn(details)
        redactor.learn(snapshots)
        redactor.learn(events)
        for run in conversation { redactor.learn(run) }
        var report = RunReport(details: redactor.redact(details), snapshots: snapshots.map { redactor.redact($0) },
                               events: events.map { redactor.redact($0) }, aiUnitRates: aiUnitRates,
                               conversation: conversation.map { redactor.redact($0) }, bodies: bodies, writtenAt: writtenAt)
        report.embedsBodies = embedsBodies
        report.stepPageSize = stepPageSize
        report.stepWindow = stepWindow
        return report
    }
}
