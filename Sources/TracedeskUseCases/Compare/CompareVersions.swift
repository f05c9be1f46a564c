import Foundation
import Synchronization
import TracedeskClient
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// `tracedesk compare TEAM`: run the same prompts on a baseline (A) and a candidate (B), record
/// every run, and say what changed; with `--fail-on regression`, a worse B is `.regression`.
public struct CompareVersions: Sendable {
    public var history: HistoryLocation
    public var pod: PodAccess
    public var team: String
    public var baseline: VersionSpec
    public var candidate: VersionSpec
    public var suite: PromptSuite
    /// The suite file, when the prompts came from one.
    public var suiteFile: String?
    public var repeats: Int
    public var concurrency: Int
    public var jobTimeout: Duration
    public var thresholds: Comparison.Thresholds
    /// Write the comparison report here (and each run's beside it).
    public var reportPath: String?
    /// Every run's report inside the one comparison report, instead of beside it.
    public var selfContained = false
    /// `--stream`: each job followed over the debug stream.
    public var stream = false
    public var templatesFolder: String?
    public var json: Bool
    public var quiet: Bool
    public var failOnRegression: Bool
    /// `--otlp`: export every run of the comparison when it ends.
    public var export: LiveExport?
    /// `--redact`: the rules the report files are redacted by.
    public var redaction: RedactionRules?

    public init(history: HistoryLocation, pod: PodAccess, team: String, baseline: VersionSpec, candidate: VersionSpec,
                suite: PromptSuite, suiteFile: String?, repeats: Int, concurrency: Int, jobTimeout: Duration,
                thresholds: Comparison.Thresholds, reportPath: String?, templatesFolder: String?, json: Bool, quiet: Bool,
                failOnRegression: Bool, export: LiveExport? = nil) {
        self.history = history
        self.pod = pod
        self.team = team
        self.baseline = baseline
        self.candidate = candidate
        self.suite = suite
        self.suiteFile = suiteFile
        self.repeats = repeats
        self.concurrency = concurrency
        self.jobTimeout = jobTimeout
        self.thresholds = thresholds
        self.reportPath = reportPath
        self.templatesFolder = templatesFolder
        self.json = json
        self.quiet = quiet
        self.failOnRegression = failOnRegression
        self.export = export
    }

    public func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        if baseline == candidate { throw .badInput("--a and --b are both \(baseline): compare two different versions") }
        if let named = suite.team, named != team, let suiteFile {
            try context.warn("\(suiteFile) is written for \(named), not \(team)")
        }
        let templates = try ReportTemplates.load(folder: templatesFolder.map(context.absolutePath))
        // Checked now, not after the jobs have run.
        let redactor = try redaction.map { rules throws(TracedeskError) in try Redactor(rules: rules) }
        if redactor != nil, reportPath == nil { throw .badInput("--redact redacts the report: give it with -o FILE") }
        if let reportPath { try ReportFile.checkedLocation(context.absolutePath(reportPath), acceptsFolder: true) }
        if let export { _ = try export.destination(in: context) }
        if stream, let numbered = [baseline, candidate].first(where: { $0.version != nil }) {
            throw TracedeskError.badInput("--stream runs the PUBLISHED version or the DRAFT, not a numbered one (\(numbered)): "
                                          + "compare PUBLISHED against DRAFT, or drop --stream")
        }
        let store = try history.openForWriting(in: context)
        let client = try pod.client(team: team, in: context)
        var plan = ComparisonRunner.Plan(
            team: team, baseline: baseline, candidate: candidate, suite: suite, suiteName: suite.name ?? suiteFile.map { URL(fileURLWithPath: $0).lastPathComponent },
            repeats: repeats, concurrency: concurrency, thresholds: thresholds, jobTimeout: jobTimeout)
        plan.stream = stream
        plan.aiUnitRates = try await AIUnitRatesLookup.rates(for: client, store: store, in: context)
        let total = suite.prompts.count * repeats * 2
        if !quiet {
            let prompts = suite.prompts.count
            try context.note("comparing \(team): A \(baseline) against B \(candidate), \(prompts) prompt\(prompts == 1 ? "" : "s") × \(repeats) repeat\(repeats == 1 ? "" : "s") = \(total) jobs, \(concurrency) at a time")
        }
        let progress = CompareProgress(total: total, prompts: suite, quiet: quiet, errors: context.errors)
        let comparison = try await ComparisonRunner(store: store, client: client, clock: context.clock).run(plan) { progress.show($0) }

        if let export {
            await export.export(comparison.prompts.flatMap { $0.a.runs + $0.b.runs }.compactMap(\.jobId), from: store, in: context)
        }
        if let reportPath {
            let written = try CompareOutput.write(comparison, to: context.absolutePath(reportPath), store: store, templates: templates,
                                                  selfContained: selfContained, redactor: redactor)
            if !quiet { try context.note(written.note) }
        }
        if json {
            try context.output.writeData(comparison.json + "\n")
        } else {
            try context.output.write(CompareOutput.table(comparison))
        }
        if failOnRegression && comparison.verdict == .regression { return .regression }
        if comparison.ungraded > 0 {
            // A comparison with a prompt not graded never passes: the gate cannot say "unchanged".
            try context.warn("\(comparison.ungraded) of \(comparison.prompts.count) prompts could not be graded: "
                             + "the sides did not finish as many runs as each other")
            return .notGraded
        }
        return .success
    }
}

/// One line on standard error per job that ends.
final class CompareProgress: Sendable {
    private let done = Mutex(0)
    let total: Int
    let prompts: PromptSuite
    let quiet: Bool
    let errors: TextOutput

    init(total: Int, prompts: PromptSuite, quiet: Bool, errors: TextOutput) {
        self.total = total
        self.prompts = prompts
        self.quiet = quiet
        self.errors = errors
    }

    func show(_ event: ComparisonRunner.Event) {
        guard !quiet else { return }
        done.withLock { done in
            switch event {
            case .started: return
            case .finished(let job, let jobId, let status, let time, let waitingFor):
                done += 1
                // A job stopped at a wait has no time taken: say where it waits instead.
                let how = waitingFor.map { "\(status) at \($0), not answered" } ?? time.map { "\(status) in \(TextFormat.duration($0))" } ?? status
                try? errors.write("tracedesk: [\(done)/\(total)] \(job.side) \(job.spec) \(prompts.prompts[job.promptIndex].name) #\(job.repetition): "
                                  + "\(how) (\(jobId.prefix(8)))\n")
            case .failed(let job, let message):
                done += 1
                try? errors.write("tracedesk: [\(done)/\(total)] \(job.side) \(job.spec) \(prompts.prompts[job.promptIndex].name) #\(job.repetition): did not finish: \(message)\n")
            }
        }
    }
}
