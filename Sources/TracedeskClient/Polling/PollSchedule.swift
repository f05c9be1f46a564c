import Foundation
import TracedeskModel

/// When to poll next: adaptive backoff, sharpened by how long runs of the same team usually take.
///
/// Without history, the interval starts short and grows while nothing changes (`AdaptiveInterval`).
/// With history (typical duration E, quickest recent run Q), polling is sparse early on (the wait
/// doubles up to E/3, so progress still shows now and then) and dense from just before Q (every
/// `nearInterval`), where the run is likely to end: far fewer requests than polling every second,
/// and completion noticed within `nearInterval`. A run that outlasts 2·E, or that waits for a
/// human, falls back to plain backoff.
public struct PollSchedule: Sendable {
    public var interval: AdaptiveInterval
    public var expected: ExpectedDuration?
    public var nearInterval: Duration

    public init(interval: AdaptiveInterval = AdaptiveInterval(), expected: ExpectedDuration? = nil,
                nearInterval: Duration = .milliseconds(1400)) {
        self.interval = interval
        self.expected = expected
        self.nearInterval = nearInterval
    }

    /// When dense polling begins: a little before the quickest recent run ended.
    public var windowStart: Duration? {
        guard let expected else { return nil }
        return min(expected.earliest * 0.95, expected.typical * 0.85)
    }

    /// The wait before the next poll, `elapsed` after the run was started.
    public mutating func next(elapsed: Duration, changed: Bool, waiting: Bool) -> Duration {
        guard let expected, let window = windowStart, !waiting, elapsed < expected.typical * 2 else {
            return interval.next(changed: changed, waiting: waiting)
        }
        if elapsed >= window { return nearInterval }
        // Early on, changes do not bring polling back to its quickest: the end is known to be far.
        let far = max(interval.maximum, expected.typical / 3)
        let grown = min(interval.current * 2, far)
        interval.current = grown
        return max(.milliseconds(250), min(grown, window - elapsed))
    }
}
