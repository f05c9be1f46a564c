import ArgumentParser
import Foundation
import TracedeskModel
import TracedeskUseCases

/// `tracedesk resume JOB`: answer a WAITING human step, then follow the run on.
struct ResumeCommand: TracedeskCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Answer a suspended run (approve, reject, ask for changes, or skip a WAIT), then follow it on.",
        discussion: """
            Sends the pod's resume: {messageInstanceId: the wait's callback token, userResponse: \
            APPROVE_ACTION | REJECT_ACTION | RFI_ACTION | ORA_TIMEOUT, content}. A run followed over \
            the debug stream is resumed with a new /debug request and followed as a stream; a \
            polled run with a v2 invokeAsync carrying its jobId and resumeNodeInput. The callback \
            token is read from where the run was followed (kept apart, 0600, and forgotten once \
            used), else from the run's status. The run stays one run in the history, each wait \
            measured apart from its working time. The run's own pod and API version are used \
            unless --pod or --api say otherwise.

            Examples:
              tracedesk resume 3e9a7c1d --approve --feedback "ok for March"
              tracedesk resume last --request-changes "which cost centre?"
              tracedesk resume last --skip-wait
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

    @Option(help: ArgumentHelp("Ask for changes (RFI_ACTION): the node waits again, one round on.", valueName: "text"))
    var requestChanges: String?

    @Flag(help: "Resume a WAIT node at once, as if its time had run out (ORA_TIMEOUT).")
    var skipWait = false

    @Option(help: ArgumentHelp("Text that goes with --approve or --reject (content), where the node takes feedback.", valueName: "text"))
    var feedback: String?

    @Option(help: ArgumentHelp("More keys of the resume input, as a JSON object (the token is filled in).", valueName: "json"))
    var input: String?

    @Option(help: ArgumentHelp("The invokeAsync field a polled run's resume goes in (default resumeNodeInput).", valueName: "name"))
    var resumeField = InvokeRequest.defaultResumeField

    func validate() throws {
        let chosen = [approve, reject, requestChanges != nil, skipWait].filter { $0 }.count
        if chosen != 1 { throw ValidationError("give exactly one of --approve, --reject, --request-changes TEXT or --skip-wait") }
        if feedback != nil, requestChanges != nil || skipWait {
            throw ValidationError("--feedback goes with --approve or --reject; --request-changes takes its text itself")
        }
        if let input, JSONValue(parsing: input)?.objectValue == nil {
            throw ValidationError("--input takes a JSON object, e.g. '{\"content\": \"see attached\"}'")
        }
        if resumeField.isEmpty || !resumeField.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
            throw ValidationError("--resume-field takes a field name, such as resumeNodeInput")
        }
    }

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let settings = try follow.settings(profile: podOptions.profile, in: context)
        let pod = try podAccess(podOptions, auth, timeout: settings.timeout, redaction: settings.redaction, in: context)
        let answer: ResumeAnswer = approve ? .approve : reject ? .reject : skipWait ? .skipWait : .requestChanges
        let extra = input.flatMap { JSONValue(parsing: $0)?.objectValue } ?? [:]
        return try await ResumeJob(history: history.location, pod: pod,
                                   follow: settings, job: job, answer: answer, content: requestChanges ?? feedback,
                                   extra: extra, resumeField: resumeField).run(in: context)
    }
}
