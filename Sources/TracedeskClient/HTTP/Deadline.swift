import Foundation
import TracedeskModel

/// The instant a command must be done by (`--timeout`), on the command's clock: every call,
/// retry wait and Retry-After is bounded by what is left of it.
public struct Deadline: Sendable {
    /// Epoch milliseconds, on `clock`.
    public let at: Int64
    /// The limit as the user gave it, for messages.
    public let limit: Duration
    let clock: PollingClock

    public init(after limit: Duration, clock: PollingClock) {
        self.limit = limit
        self.clock = clock
        let start = clock.now()
        at = TokenUsage.adding(start, TextFormat.milliseconds(limit))
    }

    /// What is left, never negative.
    public var remaining: Duration {
        let left = at - clock.now()
        return left <= 0 ? .zero : .milliseconds(left)
    }

    public var hasPassed: Bool { clock.now() >= at }

    /// The error of a command that ran out of time while doing `what`.
    public func exceeded(_ what: String) -> TracedeskError {
        TracedeskError(.timedOut, "\(what): the --timeout of \(TextFormat.duration(limit)) has passed")
    }
}

/// Bounds every call by a deadline: a call starts only with time left, and is given no more
/// than what is left (nor more than its own timeout).
public struct DeadlineTransport: HTTPTransport {
    let inner: any HTTPTransport
    public let deadline: Deadline

    public init(inner: any HTTPTransport, deadline: Deadline) {
        self.inner = inner
        self.deadline = deadline
    }

    public func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        let host = request.url.host ?? "the server"
        guard !deadline.hasPassed else {
            throw TracedeskError(.timedOut, "the --timeout of \(TextFormat.duration(deadline.limit)) passed before a call to \(host)")
        }
        var bounded = request
        bounded.timeout = min(request.timeout ?? NetworkTransport.defaultTimeout, deadline.remaining)
        do {
            return try await inner.send(bounded)
        } catch is NetworkTimeout where deadline.hasPassed {
            throw TracedeskError(.timedOut, "no answer from \(host) within the --timeout of \(TextFormat.duration(deadline.limit))")
        }
    }

    /// The head within what is left of the deadline; the body is the reader's to bound.
    public func stream(_ request: HTTPRequestData) async throws -> HTTPStreamingResponse {
        let host = request.url.host ?? "the server"
        guard !deadline.hasPassed else {
            throw TracedeskError(.timedOut, "the --timeout of \(TextFormat.duration(deadline.limit)) passed before a call to \(host)")
        }
        var bounded = request
        bounded.timeout = min(request.timeout ?? NetworkTransport.defaultTimeout, deadline.remaining)
        return try await inner.stream(bounded)
    }
}
