import Foundation

/// How long runs of a team usually take, as Tracedesk saw them: the median and the quickest of
/// the recent ones (`HistoryStore.expectedDuration`).
public struct ExpectedDuration: Sendable, Equatable {
    public var typical: Duration
    public var earliest: Duration

    public init(typical: Duration, earliest: Duration) {
        self.typical = typical
        self.earliest = min(earliest, typical)
    }
}
