import Foundation
import TracedeskClient
import TracedeskHistory
import TracedeskModel

/// `tracedesk invoke TEAM MESSAGE`: run a team in ADMIN mode, follow it, record every body.
public struct InvokeTeam: Sendable {
    public var history: HistoryLocation
    public var pod: PodAccess
    public var follow: FollowSettings
    public var team: String
    public var request: InvokeRequest
    public var label: String?

    public init(history: HistoryLocation, pod: PodAccess, follow: FollowSettings, team: String, request: InvokeRequest,
                label: String? = nil) {
        self.history = history
        self.pod = pod
        self.follow = follow
        self.team = team
        self.request = request
        self.label = label
    }

    public func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let options = try follow.followOptions(in: context)
        let store = try history.openForWriting(in: context)
        let client = try pod.client(team: team, in: context)
        let recording = RecordingContext(teamCode: team, pod: client.pod.absoluteString, source: .invoke, label: label, request: request)
        let expected = try store.expectedDuration(team: team, versionStatus: request.status.rawValue)
        let follower = JobFollower(client: client, store: store, context: recording,
                                   options: follow.pollerOptions(mode: request.invocationMode, expected: expected), clock: context.clock)
        let quiet = follow.quiet
        let first = try await follower.start(request) { first throws(TracedeskError) in
            guard !quiet else { return }
            let version = first.body.workflowVersion.map { "v\($0) " } ?? ""
            try context.note("started job \(first.body.jobId) (\(team) \(version)\(first.body.workflowStatus ?? request.status.rawValue))")
        }
        return try await FollowRun(team: team, jobId: first.body.jobId, follower: follower, options: options)
            .run(after: first, in: context)
    }
}
