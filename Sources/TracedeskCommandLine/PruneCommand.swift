import ArgumentParser
import Foundation
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

/// `tracedesk prune --older-than AGE`: keep a history that lives for years.
struct PruneCommand: TracedeskCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove old runs, with their bodies, steps, chunks, citations and search entries.",
        discussion: """
            Runs that started before the age given go, unless they are among their team's most \
            recent (--keep-last) or a comparison refers to them (--force removes those too, \
            and the comparison keeps its result). The file keeps its size until \
            'tracedesk history --vacuum'.

            Examples:
              tracedesk prune --older-than 90d --dry-run
              tracedesk prune --older-than 30d --team XX_WORKER_CARD --keep-last 20
            """
    )

    @OptionGroup var history: HistoryOptions

    @Option(help: ArgumentHelp("Remove runs started before this age or instant: 90d, 12h, 2w, 2026-01-01...", valueName: "age"))
    var olderThan: String

    @Option(help: ArgumentHelp("Only runs of this team.", valueName: "team"), completion: .custom(HistoryOptions.completeTeam))
    var team: String?

    @Option(help: ArgumentHelp("Only runs in this status: RUNNING, WAITING, COMPLETE or ERROR.", valueName: "status"), completion: HistoryOptions.statusCompletion)
    var status: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Keep each team's N most recent runs, however old.", valueName: "n"))
    var keepLast = 0

    @Flag(help: "Remove runs that comparisons refer to as well.")
    var force = false

    @Flag(help: "Say what would be removed, and remove nothing.")
    var dryRun = false

    func validate() throws {
        if SinceParser.parse(olderThan) == nil {
            throw ValidationError("--older-than takes an age (30d, 12h, 2w) or a date (2026-01-01), not '\(olderThan)'")
        }
        if let status, !["RUNNING", "WAITING", "COMPLETE", "ERROR"].contains(status.uppercased()) {
            throw ValidationError("--status takes RUNNING, WAITING, COMPLETE or ERROR, not '\(status)'")
        }
        if keepLast < 0 { throw ValidationError("--keep-last takes 0 or more") }
    }

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        guard let before = SinceParser.parse(olderThan, now: Date(milliseconds: context.clock.now()), timeZone: context.timeZone) else {
            throw .badInput("--older-than: '\(olderThan)' is not an age or a date")
        }
        let request = PruneRequest(before: before, team: team, status: status.map(RunStatus.init), keepLast: keepLast, force: force)
        return try PruneHistory(history: history.location, request: request, age: olderThan, dryRun: dryRun).run(in: context)
    }
}

/// `tracedesk history`: the history's file, size and span; `--vacuum` compacts it.
struct HistoryCommand: TracedeskCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Describe the history: its file, size by table, runs and bodies, oldest and newest run.",
        discussion: """
            Examples:
              tracedesk history
              tracedesk history --vacuum
            """
    )

    @OptionGroup var history: HistoryOptions

    @Flag(help: "Rewrite the file without the space pruned runs left (takes a lock while it runs).")
    var vacuum = false

    @Flag(help: "Print the description as JSON.")
    var json = false

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        try DescribeHistory(history: history.location, vacuum: vacuum, json: json).run(in: context)
    }
}
