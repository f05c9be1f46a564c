import ArgumentParser
import Foundation
import TracedeskModel
import TracedeskUseCases

/// `tracedesk show RUN`: one run in the terminal.
struct ShowCommand: TracedeskCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one run: summary, node tree with timings and tokens, chunks and citations.",
        discussion: """
            RUN is a jobId, a unique prefix of one (4 or more characters), or 'last' (the run \
            recorded most recently).

            Examples:
              tracedesk show last
              tracedesk show c73c --json
              tracedesk show c73c1580 --raw | jq .status
            """
    )

    @OptionGroup var history: HistoryOptions

    @Argument(help: ArgumentHelp("A jobId, a prefix of one, or 'last'.", valueName: "run"),
              completion: .custom(HistoryOptions.completeRun))
    var run: String

    @Flag(help: "Print the run, its nodes, chunks, citations and status history as JSON (docs/json.md).")
    var json = false

    @Flag(help: "Print the latest status body exactly as received.")
    var raw = false

    func validate() throws {
        if json && raw { throw ValidationError("--json and --raw cannot be used together") }
    }

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        try ShowRun(history: history.location, run: run, form: json ? .json : raw ? .raw : .text).run(in: context)
    }
}
