import Foundation
import TracedeskClient
import TracedeskHistory
import TracedeskModel

/// Follows one run over the debug stream for `invoke --stream` and `resume` of a streamed run:
/// each step on standard error as it starts and ends, the report written when the stream ends,
/// and the ending turned into an outcome. A run that suspends ends the command (exit 3) with
/// the command that resumes it, as `--on-waiting stop` does for a polled run.
public struct FollowStream: Sendable {
    public let team: String
    public let follower: StreamFollower
    public let options: FollowRun.Options

    public init(team: String, follower: StreamFollower, options: FollowRun.Options) {
        self.team = team
        self.follower = follower
        self.options = options
    }

    /// Sends `request` and follows the stream to its end. `announce` says "started job" once the
    /// jobId arrives (a resume names its job itself); `onOpened` runs once the pod has taken the
    /// request, so that a resume says it was taken only when it was.
    public func run(_ request: DebugRequest, previous: RunRecord? = nil, original: DebugRequest? = nil, announce: Bool,
                    onOpened: @escaping @Sendable () -> Void = {},
                    in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let progress = StreamProgressPrinter(output: context.errors, quiet: options.quiet, clock: context.clock)
        let quiet = options.quiet, team = team, status = (original ?? request).status.rawValue
        let store = follower.store
        let result: (jobId: String, outcome: StreamFollower.Outcome)
        do {
            result = try await follower.follow(request, previous: previous, original: original) { event in
                if case .opened = event { onOpened() }
                if case .started(let jobId) = event, announce, !quiet {
                    try? context.note("started job \(jobId) (\(team) \(status), streamed over the debug endpoint)")
                }
                progress.show(event)
            }
        } catch {
            // What arrived is recorded; a report of it is written if asked, and the error says how to go on.
            if let jobId = try? store.run(previous?.jobId ?? "").jobId {
                do { try FollowRun.writeReport(jobId: jobId, store: store, options: options, in: context) } catch {}
            }
            throw error
        }
        try FollowRun.writeReport(jobId: result.jobId, store: store, options: options, in: context)
        let run = try store.run(result.jobId)
        switch result.outcome {
        case .suspended(let details):
            if !quiet || options.json { try context.note(ProgressText.waiting(details, jobId: result.jobId, streamed: true)) }
            let node = details.node ?? "a step"
            throw TracedeskError(.timedOut, "the run is suspended at \(node); a streamed run stops at each wait. "
                                 + "Answer it with tracedesk resume \(result.jobId.prefix(8)) (see above)")
        case .finished(let status):
            if status == .paused, !quiet {
                try context.note("stopped at the breakpoint before \(run.waitingToolCode ?? "a step"): the run is not continued")
            }
            if let export = options.export { await export.export([run.jobId], from: store, in: context) }
            try FollowRun.summarise(run, store: store, options: options, in: context)
            return status == .error ? .runFailed : .success
        }
    }
}
