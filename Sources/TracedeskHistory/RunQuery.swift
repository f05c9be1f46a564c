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
    /// The model calls of the steps, in step order (`nodePosition`, then `position`).
    public var llmCalls: [LLMCallRecord] = []
    /// How many events of a debug stream the run holds (0 for a polled run).
    public var streamEvents = 0
    /// The jobIds of the replays of this run in the history, oldest first.
    public var replays: [String] = []

    /// The model calls of the step at `position`.
    public func calls(ofStepAt position: Int) -> [LLMCallRecord] {
        // Sorted by step: a binary search finds the first, then they follow.
        var low = 0, high = llmCalls.count
        while low < high {
            let middle = (low + high) / 2
            if llmCalls[middle].nodePosition < position { low = middle + 1 } else { high = middle }
        }
        var calls: [LLMCallRecord] = []
        while low < llmCalls.count, llmCalls[low].nodePosition == position {
            calls.append(llmCalls[low])
            low += 1
        }
        return calls
    }
}

extension RunDetails {
    /// The last instant the run is known to have been as recorded: its end, else the latest
    /// instant a step carries, else (for a run Tracedesk followed itself) when the last body was
    /// received. Imported bodies do not say when they were captured, so only their own instants count.
    public var lastObservedAt: Int64? {
        var latest = [run.endedAt, run.startedAt].compactMap { $0 }.max()
        for node in nodes {
            if let instant = node.endedAt ?? node.startedAt, instant > (latest ?? .min) { latest = instant }
        }
        if !run.status.isTerminal, run.source.isFollowed, let seen = snapshots.last?.lastSeenAt {
            latest = max(latest ?? seen, seen)
        }
        return run.status.isTerminal ? (run.endedAt ?? latest) : latest
    }

    /// When the pod's instants (starts, ends, "took") and the instants Tracedesk saw the bodies
    /// at (the status history, time waiting) disagree, in words: the pod's clock ahead of or
    /// behind this machine's, or running faster (a simulator with `--speed`). `nil` when they agree
    /// or cannot be compared (an imported run).
    public var clockNote: String? {
        if run.transport == .stream { return streamClockNote }
        guard run.source.isFollowed,
              let firstSeen = statusChanges.first?.at, let podStart = run.startedAt else { return nil }
        var notes: [String] = []
        if run.status.isTerminal, let lastSeen = statusChanges.last?.at, lastSeen > firstSeen,
           let podSpan = run.timeTakenMs ?? run.endedAt.map({ $0 - podStart }), podSpan > 0 {
            let seenSpan = lastSeen - firstSeen
            let ratio = Double(podSpan) / Double(seenSpan)
            if ratio > 1.5, podSpan - seenSpan > 2_000 {
                notes.append("the pod's clock ran \(ratio >= 10 ? String(Int(ratio.rounded())) : String(format: "%.1f", ratio))× "
                             + "as fast as this machine's (\(TextFormat.duration(podSpan)) against \(TextFormat.duration(seenSpan)) seen: a simulator with --speed?)")
            }
        }
        let offset = podStart - firstSeen
        if abs(offset) > 60_000 {
            notes.append("the pod's clock is \(TextFormat.duration(abs(offset))) \(offset > 0 ? "ahead of" : "behind") this machine's")
        }
        guard !notes.isEmpty else { return nil }
        return "Two clocks: the steps, starts, ends and 'took' are the pod's; the status history and the time waiting are when "
            + "Tracedesk saw each body, on this machine. Here they differ: " + notes.joined(separator: "; ") + "."
    }

    /// A streamed run's two clocks: its steps start and end when their events reached this
    /// machine, while their lengths are the pod's `totalNodeTime`. Compared over the top-level
    /// steps that have both, so that nested steps are not counted twice.
    var streamClockNote: String? {
        var podSpan: Int64 = 0
        var seenSpan: Int64 = 0
        for node in nodes where node.depth == 0 {
            guard let start = node.startedAt, let end = node.endedAt, end >= start, let length = node.durationMs else { continue }
            podSpan += length
            seenSpan += end - start
        }
        guard podSpan > 0, seenSpan > 0 else { return nil }
        let ratio = Double(podSpan) / Double(seenSpan)
        let figures = "\(TextFormat.duration(podSpan)) of steps by the pod's count against \(TextFormat.duration(seenSpan)) between their events"
        let difference: String
        if ratio > 1.5, podSpan - seenSpan > 2_000 {
            difference = "the pod's clock ran \(ratio >= 10 ? String(Int(ratio.rounded())) : String(format: "%.1f", ratio))× as fast as this machine's ("
                + figures + ": a simulator with --speed?)"
        } else if ratio < 1 / 1.5, seenSpan - podSpan > 2_000 {
            difference = "the steps took less than the time between their events (" + figures + "): the pod sent its events late or in bursts"
        } else {
            return nil
        }
        return "Two clocks: a streamed run's steps start and end when their events reached this machine, and their 'took' is the pod's. "
            + "Here they differ: " + difference + "."
    }

    /// How long a step without an end had run when the run was last seen: `nil` for a step that
    /// ended, or that has no start.
    public func openDuration(of node: NodeRecord) -> Int64? {
        guard node.endedAt == nil, node.durationMs == nil, let start = node.startedAt, let seen = lastObservedAt else { return nil }
        return max(0, seen - start)
    }

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
