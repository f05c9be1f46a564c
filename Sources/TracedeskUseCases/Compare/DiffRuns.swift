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
    /// `--redact`: the rules the report is redacted by (the terminal and JSON output are not).
    public var redaction: RedactionRules?

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
        let redactor = try redaction.map { rules throws(TracedeskError) in try Redactor(rules: rules) }
        if redactor != nil, output == nil { throw .badInput("--redact redacts the report: give it with -o FILE") }
        let store = try history.openForReading(in: context)
        let now = context.clock.now()
        let a = try store.details(of: store.run(runA), now: now), b = try store.details(of: store.run(runB), now: now)
        let comparison = Comparison.of(a, b)
        if output == "-" {
            let shown = try redactor.map { redactor throws(TracedeskError) in try comparison.redacted(by: redactor, store: store) } ?? comparison
            try context.output.writeData(try ComparisonReport(comparison: shown, twoRuns: true).html(templates: templates))
            return .success
        }
        if let output {
            let written = try CompareOutput.write(comparison, to: context.absolutePath(output), store: store, templates: templates, twoRuns: true,
                                                  redactor: redactor)
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
