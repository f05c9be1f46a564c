import ArgumentParser
import Foundation
import TracedeskModel
import TracedeskUseCases

/// `tracedesk diff RUN_A RUN_B`: two recorded runs compared.
struct DiffCommand: TracedeskCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two recorded runs: status, time, tokens, aligned steps, answers word by word, chunks and citations.",
        discussion: """
            The runs may be of any origin (invoked, polled, imported) and of any team. Steps are \
            aligned on their code and type, nested steps included.

            Examples:
              tracedesk diff c73c 1fd6
              tracedesk diff c73c 1fd6 -o diff.html
            """
    )

    @OptionGroup var history: HistoryOptions
    @OptionGroup var reportOptions: ReportOptions
    @OptionGroup var redaction: RedactionOptions

    @Argument(help: ArgumentHelp("The first run (A): a jobId, a prefix of one, or 'last'.", valueName: "run-a"),
              completion: .custom(HistoryOptions.completeRun))
    var runA: String

    @Argument(help: ArgumentHelp("The second run (B).", valueName: "run-b"), completion: .custom(HistoryOptions.completeRun))
    var runB: String

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write the comparison report to this file ('-' for standard output).", valueName: "file"))
    var output: String?

    @Flag(help: "Print the difference as JSON.")
    var json = false

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        var diff = DiffRuns(history: history.location, runA: runA, runB: runB, output: output, templatesFolder: reportOptions.templates,
                            json: json)
        diff.redaction = try redaction.rules(in: context)
        return try diff.run(in: context)
    }
}
