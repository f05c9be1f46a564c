import Foundation
import TracedeskHistory
import TracedeskModel

/// `tracedesk history`: where the history is, how large, what it holds; `--vacuum` compacts it.
public struct DescribeHistory: Sendable {
    public var history: HistoryLocation
    public var vacuum: Bool
    public var json: Bool

    public init(history: HistoryLocation, vacuum: Bool, json: Bool) {
        self.history = history
        self.vacuum = vacuum
        self.json = json
    }

    public func run(in context: CommandContext) throws(TracedeskError) -> CommandOutcome {
        let store = vacuum ? try history.openExistingForWriting(in: context) : try history.openForReading(in: context)
        var before: Int64?
        if vacuum {
            let statistics = try store.statistics()
            before = statistics.fileBytes + statistics.walBytes
            try store.vacuum()
        }
        let statistics = try store.statistics()
        if json {
            try context.writeJSON(HistoryOutput(statistics))
            return .success
        }
        let format = TextFormat(timeZone: context.timeZone)
        var lines = [
            "History       \(statistics.path)",
            "Size          \(TextFormat.bytes(statistics.fileBytes + statistics.walBytes))"
                + (statistics.walBytes > 0 ? " (of which write-ahead log \(TextFormat.bytes(statistics.walBytes)))" : ""),
            "Runs          \(TextFormat.count(Int64(statistics.runs)))",
            "Bodies        \(TextFormat.count(Int64(statistics.bodies)))",
            "Steps         \(TextFormat.count(Int64(statistics.steps)))",
            "Comparisons   \(TextFormat.count(Int64(statistics.comparisons)))",
            "Oldest run    \(format.instant(statistics.oldestRun))",
            "Newest run    \(format.instant(statistics.newestRun))",
            "Schema        version \(statistics.schemaVersion), pages of \(statistics.pageSize / 1024) KiB",
        ]
        if let before {
            lines.append("Vacuumed      \(TextFormat.bytes(before)) → \(TextFormat.bytes(statistics.fileBytes + statistics.walBytes))")
        }
        if !statistics.bytesByTable.isEmpty {
            lines.append("")
            var table = TextTable(columns: [.init("TABLE OR INDEX"), .init("SIZE", alignRight: true)])
            for (name, bytes) in statistics.bytesByTable.prefix(12) { table.add([name, TextFormat.bytes(bytes)]) }
            lines += table.lines()
        }
        try context.output.write(lines.joined(separator: "\n") + "\n")
        return .success
    }
}
