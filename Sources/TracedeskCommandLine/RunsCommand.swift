import ArgumentParser
import Foundation
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

/// `tracedesk runs`: the history, newest first.
struct RunsCommand: TracedeskCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List recorded runs, newest first.",
        discussion: """
            Examples:
              tracedesk runs --team PRODUCT_COMPARISON_ADVISOR_COE --status ERROR
              tracedesk runs --since 2d --search "M1000034"
              tracedesk runs --conversation 6f1c2a9e
              tracedesk runs --json | jq '.[].jobId'
            """
    )

    @OptionGroup var history: HistoryOptions

    @Option(help: ArgumentHelp("Only runs of this team (its code).", valueName: "team"), completion: .custom(HistoryOptions.completeTeam))
    var team: String?

    @Option(help: ArgumentHelp("Only runs in this status: RUNNING, WAITING, COMPLETE or ERROR.", valueName: "status"), completion: HistoryOptions.statusCompletion)
    var status: String?

    @Option(help: ArgumentHelp(
        "Only runs started since: an age (30m, 12h, 3d, 2w), today, yesterday, a date (2026-03-12) or an ISO 8601 instant.",
        valueName: "when"))
    var since: String?

    @Option(help: ArgumentHelp("Only runs whose message, output, error or node outputs contain all these words.", valueName: "text"))
    var search: String?

    @Option(help: ArgumentHelp("Only the runs of this conversation, e.g. the turns of one chat: its conversationId, or the id's first 4 or more characters.", valueName: "id"))
    var conversation: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("At most this many runs.", valueName: "n"))
    var limit: Int = 50

    @Flag(help: "Print the runs as a JSON array (documented in docs/json.md).")
    var json = false

    func validate() throws {
        if let status, !["RUNNING", "WAITING", "COMPLETE", "ERROR"].contains(status.uppercased()) {
            throw ValidationError("--status takes RUNNING, WAITING, COMPLETE or ERROR, not '\(status)'")
        }
        if let since, SinceParser.parse(since) == nil {
            throw ValidationError("--since takes an age (30m, 12h, 3d, 2w), today, yesterday, a date (2026-03-12) or an ISO 8601 instant, not '\(since)'")
        }
        if limit < 1 { throw ValidationError("--limit takes a positive number") }
    }

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let query = RunQuery(team: team, status: status.map(RunStatus.init), since: since.flatMap { SinceParser.parse($0) },
                             search: search, conversationId: conversation, limit: limit)
        return try ListRuns(history: history.location, query: query, json: json).run(in: context)
    }
}
