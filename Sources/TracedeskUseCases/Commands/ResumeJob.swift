import Foundation
import TracedeskClient
import TracedeskHistory
import TracedeskModel

/// `tracedesk resume JOB`: answer a run WAITING on a human step, then follow it on.
///
/// Sends a new invokeAsync in the run's conversation carrying its jobId and `resumeNodeInput`;
/// the run stays one run in the history.
public struct ResumeJob: Sendable {
    public var history: HistoryLocation
    public var pod: PodAccess
    public var follow: FollowSettings
    /// The waiting run: a jobId, a prefix, or `last`.
    public var job: String
    /// The whole `resumeNodeInput` (`action` set by `--approve` or `--reject`, `feedback` by `--feedback`).
    public var input: [String: JSONValue]

    public init(history: HistoryLocation, pod: PodAccess, follow: FollowSettings, job: String, input: [String: JSONValue]) {
        self.history = history
        self.pod = pod
        self.follow = follow
        self.job = job
        self.input = input
    }

    public func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let options = try follow.followOptions(in: context)
        let store = try history.openForWriting(in: context)
        let run = try store.run(job)
        guard run.status == .waiting else {
            throw TracedeskError.badInput("run \(run.jobId) is \(run.status), not WAITING: there is nothing to answer (follow it with: tracedesk poll \(run.jobId.prefix(8)))")
        }
        guard let team = run.teamCode else { throw TracedeskError.badInput("run \(run.jobId) has no team in the history") }
        let action = input["action"]?.stringValue ?? "input"
        let client = try pod.client(team: team, in: context)
        let request = InvokeRequest.answering(run, with: input, message: input["feedback"]?.stringValue ?? action)
        let recording = RecordingContext(teamCode: team, pod: client.pod.absoluteString, source: run.source)
        let follower = JobFollower(client: client, store: store, context: recording,
                                   options: follow.pollerOptions(mode: request.invocationMode), clock: context.clock)
        let first = try await follower.start(request)
        if !follow.quiet { try context.note("answered \(run.waitingToolCode ?? "the waiting step") of \(run.jobId) with \(action)") }
        return try await FollowRun(team: team, jobId: run.jobId, follower: follower, options: options).run(after: first, in: context)
    }
}
