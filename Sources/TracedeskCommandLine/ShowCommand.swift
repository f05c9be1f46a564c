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
            recorded most recently). A run of more than 200 steps is folded: a container of \
            many steps (a loop's iterations) shows its first three and its last, and the steps \
            down to a failure always show; --all prints every step, --depth N the first levels.

            Examples:
              tracedesk show last
              tracedesk show last --depth 0
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

    @Flag(help: "Print every step: a long run is otherwise folded (a container of many steps shows its first three and its last).")
    var all = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Print the steps down to this level only (0: the run's own steps).", valueName: "n"))
    var depth: Int?

    func validate() throws {
        if json && raw { throw ValidationError("--json and --raw cannot be used together") }
        if all && depth != nil { throw ValidationError("--all and --depth cannot be used together") }
        if let depth, depth < 0 { throw ValidationError("--depth takes 0 or more") }
        if (all || depth != nil) && (json || raw) { throw ValidationError("--all and --depth shape the text; --json and --raw hold every step already") }
    }

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let folding: StepFolding = all ? .all : depth.map(StepFolding.depth) ?? .standard
        return try ShowRun(history: history.location, run: run, form: json ? .json : raw ? .raw : .text, folding: folding).run(in: context)
    }
}
