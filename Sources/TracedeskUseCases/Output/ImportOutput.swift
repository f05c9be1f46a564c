import Foundation

/// What `tracedesk import --json` prints (docs/json.md).
public struct ImportOutput: Sendable, Encodable, Equatable {
    /// One run the import touched.
    public struct Run: Sendable, Encodable, Equatable {
        public var jobId: String
        public var team: String?
        public var status: String
        public var new: Bool
    }

    public var database: String
    public var bodiesRead: Int
    public var bodiesStored: Int
    public var bodiesAlreadyKnown: Int
    public var streamsRead: Int
    public var eventsStored: Int
    /// Streams skipped: of runs the history does not hold, with events that never said what run they are.
    public var streamsWithoutRun: Int
    public var runs: [Run]

    public init(summary: Importer.Summary, database: String) {
        self.database = database
        bodiesRead = summary.bodiesRead
        bodiesStored = summary.bodiesStored
        bodiesAlreadyKnown = summary.bodiesAlreadyKnown
        streamsRead = summary.streamsRead
        eventsStored = summary.eventsStored
        streamsWithoutRun = summary.streamsWithoutRun
        runs = summary.runs.map { Run(jobId: $0.jobId, team: $0.team, status: $0.status, new: $0.isNew) }
    }
}
