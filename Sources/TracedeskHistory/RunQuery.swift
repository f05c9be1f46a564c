import Foundation
import TracedeskModel

/// Which runs to list: the filters of `tracedesk runs`.
public struct RunQuery: Sendable, Equatable {
    public var team: String?
    public var status: RunStatus?
    /// Only runs that started (or, lacking a start, were recorded) at or after this instant, epoch ms.
    public var since: Int64?
    /// Words that must all appear in the message, the output, the error or a node's output.
    public var search: String?
    public var limit: Int?

    public init(team: String? = nil, status: RunStatus? = nil, since: Int64? = nil,
                search: String? = nil, limit: Int? = nil) {
        self.team = team
        self.status = status
        self.since = since
        self.search = search
        self.limit = limit
    }

    /// The text as an FTS5 query in which every word is a literal term, so that punctuation
    /// a user types (`M1000034-IMO`, `"`, `*`) is searched for, never parsed as query syntax.
    static func ftsExpression(_ text: String) -> String? {
        let words = text.split(whereSeparator: { $0.isWhitespace })
        guard !words.isEmpty else { return nil }
        return words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " ")
    }
}

/// A run with everything recorded about it, for `tracedesk show` and reports.
///
/// This is also the object `tracedesk show --json` prints; `docs/json.md` documents it.
public struct RunDetails: Sendable, Codable {
    /// Snapshot metadata without the body, for listings.
    public struct SnapshotSummary: Sendable, Codable, Hashable {
        public var sequence: Int
        public var firstSeenAt: Int64
        public var lastSeenAt: Int64
        public var timesSeen: Int
        public var httpStatus: Int?
        public var status: String?
        public var bytes: Int
    }

    public var run: RunRecord
    public var nodes: [NodeRecord]
    public var chunks: [DocumentReferenceRecord]
    public var citations: [DocumentReferenceRecord]
    public var statusChanges: [StatusChangeRecord]
    public var snapshots: [SnapshotSummary]
    /// Time spent WAITING in ms, from the status changes; `nil` where the instants are unknown.
    /// A wait still under way counts up to now for runs Tracedesk watches, and not at all for
    /// imported runs, whose captures cannot tell whether the wait goes on.
    public var waitingMs: Int64?
    /// When the current wait began, while the run is WAITING and the instant is known.
    public var waitingSince: Int64?
}

extension RunDetails {
    /// Time spent WAITING: each WAITING change until the next change, or until `now` while still waiting.
    ///
    /// `nil` when the run was never seen WAITING with known instants; 0 when it never waited.
    static func waitingTime(_ changes: [StatusChangeRecord], now: Int64?) -> Int64? {
        guard changes.contains(where: { $0.status == "WAITING" }) else { return 0 }
        var total: Int64 = 0
        var known = false
        for (index, change) in changes.enumerated() where change.status == "WAITING" {
            guard let start = change.at else { continue }
            let end: Int64? = index + 1 < changes.count ? changes[index + 1].at : now
            guard let end, end >= start else { continue }
            total += end - start
            known = true
        }
        return known ? total : nil
    }
}
