import Foundation
import TracedeskClient
import TracedeskHistory
import TracedeskModel

/// Starts, answers or attaches to a job of one team and follows it to its end, recording every
/// status body in the history the moment it arrives: the one sequence behind `invoke`, `poll`,
/// `resume`, `compare`, the demo and the benchmarks.
public struct JobFollower: Sendable {
    public let client: AgentClient
    public let store: HistoryStore
    /// What the history should know of the run beyond its bodies (team, pod, label, request).
    public let context: RecordingContext
    public let poller: Poller
    /// Where the callback token of a suspension is kept, for `resume`; `nil` keeps none.
    public let callbackTokens: CallbackTokenStore?

    public init(client: AgentClient, store: HistoryStore, context: RecordingContext, options: Poller.Options,
                clock: PollingClock = .system, callbackTokens: CallbackTokenStore? = nil) {
        self.client = client
        self.store = store
        self.context = context
        self.poller = Poller(client: client, options: options, clock: clock)
        self.callbackTokens = callbackTokens
    }

    /// Sends `request` (a new job, or the answer to a WAITING one) and records the answer.
    ///
    /// `announce` hears of the job before it is recorded: should the history fail (a full disk),
    /// the user has already been told the jobId that `poll` takes up, and the error says it too.
    public func start(_ request: InvokeRequest, announce: (ReceivedBody) throws(TracedeskError) -> Void = { _ in }) async throws(TracedeskError) -> ReceivedBody {
        let first = try await client.invoke(request)
        try announce(first)
        do {
            try record(first)
        } catch {
            throw TracedeskError(error.kind, "\(error.message); job \(first.body.jobId) was started at the pod and goes on: "
                                 + "tracedesk poll \(first.body.jobId) --team \(client.team) follows it once the history can be written")
        }
        return first
    }

    /// Polls `jobId` to its end (or to WAITING, a timeout, Ctrl-C), recording each body.
    public func follow(jobId: String, after first: ReceivedBody? = nil,
                       onEvent: @Sendable (PollEvent) -> Void = { _ in }) async throws(TracedeskError) -> PollOutcome {
        try await poller.poll(jobId: jobId, after: first, record: { received throws(TracedeskError) in try record(received) },
                              onEvent: onEvent)
    }

    /// Records one body received from the pod; the callback token of a suspension goes to
    /// `callbackTokens` (the history keeps a marker in its place).
    @discardableResult
    public func record(_ received: ReceivedBody) throws(TracedeskError) -> RecordOutcome {
        let waiting = received.body.waiting
        if received.body.status == .waiting, let token = waiting.callbackToken, let callbackTokens {
            try callbackTokens.store(.init(jobId: received.body.jobId, node: waiting.node, round: waiting.iteration, token: token,
                                           savedAt: received.receivedAt))
        }
        return try store.record(received.body, verbatim: received.text,
                         observation: .received(at: received.receivedAt, httpStatus: received.httpStatus), context: context)
    }
}

extension InvokeRequest {
    /// The invokeAsync that answers the human step `run` waits for: the same conversation,
    /// version and mode, the run's jobId, and `input` as `resumeNodeInput`.
    public static func answering(_ run: RunRecord, with input: [String: JSONValue], message: String) -> InvokeRequest {
        InvokeRequest(
            message: message, conversational: true, conversationId: run.conversationId, version: run.version,
            status: VersionStatus(rawValue: run.versionStatus ?? "PUBLISHED") ?? .published,
            invocationMode: InvocationMode(rawValue: run.invocationMode ?? "ADMIN") ?? .admin,
            jobId: run.jobId, resumeNodeInput: .object(input))
    }
}
