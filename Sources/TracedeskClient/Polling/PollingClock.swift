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

    public init(now: @escaping @Sendable () -> Int64, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    /// The wall clock and `Task.sleep`.
    public static let system = PollingClock(now: { Date().epochMilliseconds }, sleep: { try await Task.sleep(for: $0) })

    /// Milliseconds elapsed since `start` (a value of `now`), as a Duration.
    func elapsed(since start: Int64) -> Duration { .milliseconds(now() - start) }
}
