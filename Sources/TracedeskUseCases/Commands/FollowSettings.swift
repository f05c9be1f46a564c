import Foundation
import TracedeskClient
import TracedeskDocuments
import TracedeskModel

/// How `invoke`, `poll` and `resume` follow a run: when to stop, and what to print.
public struct FollowSettings: Sendable {
    /// Stop following after this long (exit 3; the job goes on).
    public var timeout: Duration?
    /// Stop when the run waits for a person (exit 3; answer later with `resume`).
    public var stopOnWaiting: Bool
    public var json: Bool
    public var quiet: Bool
    /// Also write the run's report here when following ends.
    public var reportPath: String?
    /// `--templates DIR`: report templates read from a folder.
    public var templatesFolder: String?
    /// `--report-bodies`: which status bodies the report embeds.
    public var reportBodies: EmbeddedBodies = .all
    /// `--otlp`: export the run when it ends.
    public var export: LiveExport?
    /// `--redact`: the rules the report and the export are redacted by.
    public var redaction: RedactionRules?

    public init(timeout: Duration? = nil, stopOnWaiting: Bool = false, json: Bool = false, quiet: Bool = false,
                reportPath: String? = nil, templatesFolder: String? = nil, export: LiveExport? = nil) {
        self.timeout = timeout
        self.stopOnWaiting = stopOnWaiting
        self.json = json
        self.quiet = quiet
        self.reportPath = reportPath
        self.templatesFolder = templatesFolder
        self.export = export
    }

    /// The poll loop's options.
    func pollerOptions(mode: InvokeRequest.InvocationMode = .admin, expected: ExpectedDuration? = nil) -> Poller.Options {
        Poller.Options(timeout: timeout, stopOnWaiting: stopOnWaiting, expectedDuration: expected, mode: mode)
    }

    /// The follower's options, with the templates read and the report's folder checked now,
    /// so that a wrong path does not surface after a long run (or after a job was started).
    func followOptions(in context: CommandContext) throws(TracedeskError) -> FollowRun.Options {
        let templates = try ReportTemplates.load(folder: templatesFolder.map(context.absolutePath))
        if let reportPath { try ReportFile.checkedLocation(context.absolutePath(reportPath), acceptsFolder: true) }
        if let export { _ = try export.destination(in: context) }
        var export = export
        export?.redaction = redaction
        var options = FollowRun.Options(json: json, quiet: quiet, reportPath: reportPath, templates: templates, export: export)
        options.reportBodies = reportBodies
        options.redactor = try redaction.map { rules throws(TracedeskError) in try Redactor(rules: rules) }
        return options
    }
}
