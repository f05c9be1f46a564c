import Foundation
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// `tracedesk report RUN`: a run's self-contained HTML report, to a file or standard output.
public struct WriteRunReport: Sendable {
    public var history: HistoryLocation
    public var run: String
    /// The file to write, `-` for standard output, or `nil` for `TEAM-JOBID.html` here.
    public var output: String?
    public var templatesFolder: String?
    /// Which status bodies the report embeds.
    public var bodies: EmbeddedBodies
    /// The rules to redact the report by, or `nil` to write it as recorded.
    public var redaction: RedactionRules?

    public init(history: HistoryLocation, run: String, output: String?, templatesFolder: String?, bodies: EmbeddedBodies = .all,
                redaction: RedactionRules? = nil) {
        self.history = history
        self.redaction = redaction
        self.run = run
        self.output = output
        self.templatesFolder = templatesFolder
        self.bodies = bodies
    }

    public func run(in context: CommandContext) throws(TracedeskError) -> CommandOutcome {
        let templates = try ReportTemplates.load(folder: templatesFolder.map(context.absolutePath))
        // Rules that do not compile end the command before anything is read or written.
        let redactor = try redaction.map { rules throws(TracedeskError) in try Redactor(rules: rules) }
        let store = try history.openForReading(in: context)
        let record = try store.run(run)
        if output == "-" {
            var report = try RunReport(of: record, from: store, bodies: bodies)
            if let redactor { report = report.redacted(by: redactor) }
            try context.output.writeData(try report.htmlBytes(templates: templates))
            return .success
        }
        let path = try ReportFile.writeRunReport(of: record, from: store,
                                                 to: context.absolutePath(output ?? RunReport.defaultFileName(for: record)),
                                                 templates: templates, bodies: bodies, redactor: redactor)
        let redacted = redactor == nil ? "" : ", redacted"
        try context.output.write("Wrote the report of \(record.jobId) (\(record.teamCode ?? "?"), \(record.status)\(redacted)) to \(path)\n")
        return .success
    }
}
