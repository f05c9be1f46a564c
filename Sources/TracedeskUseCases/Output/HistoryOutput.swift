import Foundation
import TracedeskHistory

/// What `tracedesk history --json` prints (docs/json.md).
public struct HistoryOutput: Sendable, Encodable {
    public struct TableSize: Sendable, Encodable {
        public var name: String
        public var bytes: Int64
    }

    public var path: String
    public var fileBytes: Int64
    public var walBytes: Int64
    public var runs: Int
    public var bodies: Int
    public var steps: Int
    public var comparisons: Int
    public var oldestRun: Int64?
    public var newestRun: Int64?
    public var schemaVersion: Int
    public var pageSize: Int
    public var tables: [TableSize]

    public init(_ statistics: HistoryStatistics) {
        path = statistics.path
        fileBytes = statistics.fileBytes
        walBytes = statistics.walBytes
        runs = statistics.runs
        bodies = statistics.bodies
        steps = statistics.steps
        comparisons = statistics.comparisons
        oldestRun = statistics.oldestRun
        newestRun = statistics.newestRun
        schemaVersion = statistics.schemaVersion
        pageSize = statistics.pageSize
        tables = statistics.bytesByTable.map { TableSize(name: $0.name, bytes: $0.bytes) }
    }
}
