import Foundation
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// `tracedesk diff RUN_A RUN_B`: two recorded runs compared, in the terminal, as JSON, or as a report.
public struct DiffRuns: Sendable {
    public var history: HistoryLocation
    public var runA: String
    public var runB: String
    /// Write the report here (`-` for standard output).
    public var output: String?
    public var templatesFolder: String?
    public var json: Bool

    public init(history: HistoryLocation, runA: String, runB: String, output: String?, templatesFolder: String?, json: Bool) {
        self.history = history
        self.runA = runA
        self.runB = runB
        self.output = output
        self.templatesFolder = templatesFolder
        self.json = json
    }

    public func run(in context: CommandContext) throws(TracedeskError) -> CommandOutcome {
        let templates = try ReportTemplates.load(folder: templatesFolder.map(context.absolutePath))
        let store = try history.openForReading(in: context)
        let now = context.clock.now()
        let a = try store.details(of: store.run(runA), now: now), b = try store.details(of: store.run(runB), now: now)
        let comparison = Comparison.of(a, b)
        if output == "-" {
            try context.output.writeData(try ComparisonReport(comparison: comparison, twoRuns: true).html(templates: templates))
            return .success
        }
        if let output {
            let written = try CompareOutput.write(comparison, to: context.absolutePath(output), store: store, templates: templates, twoRuns: true)
            try context.note(written.note)
        }
        let diff = comparison.prompts[0].diff
        if json {
            try context.writeJSON(diff)
        } else {
            let note = Comparison.differentPrompts(a.run, b.run).map { "Note: \($0)\n" } ?? ""
            try context.output.write(note + (diff.map { $0.summaryLines.joined(separator: "\n") + "\n" } ?? ""))
        }
        return .success
    }
}
