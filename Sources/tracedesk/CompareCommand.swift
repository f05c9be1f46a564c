import ArgumentParser
import Foundation
import TracedeskCore

/// `tracedesk compare TEAM`: what publishing the draft (or any B) would change, on the same prompts.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run the same prompts on two versions of a team (A baseline, B candidate) and say what changed.",
        discussion: """
            A and B are DRAFT, PUBLISHED, or either with a version (DRAFT:14). Every prompt runs \
            on both sides --repeat times, at most --concurrency jobs at once; each run is recorded \
            as usual and linked to the comparison. A run that waits for a person is reported, not \
            answered. A suite file (YAML or JSON, docs/suites.md) lists prompts with optional \
            parameters, labels and expectations.

            With --fail-on regression the exit code is 7 when B is worse than A: an expectation A \
            met and B fails, COMPLETE turned ERROR, or a median increase beyond --max-token-increase \
            or --max-time-increase.

            Examples:
              tracedesk compare PRODUCT_COMPARISON_ADVISOR_COE --suite samples/suites/product-comparison.yaml --repeat 3 -o compare.html
              tracedesk compare MY_TEAM --message "What is my PTO balance?" --a PUBLISHED --b DRAFT:7
              tracedesk compare MY_TEAM --suite suite.yaml --fail-on regression --max-token-increase 10% --json
            """
    )

    @OptionGroup var history: HistoryOptions
    @OptionGroup var podOptions: PodOptions
    @OptionGroup var auth: AuthOptions
    @OptionGroup var reportOptions: ReportOptions

    @Argument(help: ArgumentHelp("The team code.", valueName: "team"))
    var team: String

    @Option(help: ArgumentHelp("One prompt to compare on.", valueName: "text"))
    var message: String?

    @Option(name: .customLong("param"), help: ArgumentHelp("A parameter for --message, NAME=VALUE (repeatable).", valueName: "name=value"))
    var parameters: [String] = []

    @Option(help: ArgumentHelp("A suite of prompts (YAML or JSON).", valueName: "file"), completion: .file(extensions: ["yaml", "yml", "json"]))
    var suite: String?

    @Option(name: .customLong("a"), help: ArgumentHelp("The baseline.", valueName: "spec"))
    var baseline = "PUBLISHED"

    @Option(name: .customLong("b"), help: ArgumentHelp("The candidate.", valueName: "spec"))
    var candidate = "DRAFT"

    @Option(name: .customLong("repeat"), help: ArgumentHelp("Runs of each prompt on each side.", valueName: "n"))
    var repeats = 1

    @Option(help: ArgumentHelp("Jobs running at once.", valueName: "n"))
    var concurrency = 4

    @Option(help: ArgumentHelp("Give up on one job after this many seconds.", valueName: "seconds"))
    var jobTimeout: Double = 600

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write the comparison report here; each run's report goes beside it, in FILE-runs/.", valueName: "file"))
    var output: String?

    @Flag(help: "Print the comparison as JSON (verdict and every delta) instead of a table.")
    var json = false

    @Option(help: ArgumentHelp("'regression': exit 7 when B is worse than A.", valueName: "regression"))
    var failOn: String?

    @Option(help: ArgumentHelp("A median token increase beyond this is a regression (10 or 10%).", valueName: "percent"))
    var maxTokenIncrease: String?

    @Option(help: ArgumentHelp("A median time increase beyond this is a regression (20 or 20%).", valueName: "percent"))
    var maxTimeIncrease: String?

    @Flag(help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        if (message == nil) == (suite == nil) { throw ValidationError("give exactly one of --message TEXT or --suite FILE") }
        if suite != nil && !parameters.isEmpty { throw ValidationError("--param goes with --message; a suite gives each prompt its parameters") }
        try ParameterFlags.validate(parameters)
        guard (1...100).contains(repeats) else { throw ValidationError("--repeat takes 1 to 100") }
        guard (1...32).contains(concurrency) else { throw ValidationError("--concurrency takes 1 to 32") }
        guard jobTimeout > 0 else { throw ValidationError("--job-timeout takes a positive number of seconds") }
        if let failOn, failOn != "regression" { throw ValidationError("--fail-on takes 'regression', not '\(failOn)'") }
        if output == "-" { throw ValidationError("-o takes a file name; standard output carries the verdict table") }
        _ = try Self.percentage(maxTokenIncrease, flag: "--max-token-increase")
        _ = try Self.percentage(maxTimeIncrease, flag: "--max-time-increase")
    }

    /// `10`, `10%` or `12.5%` as a fraction.
    static func percentage(_ text: String?, flag: String) throws -> Double? {
        guard let text else { return nil }
        let number = text.hasSuffix("%") ? String(text.dropLast()) : text
        guard let value = Double(number), value >= 0 else { throw ValidationError("\(flag) takes a percentage such as 10 or 10%, not '\(text)'") }
        return value / 100
    }

    func run() async throws {
        let a = try VersionSpec(parsing: baseline), b = try VersionSpec(parsing: candidate)
        if a == b { throw TracedeskError.badInput("--a and --b are both \(a): compare two different versions") }
        let prompts: PromptSuite
        if let suite {
            prompts = try PromptSuite.load(path: suite)
            if let named = prompts.team, named != team {
                Terminal.warning("\(suite) is written for \(named), not \(team)")
            }
        } else {
            let values = ParameterFlags.values(parameters)
            prompts = PromptSuite(prompts: [.init(message: message!, parameters: values.isEmpty ? nil : values)])
        }
        let templates = try reportOptions.load()
        // Checked now, not after the jobs have run.
        if let output { try ReportFile.checkedLocation(output) }
        let store = try history.openStore()
        let client = try podOptions.client(team: team, auth: auth)
        let plan = ComparisonRunner.Plan(
            team: team, baseline: a, candidate: b, suite: prompts, suiteName: suite, repeats: repeats, concurrency: concurrency,
            thresholds: .init(maxTokenIncrease: try Self.percentage(maxTokenIncrease, flag: "--max-token-increase"),
                              maxTimeIncrease: try Self.percentage(maxTimeIncrease, flag: "--max-time-increase")),
            jobTimeout: .milliseconds(Int(jobTimeout * 1000)))
        let total = prompts.prompts.count * repeats * 2
        if !quiet {
            Terminal.error("comparing \(team): A \(a) against B \(b), \(prompts.prompts.count) prompt\(prompts.prompts.count == 1 ? "" : "s") × \(repeats) repeat\(repeats == 1 ? "" : "s") = \(total) jobs, \(concurrency) at a time")
        }
        let counter = CompareProgress(total: total, prompts: prompts, quiet: quiet)
        let comparison = try await ComparisonRunner(store: store, client: client).run(plan) { counter.show($0) }

        if let output {
            let path = try CompareOutput.write(comparison, to: output, store: store, templates: templates)
            if !quiet { Terminal.error("report written to \(path)") }
        }
        if json {
            Terminal.write(comparison.json + "\n")
        } else {
            Terminal.write(CompareOutput.table(comparison))
        }
        if failOn == "regression", comparison.verdict == .regression {
            throw ExitCode(ExitStatus.regression)
        }
    }
}

/// One line on stderr per job that ends.
final class CompareProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    let total: Int
    let prompts: PromptSuite
    let quiet: Bool

    init(total: Int, prompts: PromptSuite, quiet: Bool) {
        self.total = total
        self.prompts = prompts
        self.quiet = quiet
    }

    func show(_ event: ComparisonRunner.Event) {
        guard !quiet else { return }
        lock.lock(); defer { lock.unlock() }
        switch event {
        case .started: return
        case .finished(let job, let jobId, let status, let time):
            done += 1
            Terminal.error("[\(done)/\(total)] \(job.side) \(job.spec) \(prompts.prompts[job.promptIndex].name) #\(job.repetition): "
                           + "\(status) in \(TextFormat.duration(time)) (\(jobId.prefix(8)))")
        case .failed(let job, let message):
            done += 1
            Terminal.error("[\(done)/\(total)] \(job.side) \(job.spec) \(prompts.prompts[job.promptIndex].name) #\(job.repetition): did not finish: \(message)")
        }
    }
}

/// The verdict table and the report files of `compare` and `diff`.
enum CompareOutput {
    static func table(_ comparison: Comparison) -> String {
        var rows = [["PROMPT", "VERDICT", "TIME A → B (median)", "TOKENS A → B (median)", "EXPECT A / B", "STEPS +/−/~"]]
        for prompt in comparison.prompts {
            rows.append([TextFormat.snippet(prompt.name, width: 32), prompt.verdict.rawValue,
                         prompt.timeCell, prompt.tokenCell, prompt.expectationCell, prompt.stepCell])
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = ["Comparison\(comparison.id.map { " #\($0)" } ?? "") of \(comparison.team): A \(comparison.baseline) against B \(comparison.candidate), "
                     + "\(comparison.repeats) repeat\(comparison.repeats == 1 ? "" : "s")", ""]
        for row in rows {
            lines.append(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces))
        }
        lines.append("")
        let regressions = comparison.regressions
        lines.append("Verdict: \(comparison.verdict.rawValue)" + (regressions > 0 ? " (\(regressions) of \(comparison.prompts.count) prompts)" : ""))
        for prompt in comparison.prompts {
            for reason in prompt.reasons { lines.append("  \(prompt.name): \(reason)") }
            for note in prompt.notes { lines.append("  \(prompt.name): note: \(note)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the comparison report to `path` and every run's own report into `PATH-runs/`, linked.
    static func write(_ comparison: Comparison, to path: String, store: HistoryStore, templates: ReportTemplates) throws -> String {
        let url = try ReportFile.checkedLocation(path)
        let folderName = url.deletingPathExtension().lastPathComponent + "-runs"
        let folder = url.deletingLastPathComponent().appendingPathComponent(folderName)
        var links: [String: String] = [:]
        let jobIds = comparison.prompts.flatMap { $0.a.runs + $0.b.runs }.compactMap(\.jobId)
        if !jobIds.isEmpty {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for jobId in jobIds {
                let run = try store.run(jobId)
                let name = RunReport.defaultFileName(for: run)
                try ReportFile.writeRunReport(of: run, from: store, to: folder.appendingPathComponent(name).path, templates: templates)
                links[jobId] = "\(folderName)/\(name)"
            }
        }
        let html = try ComparisonReport(comparison: comparison, runReportLinks: links).html(templates: templates)
        return try ReportFile.write(html, to: url.path)
    }
}
