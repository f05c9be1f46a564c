import Foundation
import TracedeskModel

/// What the poll loop reports as it goes, for live progress.
public enum PollEvent: Sendable {
    /// A body arrived and was handed to the recorder.
    case received(ReceivedBody)
    /// A status call failed even after the client's retries; the loop tries again after `retryIn`.
    case callFailed(TracedeskError, retryIn: Duration)
}

/// How a poll ended, short of an error.
public enum PollOutcome: Sendable, Equatable {
    /// COMPLETE or ERROR.
    case finished(status: RunStatus)
    /// The run is WAITING and the caller asked to stop there (`--on-waiting stop`).
    case stoppedWhileWaiting
}

/// Polls a job to its end, handing every body to a recorder the moment it arrives.
///
/// A failed status call never loses the job: the loop keeps trying, with a growing wait, until
/// failures have lasted `outageBudget`; then it throws, and the job can be picked up later with
/// `tracedesk poll`. Cancellation (Ctrl-C) ends the loop at once with what was recorded kept.
public struct Poller: Sendable {
    public struct Options: Sendable {
        /// Give up (exit 3, resumable) after this long; `nil` waits as long as the run takes.
        public var timeout: Duration?
        public var stopOnWaiting: Bool
        public var interval: AdaptiveInterval
        /// How long runs like this one usually take (`HistoryStore.expectedDuration`), to poll densely near the end.
        public var expectedDuration: ExpectedDuration?
        public var outageBudget: Duration
        public var mode: InvokeRequest.InvocationMode

        public init(timeout: Duration? = nil, stopOnWaiting: Bool = false, interval: AdaptiveInterval = AdaptiveInterval(),
                    expectedDuration: ExpectedDuration? = nil, outageBudget: Duration = .seconds(300),
                    mode: InvokeRequest.InvocationMode = .admin) {
            self.timeout = timeout
            self.stopOnWaiting = stopOnWaiting
            self.interval = interval
            self.expectedDuration = expectedDuration
            self.outageBudget = outageBudget
            self.mode = mode
        }
    }

    public let client: AgentClient
    public let options: Options
    public let clock: PollingClock

    public init(client: AgentClient, options: Options, clock: PollingClock = .system) {
        self.client = client
        self.options = options
        self.clock = clock
    }

    /// Polls `jobId` until it ends, stops while WAITING (if asked), times out, or is cancelled.
    ///
    /// `record` receives each body the moment it arrives, before anything else happens; an error
    /// it throws (the history failed) ends the loop, since a body that cannot be kept must not be
    /// polled past.
    public func poll(jobId: String, after first: ReceivedBody? = nil,
                     record: (ReceivedBody) throws(TracedeskError) -> Void,
                     onEvent: @Sendable (PollEvent) -> Void = { _ in }) async throws(TracedeskError) -> PollOutcome {
        let started = clock.now()
        var schedule = PollSchedule(interval: options.interval, expected: options.expectedDuration)
        var previous = first?.text
        var failingSince: Int64?
        var status = first?.body.status
        if let status, status.isTerminal { return .finished(status: status) }
        if status == .waiting, options.stopOnWaiting { return .stoppedWhileWaiting }
        var wait = first == nil ? Duration.zero : schedule.next(elapsed: .zero, changed: true, waiting: status == .waiting)

        while true {
            if let timeout = options.timeout, clock.elapsed(since: started) + wait > timeout {
                let remaining = timeout - clock.elapsed(since: started)
                if remaining > .zero { try await pause(remaining) }
                throw TracedeskError(.timedOut, "the run is still \(status?.rawValue ?? "RUNNING") after \(TextFormat.duration(timeout))")
            }
            try await pause(wait)
            do {
                let received = try await client.status(jobId: jobId, mode: options.mode)
                failingSince = nil
                try record(received)
                onEvent(.received(received))
                status = received.body.status
                if let status, status.isTerminal { return .finished(status: status) }
                if status == .waiting, options.stopOnWaiting { return .stoppedWhileWaiting }
                wait = schedule.next(elapsed: clock.elapsed(since: started), changed: received.text != previous,
                                     waiting: status == .waiting)
                previous = received.text
            } catch where error.kind == .podUnavailable && error.isTransient {
                let since = failingSince ?? clock.now()
                failingSince = since
                if clock.elapsed(since: since) >= options.outageBudget {
                    throw TracedeskError(.podUnavailable, "\(error.message); the job goes on at the pod")
                }
                wait = schedule.interval.maximum
                onEvent(.callFailed(error, retryIn: wait))
            }
        }
    }

    private func pause(_ duration: Duration) async throws(TracedeskError) {
        guard duration > .zero else {
            if Task.isCancelled { throw Self.cancelled }
            return
        }
        do { try await clock.sleep(duration) } catch { throw Self.cancelled }
    }

    /// Thrown when the task is cancelled (Ctrl-C): everything received is already recorded.
    public static let cancelled = TracedeskError(.interrupted, "interrupted")
}
