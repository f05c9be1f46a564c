import Foundation
import TracedeskHistory
import TracedeskModel

/// The table `tracedesk runs` prints: one line a run, newest first.
public struct RunTable: Sendable {
    public var format: TextFormat
    /// The terminal's width: the message column takes what the others leave. `nil` (output to a
    /// file or a pipe): messages are written whole, on one line.
    public var width: Int?

    public init(format: TextFormat = TextFormat(), width: Int? = nil) {
        self.format = format
        self.width = width
    }

    public func render(_ runs: [RunRecord]) -> String {
        var table = TextTable(columns: [
            .init("JOB"), .init("TEAM", maximumWidth: 34), .init("VERSION"), .init("STATUS"), .init("STARTED"),
            .init("TIME", alignRight: true), .init("TOKENS", alignRight: true), .init("NODES", alignRight: true), .init("MESSAGE"),
        ])
        for run in runs {
            let message = [run.label.map { "[\($0)]" }, run.message].compactMap { $0 }.joined(separator: " ")
            table.add([
                String(run.jobId.prefix(8)),
                run.teamCode ?? run.workflowCode ?? "?",
                Self.version(run),
                run.status.rawValue,
                format.shortInstant(run.startedAt ?? run.recordedAt),
                TextFormat.duration(run.timeTakenMs),
                run.tokens.map { TextFormat.count($0.total) } ?? "-",
                TextFormat.count(Int64(run.nodeCount)),
                TextFormat.oneLine(message),
            ])
        }
        return table.lines(width: width).joined(separator: "\n") + "\n"
    }

    /// `v13 PUBLISHED`, `v14 DRAFT`, `DRAFT`, or `-`.
    public static func version(_ run: RunRecord) -> String {
        let text = [run.version.map { "v\($0)" }, run.versionStatus].compactMap { $0 }.joined(separator: " ")
        return text.isEmpty ? "-" : text
    }
}
