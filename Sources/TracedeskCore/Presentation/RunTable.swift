import Foundation

/// The table `tracedesk runs` prints: one line a run, newest first.
public struct RunTable: Sendable {
    public var format: TextFormat
    /// The terminal's width; the message column takes what the others leave.
    public var width: Int

    public init(format: TextFormat = TextFormat(), width: Int = 120) {
        self.format = format
        self.width = width
    }

    public func render(_ runs: [RunRecord]) -> String {
        if runs.isEmpty { return "No runs recorded yet.\n" }
        let headers = ["JOB", "TEAM", "VERSION", "STATUS", "STARTED", "TIME", "TOKENS", "NODES"]
        let rows: [[String]] = runs.map { run in
            [
                String(run.jobId.prefix(8)),
                run.teamCode ?? run.workflowCode ?? "?",
                Self.version(run),
                run.status,
                format.shortInstant(run.startedAt ?? run.recordedAt),
                TextFormat.duration(run.timeTakenMs),
                run.tokens.isZero ? "-" : TextFormat.count(run.tokens.total),
                String(run.nodeCount),
            ]
        }
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        widths[1] = min(widths[1], 34)
        let fixed = widths.reduce(0, +) + 2 * widths.count
        let messageWidth = max(12, width - fixed)
        let rightAligned: Set<Int> = [5, 6, 7]

        func line(_ cells: [String], message: String) -> String {
            let padded = cells.enumerated().map { TextFormat.cell($1, widths[$0], alignRight: rightAligned.contains($0)) }
            return (padded + [TextFormat.snippet(message, width: messageWidth)]).joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        var output = line(headers, message: "MESSAGE") + "\n"
        for (run, row) in zip(runs, rows) {
            let message = [run.label.map { "[\($0)]" }, run.message].compactMap { $0 }.joined(separator: " ")
            output += line(row, message: message) + "\n"
        }
        return output
    }

    /// `v13 PUBLISHED`, `v14 DRAFT`, `DRAFT`, or `-`.
    static func version(_ run: RunRecord) -> String {
        [run.version.map { "v\($0)" }, run.versionStatus].compactMap { $0 }.joined(separator: " ").ifEmpty("-")
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
