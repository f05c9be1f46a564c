import Foundation
import TracedeskModel

/// The time the client and the poll loop live by: what time it is, and how to wait.
///
/// One value for both, so that a test can move time forward instead of waiting, and so that
/// timeouts, outage budgets, retry waits and the instants recorded for each body agree.
public struct PollingClock: Sendable {
    /// Epoch milliseconds now.
    public var now: @Sendable () -> Int64
    /// Waits; throws when the task is cancelled.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// True for a clock that moves when slept on (a test's, a simulation's): a wait beside other
    /// work would move time for all of it, so deadlines are checked as work happens instead.
    public var movesWhenSlept: Bool

    public init(now: @escaping @Sendable () -> Int64, sleep: @escaping @Sendable (Duration) async throws -> Void,
                movesWhenSlept: Bool = false) {
        self.now = now
        self.sleep = sleep
        self.movesWhenSlept = movesWhenSlept
    }

    /// The wall clock and `Task.sleep`.
    public static let system = PollingClock(now: { Date().epochMilliseconds }, sleep: { try await Task.sleep(for: $0) })

    /// Milliseconds elapsed since `start` (a value of `now`), as a Duration.
    func elapsed(since start: Int64) -> Duration { .milliseconds(now() - start) }
}
