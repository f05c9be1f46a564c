import Foundation
import TracedeskModel
import GRDB

/// A row of `snapshot`: one distinct status body of a run, verbatim, with when it was seen.
///
/// A body identical to the run's previous one is not stored again: its `timesSeen` grows and its
/// `lastSeenAt` moves. `sequence` counts a run's distinct bodies from 1 in the order received.
public struct SnapshotRecord: Sendable, Hashable, Codable {
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
}

extension SnapshotRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "snapshot"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `status_change`: the run's status changed to `status` at `at` (epoch ms, when known).
///
/// The run's life as the client saw it; the time between a WAITING change and the next change is
/// time spent waiting for a human or a WAIT step. For imported bodies the instant is known only
/// where the body gives it (its start, or its end), and is `nil` otherwise.
public struct StatusChangeRecord: Sendable, Hashable, Codable {
    public var id: Int64?
    public var runId: Int64
    public var status: String
    public var at: Int64?
}

extension StatusChangeRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "status_change"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
