import ArgumentParser
import Foundation
import TracedeskDocuments
import TracedeskModel
import TracedeskUseCases

/// `tracedesk report RUN`: a run's self-contained HTML report.
struct ReportCommand: TracedeskCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a run's HTML report: one file that opens anywhere, offline, to share.",
        discussion: """
            The report holds the run's header, what its time and tokens went on (the critical \
            path, the slowest steps, the failing path), prompt, rendered output, a timeline, the \
            step tree with each step's input, output, LLM prompt and error, supporting chunks, \
            citations, the status history and every status body as received. It runs no script and fetches \
            nothing. Whoever receives it can bring the run into their own history with \
            'tracedesk import REPORT.html'.

            Examples:
              tracedesk report last
              tracedesk report c73c -o /tmp/run.html
              tracedesk report last -o - > run.html
              tracedesk report last --bodies last       # a long-polled run, smaller
              tracedesk report last --redact            # personal values as pseudonyms
            """
    )

    @OptionGroup var history: HistoryOptions
    @OptionGroup var reportOptions: ReportOptions
    @OptionGroup var redaction: RedactionOptions

    @Argument(help: ArgumentHelp("A jobId, a prefix of one, or 'last'.", valueName: "run"),
              completion: .custom(HistoryOptions.completeRun))
    var run: String

    @Option(name: [.short, .customLong("output")],
            help: ArgumentHelp("The file to write ('-' for standard output; default: TEAM-JOBID.html here).", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("The status bodies to embed for 'tracedesk import': all (as received), changed (where the status changed, and the last) or last.",
                               valueName: "which"), completion: HistoryOptions.bodiesCompletion)
    var bodies: String = "all"

    func validate() throws {
        if EmbeddedBodies(rawValue: bodies) == nil { throw ValidationError("--bodies takes all, changed or last, not '\(bodies)'") }
    }

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        try WriteRunReport(history: history.location, run: run, output: output, templatesFolder: reportOptions.templates,
                           bodies: EmbeddedBodies(rawValue: bodies) ?? .all, redaction: try redaction.rules(in: context)).run(in: context)
    }
}
