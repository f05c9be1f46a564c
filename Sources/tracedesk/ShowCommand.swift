import ArgumentParser
import Foundation
import TracedeskCore

/// `tracedesk show RUN`: one run in the terminal.
struct ShowCommand: AsyncParsableCommand {
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

    func run() async throws {
        let store = try history.openStore()
        let record = try store.run(run)
        if raw {
            guard let snapshot = try store.latestSnapshot(of: record) else {
                throw TracedeskError.database("run \(record.jobId) has no stored body")
            }
            Terminal.write(snapshot.body.hasSuffix("\n") ? snapshot.body : snapshot.body + "\n")
            return
        }
        let details = try store.details(of: record)
        if json {
            try Terminal.write(Terminal.json(details))
        } else {
            Terminal.write(RunDetailsText(width: Terminal.width).render(details))
        }
    }
}
