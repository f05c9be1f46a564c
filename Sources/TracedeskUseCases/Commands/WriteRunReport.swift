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

    public init(history: HistoryLocation, run: String, output: String?, templatesFolder: String?, bodies: EmbeddedBodies = .all) {
        self.history = history
        self.run = run
        self.output = output
        self.templatesFolder = templatesFolder
        self.bodies = bodies
    }

    public func run(in context: CommandContext) throws(TracedeskError) -> CommandOutcome {
        let templates = try ReportTemplates.load(folder: templatesFolder.map(context.absolutePath))
        let store = try history.openForReading(in: context)
        let record = try store.run(run)
        if output == "-" {
            try context.output.writeData(try RunReport(of: record, from: store, bodies: bodies).html(templates: templates))
            return .success
        }
        let path = try ReportFile.writeRunReport(of: record, from: store,
                                                 to: context.absolutePath(output ?? RunReport.defaultFileName(for: record)),
                                                 templates: templates, bodies: bodies)
        try context.output.write("Wrote the report of \(record.jobId) (\(record.teamCode ?? "?"), \(record.status)) to \(path)\n")
        return .success
    }
}
