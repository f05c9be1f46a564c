import ArgumentParser
import Foundation
import TracedeskModel
import TracedeskUseCases

/// `tracedesk poll JOB`: attach to a job already started, follow it, record it.
struct PollCommand: TracedeskCommand {
    static let configuration = CommandConfiguration(
        commandName: "poll",
        abstract: "Attach to a job already started (after a timeout, a crash, or from another client) and follow it.",
        discussion: """
            JOB is a jobId, or a prefix or 'last' for a run already in the history (whose team \
            is then known). For a job started elsewhere, give its whole jobId and --team.

            Example:
              tracedesk poll c73c1580-70cc-4f62-93c0-48d9484d8b8b \\
                --team PRODUCT_COMPARISON_ADVISOR_COE
            """
    )

    @OptionGroup var history: HistoryOptions
    @OptionGroup var podOptions: PodOptions
    @OptionGroup var auth: AuthOptions
    @OptionGroup var follow: FollowOptions

    @Argument(help: ArgumentHelp("The jobId (or a recorded run's prefix, or 'last').", valueName: "job"),
              completion: .custom(HistoryOptions.completeRun))
    var job: String

    @Option(help: ArgumentHelp("The team (needed when the job is not in the history).", valueName: "team"), completion: .custom(HistoryOptions.completeTeam))
    var team: String?

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let settings = try follow.settings(profile: podOptions.profile, in: context)
        let pod = try podAccess(podOptions, auth, timeout: settings.timeout, redaction: settings.redaction, in: context)
        return try await PollJob(history: history.location, pod: pod, follow: settings, job: job,
                          team: team).run(in: context)
    }
}
