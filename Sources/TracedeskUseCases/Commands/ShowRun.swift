import Foundation
import TracedeskHistory
import TracedeskModel

/// `tracedesk show RUN`: one run in the terminal, as JSON, or its latest body as received.
public struct ShowRun: Sendable {
    /// What to print.
    public enum Form: Sendable {
        case text, json, raw
    }

    public var history: HistoryLocation
    /// A jobId, a prefix of one, or `last`.
    public var run: String
    public var form: Form
    /// Which steps the text shows.
    public var folding: StepFolding

    public init(history: HistoryLocation, run: String, form: Form, folding: StepFolding = .standard) {
        self.history = history
        self.run = run
        self.form = form
        self.folding = folding
    }

    public func run(in context: CommandContext) throws(TracedeskError) -> CommandOutcome {
        let store = try history.openForReading(in: context)
        let record = try store.run(run)
        switch form {
        case .raw:
            guard let snapshot = try store.latestSnapshot(of: record) else {
                throw TracedeskError.database("run \(record.jobId) has no stored body")
            }
            try context.output.writeData(snapshot.body.hasSuffix("\n") ? snapshot.body : snapshot.body + "\n")
        case .json:
            try context.writeJSON(RunDetailsOutput(try store.details(of: record, now: context.clock.now())))
        case .text:
            let details = try store.details(of: record, now: context.clock.now())
            let text = RunDetailsText(format: TextFormat(timeZone: context.timeZone), width: context.output.width ?? 120, folding: folding)
            try context.output.write(text.render(details))
        }
        return .success
    }
}
