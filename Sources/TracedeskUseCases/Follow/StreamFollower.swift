import Foundation
import Synchronization
import TracedeskClient
import TracedeskHistory
import TracedeskModel

/// Starts (or resumes) a run over the debug endpoint and follows its Server-Sent Events to the
/// end, recording every event verbatim the moment it arrives: the one sequence behind
/// `invoke --stream`, `resume` of a streamed run, `compare --stream` and the demo's streamed team.
///
/// Events are written as each piece of the stream arrives (an event not yet tied to a jobId
/// waits in memory for it); the run's rows are drawn again from the events at most every
/// `deriveInterval`, and once more at the end, so that a run of thousands of steps costs no more
/// than a handful of rewrites a second. A stream that ends without saying how the run ended, or
/// that fails, leaves every event received kept; the run goes on at the pod and `poll` follows it.
public struct StreamFollower: Sendable {
    /// What the follower tells its caller as the stream goes.
    public enum Event: Sendable {
        /// The pod took the request and its stream began (before any event of it).
        case opened
        case started(jobId: String)
        case stepStarted(DebugStreamRun.Step)
        case stepEnded(DebugStreamRun.Step)
        case warning(String)
    }

    /// How a followed stream ended.
    public enum Outcome: Sendable, Equatable {
        /// `stop`, `error` or `paused`: the run is over.
        case finished(RunStatus)
        /// `wait`: a HUMAN or WAIT node suspended the run; the token is kept for `resume`.
        case suspended(WaitingDetails)
    }

    public let client: AgentClient
    public let store: HistoryStore
    public let context: RecordingContext
    public let clock: PollingClock
    public let callbackTokens: CallbackTokenStore?
    /// How often the run's rows are drawn again from its events while the stream goes.
    public var deriveInterval: Duration = .milliseconds(250)
    /// `--timeout`: the stream is left once it passes (the run goes on at the pod).
    public var deadline: Deadline?

    public init(client: AgentClient, store: HistoryStore, context: RecordingContext, clock: PollingClock,
                callbackTokens: CallbackTokenStore?) {
        self.client = client
        self.store = store
        var context = context
        context.transport = .stream
        self.context = context
        self.clock = clock
        self.callbackTokens = callbackTokens
    }

    /// Sends `request` and follows the stream it answers with. For a resume, `previous` is the
    /// run as recorded: its events are read again first, so the run stays one run, and `original`
    /// is the request that started it (the run's message and parameters).
    public func follow(_ request: DebugRequest, previous: RunRecord? = nil, original: DebugRequest? = nil,
                       onEvent: @escaping @Sendable (Event) -> Void = { _ in }) async throws(TracedeskError) -> (jobId: String, outcome: Outcome) {
        var run = DebugStreamRun(conversationId: request.conversationId)
        let sentAt = previous?.startedAt ?? clock.now()
        if let previous {
            for event in try store.streamEvents(of: previous) {
                for payload in DebugStreamRun.payloads(of: .init(data: event.data)) { _ = run.apply(payload, at: event.receivedAt) }
            }
            run.beginNextStream()
        }
        let bodyContext = DebugStreamRun.Context(request: original ?? request, sentAt: sentAt)
        let response = try await client.openDebugStream(request)
        onEvent(.opened)
        if let previous, let body = run.statusBody(bodyContext).flatMap({ try? StatusBody(value: $0) }) {
            // The pod took the answer: the run is under way again from now, whatever the stream sends first.
            try store.recordStream(jobId: previous.jobId, events: [], derived: body, context: context, at: clock.now())
        }
        let stream = StreamState(run: run, jobId: previous?.jobId)

        let reading = Task { () throws -> Void in
            var parser = ServerSentEventParser()
            for try await chunk in response.body {
                try Task.checkCancellation()
                try self.take(try parser.feed(chunk), into: stream, context: bodyContext, onEvent: onEvent)
            }
            try self.take(parser.finish(), into: stream, context: bodyContext, onEvent: onEvent)
        }
        let failure: (any Error)?
        do {
            try await withTaskCancellationHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await reading.value }
                    // On a clock that moves when slept on, the deadline is checked as events arrive (`take`).
                    if let deadline = self.deadline, !self.clock.movesWhenSlept {
                        group.addTask {
                            try await self.clock.sleep(deadline.remaining)
                            throw deadline.exceeded("the stream was still going")
                        }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            } onCancel: {
                reading.cancel()
            }
            failure = nil
        } catch {
            reading.cancel()
            failure = error
        }
        // Whatever happened, what arrived is kept and the run's rows drawn from it.
        try flush(stream, context: bodyContext, force: true)
        let snapshot = stream.snapshot
        guard let jobId = snapshot.jobId else {
            if let failure { throw Self.describe(failure, jobId: nil, events: snapshot.run.events, team: client.team) }
            throw TracedeskError(.podUnavailable, "the stream ended after \(snapshot.run.events) event\(snapshot.run.events == 1 ? "" : "s") "
                                 + "without naming a job: nothing can be followed or recorded")
        }
        if let failure { throw Self.describe(failure, jobId: jobId, events: snapshot.run.events, team: client.team) }
        switch snapshot.run.status {
        case .waiting:
            let details = WaitingDetails(toolCode: nil, details: snapshot.waitingAsReceived ?? snapshot.run.waiting)
            if let token = details.callbackToken, let callbackTokens {
                try callbackTokens.store(.init(jobId: jobId, node: details.node, round: details.iteration, token: token, savedAt: clock.now()))
            }
            return (jobId, .suspended(details))
        case .running:
            throw TracedeskError(.podUnavailable, "the stream ended before the run did (\(snapshot.run.events) events, no finishReason); "
                                 + "every event is recorded and the job goes on at the pod: tracedesk poll \(jobId) --team \(client.team)")
        case let status:
            return (jobId, .finished(status))
        }
    }

    /// The failure of a stream in words, with what was kept and how to carry on.
    static func describe(_ error: any Error, jobId: String?, events: Int, team: String) -> TracedeskError {
        let kept = "\(events) event\(events == 1 ? "" : "s") received \(jobId == nil ? "and no jobId, so none could be recorded" : "are recorded")"
        let next = jobId.map { "; the job goes on at the pod: tracedesk poll \($0) --team \(team)" } ?? ""
        if let error = error as? TracedeskError {
            if error.kind == .interrupted { return TracedeskError(.interrupted, "interrupted; \(kept)\(next)") }
            return TracedeskError(error.kind, "\(error.message); \(kept)\(next)")
        }
        if error is CancellationError { return TracedeskError(.interrupted, "interrupted; \(kept)\(next)") }
        if let error = error as? ServerSentEventParser.LineTooLong {
            return TracedeskError(.podUnavailable, "the stream was refused from there: \(error.description); \(kept)\(next)")
        }
        return TracedeskError(.podUnavailable, "the stream was cut: \(NetworkFailure.describe(error)); \(kept)\(next)")
    }

    /// Applies and records the events of one piece of the stream.
    private func take(_ events: [ServerSentEventParser.Event], into stream: StreamState, context: DebugStreamRun.Context,
                      onEvent: @Sendable (Event) -> Void) throws {
        guard !events.isEmpty else { return }
        let now = clock.now()
        var notices: [Event] = []
        stream.update { state in
            for event in events {
                for payload in DebugStreamRun.payloads(of: event) {
                    let redacted = CallbackTokens.redacting(payload)
                    let hadJob = state.jobId != nil
                    for change in state.run.apply(payload, at: now) {
                        switch change {
                        case .jobId(let id):
                            if state.jobId == nil { notices.append(.started(jobId: id)) }
                            if let known = state.jobId, known != id {
                                notices.append(.warning("the stream named job \(TextFormat.snippet(id, width: 40)) after \(known); the last one named is kept"))
                            }
                            state.jobId = id
                        case .stepStarted(let index): notices.append(.stepStarted(state.run.steps[index]))
                        case .stepEnded(let index): notices.append(.stepEnded(state.run.steps[index]))
                        case .warning(let text): notices.append(.warning(text))
                        case .waiting:
                            // The token is taken here, from the payload as received, and never kept with the event.
                            state.waitingAsReceived = JSONValue(parsing: payload)?["waitingNodeDetails"]?.parsingEmbeddedJSON
                        case .answer, .finished: break
                        }
                    }
                    if !hadJob, state.jobId == nil, state.pending.isEmpty {
                        notices.append(.warning("an event came before any jobId: it is kept until one does"))
                    }
                    state.pending.append(ReceivedEvent(data: redacted.text, receivedAt: now))
                }
            }
        }
        for notice in notices { onEvent(notice) }
        try flush(stream, context: context, force: false)
        if clock.movesWhenSlept, let deadline, deadline.hasPassed { throw deadline.exceeded("the stream was still going") }
    }

    /// Writes the pending events; draws the run's rows again when `force`, at the run's first
    /// record, or when `deriveInterval` has passed since the last time.
    private func flush(_ stream: StreamState, context: DebugStreamRun.Context, force: Bool) throws(TracedeskError) {
        let now = clock.now()
        let work = stream.update { state -> (String, [ReceivedEvent], StatusBody?)? in
            guard let jobId = state.jobId, !state.pending.isEmpty || force else { return nil }
            let due = force || state.lastDerivedAt == nil || now - (state.lastDerivedAt ?? 0) >= TextFormat.milliseconds(deriveInterval)
            var derived: StatusBody?
            if due, let value = state.run.statusBody(context) {
                derived = try? StatusBody(value: value)
                state.lastDerivedAt = now
            }
            let events = state.pending
            state.pending = []
            return (jobId, events, derived)
        }
        guard let (jobId, events, derived) = work else { return }
        try store.recordStream(jobId: jobId, events: events, derived: derived, context: context_, at: now)
    }

    private var context_: RecordingContext { context }
}

/// The state a stream's reader and its finisher share.
final class StreamState: Sendable {
    struct Values {
        var run: DebugStreamRun
        var jobId: String?
        var pending: [ReceivedEvent] = []
        var lastDerivedAt: Int64?
        /// The waiting details as received, callback token included: for the token store only.
        var waitingAsReceived: JSONValue?
    }

    private let values: Mutex<Values>

    init(run: DebugStreamRun, jobId: String?) {
        values = Mutex(Values(run: run, jobId: jobId))
    }

    func update<T>(_ body: (inout Values) throws -> T) rethrows -> T {
        try values.withLock { try body(&$0) }
    }

    var snapshot: Values { values.withLock { $0 } }
}
