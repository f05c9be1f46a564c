import Foundation
import TracedeskModel

/// How often and how patiently a call is retried: exponential backoff with jitter, capped.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 6, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The wait before retry `attempt` (1 for the first retry): base × 2^(attempt-1), capped,
    /// then scaled by a random factor in [0.5, 1] so that many clients do not retry in step.
    public func delay(forRetry attempt: Int, jitter: Double = Double.random(in: 0.5...1)) -> Duration {
        let exponent = min(max(attempt - 1, 0), 20)
        let raw = baseDelay * Int(1 << exponent)
        let capped = min(raw, maxDelay)
        return capped * jitter
    }
}
