import Foundation
import TracedeskModel

/// The wait between two polls: short while the run changes, longer while it does not.
///
/// Starts at `minimum`; each unchanged body multiplies the wait by `growth` up to `maximum`
/// (`waitingMaximum` while a human is awaited, since people answer in minutes); a changed body
/// brings it back to `minimum`, because a run that just moved tends to move again.
public struct AdaptiveInterval: Sendable, Equatable {
    public var minimum: Duration
    public var maximum: Duration
    public var waitingMaximum: Duration
    public var growth: Double
    public internal(set) var current: Duration

    public init(minimum: Duration = .milliseconds(500), maximum: Duration = .seconds(3),
                waitingMaximum: Duration = .seconds(10), growth: Double = 1.4) {
        self.minimum = minimum
        self.maximum = maximum
        self.waitingMaximum = waitingMaximum
        self.growth = growth
        self.current = minimum
    }

    /// The next wait, given whether the last body differed from the one before and whether the run waits.
    public mutating func next(changed: Bool, waiting: Bool) -> Duration {
        if changed {
            current = minimum
        } else {
            current = min(current * growth, waiting ? waitingMaximum : maximum)
        }
        return current
    }
}
