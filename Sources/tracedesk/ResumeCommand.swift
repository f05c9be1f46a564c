import ArgumentParser
import Foundation
import TracedeskCore

/// `tracedesk resume JOB`: answer a WAITING human step, then follow the run on.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Answer a run WAITING on a human step (approve, reject, or any input), then follow it on.",
        discussion: """
            Sends a new invokeAsync in the run's conversation carrying its jobId and \
            resumeNodeInput. The run stays one run in the history; its time spent WAITING is \
            measured apart from its working time.

            Examples:
              tracedesk resume 3e9a7c1d --approve --feedback "ok for March"
              tracedesk resume last --input '{"action": "RFI_ACTION", "feedback": "which cost centre?"}'
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

    func run() async throws {
        let store = try history.openStore()
        let run = try store.run(job)
        guard run.status == "WAITING" else {
            throw TracedeskError.badInput("run \(run.jobId) is \(run.status), not WAITING: there is nothing to answer (follow it with: tracedesk poll \(run.jobId.prefix(8)))")
        }
        guard let team = run.teamCode else { throw TracedeskError.badInput("run \(run.jobId) has no team in the history") }
        var resumeInput: [String: JSONValue] = input.flatMap { JSONValue(parsing: $0)?.objectValue } ?? [:]
        if approve { resumeInput["action"] = .string("APPROVE_ACTION") }
        if reject { resumeInput["action"] = .string("REJECT_ACTION") }
        if let feedback { resumeInput["feedback"] = .string(feedback) }
        let action = resumeInput["action"]?.stringValue ?? "input"

        let client = try podOptions.client(team: team, auth: auth)
        let pod = client.pod
        let request = InvokeRequest.answering(run, with: resumeInput, message: feedback ?? action)
        let context = RecordingContext(teamCode: team, pod: pod.absoluteString, source: run.source)
        let poller = Poller(client: client, store: store, context: context, options: follow.pollerOptions(mode: request.invocationMode))
        let first = try await client.invoke(request)
        try poller.record(first)
        if !follow.quiet { Terminal.error("answered \(run.waitingToolCode ?? "the waiting step") of \(run.jobId) with \(action)") }
        try await follow.follower(team: team, jobId: run.jobId, poller: poller, store: store).follow(after: first)
    }
}
