import ArgumentParser
import Foundation
import TracedeskCompare
import TracedeskModel
import TracedeskUseCases

/// `tracedesk compare TEAM`: what publishing the draft (or any B) would change, on the same prompts.
struct CompareCommand: TracedeskCommand {
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
              tracedesk compare PRODUCT_COMPARISON_ADVISOR_COE \\
                --suite samples/suites/product-comparison.yaml --repeat 3 -o compare.html
              tracedesk compare MY_TEAM --message "What is my PTO balance?" \\
                --a PUBLISHED --b DRAFT:7
              tracedesk compare MY_TEAM --suite suite.yaml --fail-on regression \\
                --max-token-increase 10% --json
            """
    )

    @OptionGroup var history: HistoryOptions
    @OptionGroup var podOptions: PodOptions
    @OptionGroup var auth: AuthOptions
    @OptionGroup var reportOptions: ReportOptions
    @OptionGroup var exportOptions: LiveExportOptions
    @OptionGroup var redaction: RedactionOptions

    @Argument(help: ArgumentHelp("The team code.", valueName: "team"), completion: .custom(HistoryOptions.completeTeam))
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

    @Option(name: .customLong("repeat"), parsing: .unconditional, help: ArgumentHelp("Runs of each prompt on each side.", valueName: "n"))
    var repeats = 1

    @Option(parsing: .unconditional, help: ArgumentHelp("Jobs running at once.", valueName: "n"))
    var concurrency = 4

    @Option(parsing: .unconditional, help: ArgumentHelp("Give up on one job after this many seconds.", valueName: "seconds"))
    var jobTimeout: Double = 600

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write the comparison report here; each run's report goes beside it, in FILE-runs/.", valueName: "file"))
    var output: String?

    @Flag(help: "With -o: put every run's report inside the comparison report, one file to share, instead of in FILE-runs/ beside it.")
    var selfContained = false

    @Flag(help: "Print the comparison as JSON (verdict and every delta) instead of a table.")
    var json = false

    @Option(help: ArgumentHelp("'regression': exit 7 when B is worse than A.", valueName: "regression"))
    var failOn: String?

    @Option(help: ArgumentHelp("A median token increase beyond this is a regression (10 or 10%).", valueName: "percent"))
    var maxTokenIncrease: String?

    @Option(help: ArgumentHelp("A median time increase beyond this is a regression (20 or 20%).", valueName: "percent"))
    var maxTimeIncrease: String?

    @Flag(help: "Follow each job over the v2 debug stream (one request a job, each step as it happens) instead of polling it.")
    var stream = false

    @Flag(help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        if (message == nil) == (suite == nil) { throw ValidationError("give exactly one of --message TEXT or --suite FILE") }
        if suite != nil && !parameters.isEmpty { throw ValidationError("--param goes with --message; a suite gives each prompt its parameters") }
        try ParameterFlags.validate(parameters)
        guard (1...100).contains(repeats) else { throw ValidationError("--repeat takes 1 to 100") }
        guard (1...32).contains(concurrency) else { throw ValidationError("--concurrency takes 1 to 32") }
        guard jobTimeout > 0, jobTimeout <= 31_536_000 else { throw ValidationError("--job-timeout takes a number of seconds above 0 (at most a year)") }
        if let failOn, failOn != "regression" { throw ValidationError("--fail-on takes 'regression', not '\(failOn)'") }
        if output == "-" { throw ValidationError("-o takes a file name; standard output carries the verdict table") }
        if stream, let api = podOptions.api, api.lowercased() != "v2" {
            throw ValidationError("--api \(api) cannot go over the debug stream, which is a v2 endpoint; drop --stream or --api")
        }
        if selfContained && output == nil { throw ValidationError("--self-contained shapes the report -o writes: give -o FILE") }
        for (flag, text) in [("--max-token-increase", maxTokenIncrease), ("--max-time-increase", maxTimeIncrease)] {
            if let text, Self.percentage(text) == nil {
                throw ValidationError("\(flag) takes a percentage such as 10 or 10%, not '\(text)'")
            }
        }
    }

    /// `10`, `10%` or `12.5%` as a fraction; `nil` for anything else.
    static func percentage(_ text: String?) -> Double? {
        guard let text else { return nil }
        let number = text.hasSuffix("%") ? String(text.dropLast()) : text
        guard let value = Double(number), value >= 0, value.isFinite else { return nil }
        return value / 100
    }

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let a = try VersionSpec(parsing: baseline), b = try VersionSpec(parsing: candidate)
        let rules = try redaction.rules(profile: podOptions.profile, in: context)
        var export = exportOptions.export
        export?.redaction = rules
        let prompts: PromptSuite
        if let suite {
            prompts = try PromptSuite.load(path: context.absolutePath(suite))
        } else {
            let values = ParameterFlags.values(parameters)
            prompts = PromptSuite(prompts: [.init(message: message ?? "", parameters: values.isEmpty ? nil : values)])
        }
        let thresholds = Comparison.Thresholds(maxTokenIncrease: Self.percentage(maxTokenIncrease), maxTimeIncrease: Self.percentage(maxTimeIncrease))
        var compare = CompareVersions(
            history: history.location, pod: try podAccess(podOptions, auth, redaction: rules, in: context), team: team, baseline: a, candidate: b, suite: prompts,
            suiteFile: suite, repeats: repeats, concurrency: concurrency, jobTimeout: .milliseconds(Int64((jobTimeout * 1000).rounded())),
            thresholds: thresholds, reportPath: output, templatesFolder: reportOptions.templates, json: json, quiet: quiet,
            failOnRegression: failOn == "regression", export: export
        )
        compare.selfContained = selfContained
        compare.stream = stream
        compare.redaction = rules
        return try await compare.run(in: context)
    }
}
