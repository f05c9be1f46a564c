import Foundation
import TracedeskClient
import TracedeskHistory
import TracedeskModel

/// `tracedesk poll JOB`: attach to a job already started (after a timeout, a crash, or from
/// another client), follow it and record it.
public struct PollJob: Sendable {
    public var history: HistoryLocation
    public var pod: PodAccess
    public var follow: FollowSettings
    /// A whole jobId, or a recorded run's prefix or `last`.
    public var job: String
    /// The team, needed when the job is not in the history.
    public var team: String?

    public init(history: HistoryLocation, pod: PodAccess, follow: FollowSettings, job: String, team: String?) {
        self.history = history
        self.pod = pod
        self.follow = follow
        self.job = job
        self.team = team
    }

    public func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let options = try follow.followOptions(in: context)
        let store = try history.openForWriting(in: context)
        let recorded = try? store.run(job)
        guard let team = team ?? recorded?.teamCode else {
            throw TracedeskError.badInput("job \(job) is not in the history: give its whole jobId and --team")
        }
        let jobId = recorded?.jobId ?? job
        var access = pod
        if let recorded {
            let following = try pod.following(recorded, in: context)
            access = following.access
            if let note = following.note, !follow.quiet { try context.note(note) }
        }
        let client = try access.client(team: team, in: context)
        let rates = try await AIUnitRatesLookup.rates(for: client, store: store, in: context)
        let recording = RecordingContext(teamCode: team, pod: client.pod.absoluteString, source: .poll, api: client.api.rawValue, aiUnitRates: rates)
        let follower = JobFollower(client: client, store: store, context: recording, options: follow.pollerOptions(), clock: context.clock,
                                   callbackTokens: CallbackTokenStore(environment: context.environment))
        return try await FollowRun(team: team, jobId: jobId, follower: follower, options: options).run(after: nil, in: context)
    }
}
