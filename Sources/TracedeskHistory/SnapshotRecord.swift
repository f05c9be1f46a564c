import Foundation
import GRDB
import TracedeskModel

/// A row of `snapshot`: one distinct status body of a run, verbatim, with when it was seen.
///
/// A body identical to the run's previous one is not stored again: its `timesSeen` grows and its
/// `lastSeenAt` moves. `sequence` counts a run's distinct bodies from 1 in the order received.
public struct SnapshotRecord: Sendable, Hashable {
    public var id: Int64?
    public var runId: Int64
    public var sequence: Int
    public var firstSeenAt: Int64
    public var lastSeenAt: Int64
    public var timesSeen: Int
    public var httpStatus: Int?
    public var status: String?
    /// The body exactly as received.
    public var body: String

    public init(id: Int64? = nil, runId: Int64, sequence: Int, firstSeenAt: Int64, lastSeenAt: Int64, timesSeen: Int,
                httpStatus: Int? = nil, status: String? = nil, body: String) {
        self.id = id
        self.runId = runId
        self.sequence = sequence
        self.firstSeenAt = firstSeenAt
        self.lastSeenAt = lastSeenAt
        self.timesSeen = timesSeen
        self.httpStatus = httpStatus
        self.status = status
        self.body = body
    }
}

extension SnapshotRecord: FetchableRecord {
    static let selection = "id, runId, sequence, firstSeenAt, lastSeenAt, timesSeen, httpStatus, status, body"

    public init(row: Row) throws {
        self.init(id: row[0], runId: row[1], sequence: row[2], firstSeenAt: row[3], lastSeenAt: row[4], timesSeen: row[5],
                  httpStatus: row[6], status: row[7], body: row[8])
    }
}

/// A row of `status_change`: the run's status changed to `status` at `at` (epoch ms, when known).
///
/// The run's life as the client saw it; the time between a WAITING change and the next change is
/// time spent waiting for a human or a WAIT step. For imported bodies the instant is known only
/// where the body gives it (its start, or its end), and is `nil` otherwise.
public struct StatusChangeRecord: Sendable, Hashable {
    public var id: Int64?
    public var runId: Int64
    public var status: RunStatus
    public var at: Int64?

    public init(id: Int64? = nil, runId: Int64, status: RunStatus, at: Int64?) {
        self.id = id
        self.runId = runId
        self.status = status
        self.at = at
    }
}

extension StatusChangeRecord: FetchableRecord {
    static let selection = "id, runId, status, at"

    public init(row: Row) throws {
        self.init(id: row[0], runId: row[1], status: RunStatus(row[2] as String), at: row[3])
    }
}
