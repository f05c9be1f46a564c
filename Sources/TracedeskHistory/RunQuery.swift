import Foundation
import TracedeskModel

/// Which runs to list: the filters of `tracedesk runs` (and of the web UI and the exporter).
public struct RunQuery: Sendable, Equatable {
    public var team: String?
    public var status: RunStatus?
    /// DRAFT or PUBLISHED.
    public var versionStatus: String?
    /// Only runs that started (or, lacking a start, were recorded) at or after this instant, epoch ms.
    public var since: Int64?
    /// Words that must all appear in the message, the output, the error or a node's output.
    public var search: String?
    /// Only runs of this conversation.
    public var conversationId: String?
    public var limit: Int?
    /// Keyset paging: only runs listed after this one (the last of the previous page).
    public var after: Cursor?

    /// A position in the listing: a run's sort instant and id.
    public struct Cursor: Sendable, Equatable {
        public var sortAt: Int64
        public var id: Int64

        public init(sortAt: Int64, id: Int64) {
            self.sortAt = sortAt
            self.id = id
        }
    }

    public init(team: String? = nil, status: RunStatus? = nil, versionStatus: String? = nil, since: Int64? = nil,
                search: String? = nil, conversationId: String? = nil, limit: Int? = nil, after: Cursor? = nil) {
        self.team = team
        self.status = status
        self.versionStatus = versionStatus
        self.since = since
        self.search = search
        self.conversationId = conversationId
        self.limit = limit
        self.after = after
    }

    /// The text as an FTS5 query in which every word is a literal term, so that punctuation
    /// a user types (`M1000034-IMO`, `"`, `*`) is searched for, never parsed as query syntax.
    static func ftsExpression(_ text: String) -> String? {
        let words = text.split(whereSeparator: { $0.isWhitespace })
        guard !words.isEmpty else { return nil }
        return words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " ")
    }
}

/// A run with everything recorded about it, for `tracedesk show`, reports, diffs and pages.
public struct RunDetails: Sendable {
    /// Snapshot metadata without the body, for listings.
    public struct SnapshotSummary: Sendable, Hashable {
        public var sequence: Int
        public var firstSeenAt: Int64
        public var lastSeenAt: Int64
        public var timesSeen: Int
        public var httpStatus: Int?
        public var status: String?
        public var bytes: Int
    }

    /// Where a nested run was called from: the caller's run and the step that called it.
    public struct Caller: Sendable, Hashable {
        public var jobId: String
        public var teamCode: String?
        public var step: String
        public var position: Int
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
    /// For a nested run (read from its caller's step), the caller.
    public var caller: Caller?
}

extension RunDetails {
    /// Time spent WAITING: each WAITING change until the next change, or until `now` while still waiting.
    ///
    /// `nil` when the run was never seen WAITING with known instants; 0 when it never waited.
    static func waitingTime(_ changes: [StatusChangeRecord], now: Int64?) -> Int64? {
        guard changes.contains(where: { $0.status == .waiting }) else { return 0 }
        var total: Int64 = 0
        var known = false
        for (index, change) in changes.enumerated() where change.status == .waiting {
            guard let start = change.at else { continue }
            let end: Int64? = index + 1 < changes.count ? changes[index + 1].at : now
            guard let end, end >= start else { continue }
            total = total.addingReportingOverflow(end - start).overflow ? .max : total + (end - start)
            known = true
        }
        return known ? total : nil
    }
}
