import ArgumentParser
import Foundation
import TracedeskModel
import TracedeskUseCases

/// `tracedesk resume JOB`: answer a WAITING human step, then follow the run on.
struct ResumeCommand: TracedeskCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Answer a run WAITING on a human step (approve, reject, or any input), then follow it on.",
        discussion: """
            Sends a new invokeAsync in the run's conversation carrying its jobId and \
            resumeNodeInput. The run stays one run in the history; its time spent WAITING is \
            measured apart from its working time.

            Examples:
              tracedesk resume 3e9a7c1d --approve --feedback "ok for March"
              tracedesk resume last \\
                --input '{"action": "RFI_ACTION", "feedback": "which cost centre?"}'
            """
    )

    @OptionGroup var history: HistoryOptions
    @OptionGroup var podOptions: PodOptions
    @OptionGroup var auth: AuthOptions
    @OptionGroup var follow: FollowOptions

    @Argument(help: ArgumentHelp("The waiting run: a jobId, a prefix, or 'last'.", valueName: "job"),
              completion: .custom(HistoryOptions.completeRun))
    var job: String

    @Flag(help: "Approve (APPROVE_ACTION).")
    var approve = false

    @Flag(help: "Reject (REJECT_ACTION).")
    var reject = false

    @Option(help: ArgumentHelp("The whole resumeNodeInput, as a JSON object.", valueName: "json"))
    var input: String?

    @Option(help: ArgumentHelp("The approver's feedback.", valueName: "text"))
    var feedback: String?

    func validate() throws {
        let chosen = [approve, reject, input != nil].filter { $0 }.count
        if chosen != 1 { throw ValidationError("give exactly one of --approve, --reject or --input JSON") }
        if let input, JSONValue(parsing: input)?.objectValue == nil {
            throw ValidationError("--input takes a JSON object, e.g. '{\"action\": \"APPROVE_ACTION\"}'")
        }
    }

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        var resumeInput: [String: JSONValue] = input.flatMap { JSONValue(parsing: $0)?.objectValue } ?? [:]
        if approve { resumeInput["action"] = .string("APPROVE_ACTION") }
        if reject { resumeInput["action"] = .string("REJECT_ACTION") }
        if let feedback { resumeInput["feedback"] = .string(feedback) }
        return try await ResumeJob(history: history.location, pod: podAccess(podOptions, auth, timeout: follow.settings.timeout), follow: follow.settings, job: job,
                                   input: resumeInput).run(in: context)
    }
}
