import Foundation
import TracedeskClient
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// Follows one job to its end for `invoke`, `poll` and `resume`: progress on standard error, the
/// report written when following ends (`--report`), and the ending said in words and turned into
/// an outcome: COMPLETE succeeds, ERROR is `.runFailed`, and a timeout, an outage, WAITING with
/// `--on-waiting stop` or Ctrl-C are errors that say how to pick the job up again.
public struct FollowRun: Sendable {
    /// How the command asked to follow.
    public struct Options: Sendable {
        /// Print the recorded run as JSON instead of a summary.
        public var json: Bool
        /// No progress on standard error.
        public var quiet: Bool
        /// Also write the run's report here when following ends.
        public var reportPath: String?
        public var templates: ReportTemplates
        /// `--report-bodies`: which status bodies the report embeds.
        public var reportBodies: EmbeddedBodies = .all
        /// `--otlp`: export the run when it ends.
        public var export: LiveExport?
        /// `--redact`: the report is redacted by it.
        public var redactor: Redactor?

        public init(json: Bool = false, quiet: Bool = false, reportPath: String? = nil, templates: ReportTemplates = .embedded,
                    export: LiveExport? = nil) {
            self.json = json
            self.quiet = quiet
            self.reportPath = reportPath
            self.templates = templates
            self.export = export
        }
    }

    public let team: String
    public let jobId: String
    public let follower: JobFollower
    public let options: Options

    public init(team: String, jobId: String, follower: JobFollower, options: Options) {
        self.team = team
        self.jobId = jobId
        self.follower = follower
        self.options = options
    }

    /// Polls to the end (after `first`, the invokeAsync answer, when there was one).
    public func run(after first: ReceivedBody?, in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let store = follower.store
        let recorded = try? store.run(jobId)
        let progress = ProgressPrinter(team: team, output: context.errors, quiet: options.quiet, clock: context.clock,
                                       since: first == nil ? recorded?.recordedAt : nil,
                                       waitingSince: (try? store.waitingSince(jobId: jobId)) ?? nil)
        if let first { progress.show(first.body) }
        let outcome: PollOutcome
        do {
            outcome = try await follower.follow(jobId: jobId, after: first) { event in
                switch event {
                case .received(let received): progress.show(received.body)
                case .callFailed(let error, let retryIn):
                    progress.note("\(error.message); trying again in \(TextFormat.duration(retryIn))")
                }
            }
        } catch {
            progress.finish()
            let hint = ProgressText.resumeHint(jobId: jobId, team: team)
            switch error.kind {
            case .interrupted:
                throw TracedeskError(.interrupted, "interrupted; everything received is recorded, and \(hint)")
            case .timedOut, .podUnavailable:
                // The timeout is what the user must hear about; a report that cannot be written is a warning.
                do { try writeReport(in: context) } catch { try? context.warn("no report written: \(error.message)") }
                throw TracedeskError(error.kind, "\(error.message); \(hint)")
            default:
                throw error
            }
        }
        progress.finish()
        let run = try store.run(jobId)
        try writeReport(in: context)
        switch outcome {
        case .stoppedWhileWaiting:
            // The progress printer has shown what the run waits for, unless it was told to be quiet.
            if options.quiet, let body = try store.latestSnapshot(of: run).flatMap({ try? StatusBody(data: Data($0.body.utf8)) }) {
                try context.note(ProgressText.waiting(body, team: team))
            }
            throw TracedeskError(.timedOut, "stopped while WAITING (--on-waiting stop); \(ProgressText.resumeHint(jobId: jobId, team: team))")
        case .finished(let status):
            if let export = options.export { await export.export([run.jobId], from: store, in: context) }
            try summarise(run, in: context)
            return status == .error ? .runFailed : .success
        }
    }

    /// Writes the run's report to `--report`, if asked, and says where on standard error.
    private func writeReport(in context: CommandContext) throws(TracedeskError) {
        try Self.writeReport(jobId: jobId, store: follower.store, options: options, in: context)
    }

    private func summarise(_ run: RunRecord, in context: CommandContext) throws(TracedeskError) {
        try Self.summarise(run, store: follower.store, options: options, in: context)
    }

    /// Writes the report of `jobId` to `--report`, if asked, and says where on standard error.
    static func writeReport(jobId: String, store: HistoryStore, options: Options, in context: CommandContext) throws(TracedeskError) {
        guard let reportPath = options.reportPath else { return }
        let run = try store.run(jobId)
        let path = try ReportFile.writeRunReport(of: run, from: store, to: context.absolutePath(reportPath),
                                                 templates: options.templates, bodies: options.reportBodies, redactor: options.redactor)
        if !options.quiet { try context.note("report written to \(path)") }
    }

    /// The run as it ended: as JSON, or a summary line, its error and its answer.
    static func summarise(_ run: RunRecord, store: HistoryStore, options: Options, in context: CommandContext) throws(TracedeskError) {
        if options.json {
            try context.writeJSON(RunDetailsOutput(try store.details(of: run, now: context.clock.now())))
            return
        }
        var figures = [run.status.rawValue, run.jobId, TextFormat.duration(run.timeTakenMs), TextFormat.tokens(run.tokens),
                       "\(TextFormat.count(Int64(run.nodeCount))) nodes"]
        if let units = run.aiUnits { figures.append("\(TextFormat.count(units)) AI units") }
        var lines = [figures.joined(separator: "  ")]
        if let error = run.error { lines.append("Error: \(error)") }
        if let output = run.output { lines.append(""); lines.append(output) }
        lines.append("")
        lines.append("Recorded; see the steps with: tracedesk show \(run.jobId.prefix(8))")
        try context.output.write(lines.joined(separator: "\n") + "\n")
    }
}

/// How a command ended when it did not fail: its exit code.
public enum CommandOutcome: Int32, Sendable {
    /// Done (a run that ended COMPLETE, a listing, a report...).
    case success = 0
    /// The run ended in ERROR.
    case runFailed = 1
    /// `compare --fail-on regression`: the candidate is worse than the baseline.
    case regression = 7
    /// `test` found an expectation that did not hold.
    case expectationFailed = 9
    /// A suite or comparison could not be graded: a run timed out, the pod failed, nothing ran,
    /// or the sides finished unlike numbers of runs.
    case notGraded = 10
}
