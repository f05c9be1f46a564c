import ArgumentParser
import Foundation
import TracedeskDocuments
import TracedeskModel
import TracedeskUseCases

/// How `invoke`, `poll` and `resume` follow a run: when to stop, and what to print.
struct FollowOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Stop following after this many seconds (exit 3; the job goes on).", valueName: "seconds"))
    var timeout: Double?

    @Option(help: ArgumentHelp("On WAITING: wait (default) or stop (exit 3, answer later with resume).", valueName: "wait|stop"))
    var onWaiting = "wait"

    @Flag(help: "Print the recorded run as JSON (docs/json.md) instead of a summary.")
    var json = false

    @Flag(help: "No progress on stderr.")
    var quiet = false

    @Option(help: ArgumentHelp("Also write the run's HTML report to this file when following ends.", valueName: "file"))
    var report: String?

    @Option(help: ArgumentHelp("The status bodies --report embeds: all, changed (where the status changed, and the last) or last.",
                               valueName: "which"), completion: HistoryOptions.bodiesCompletion)
    var reportBodies: String = "all"

    @OptionGroup var reportOptions: ReportOptions
    @OptionGroup var exportOptions: LiveExportOptions
    @OptionGroup var redaction: RedactionOptions

    func validate() throws {
        if let timeout, !(timeout > 0 && timeout <= 31_536_000) {
            throw ValidationError("--timeout takes a number of seconds above 0 (at most a year), not \(timeout)")
        }
        if !["wait", "stop"].contains(onWaiting) { throw ValidationError("--on-waiting takes wait or stop, not '\(onWaiting)'") }
        if report == "-" { throw ValidationError("--report takes a file name; standard output carries the run's summary") }
        if EmbeddedBodies(rawValue: reportBodies) == nil {
            throw ValidationError("--report-bodies takes all, changed or last, not '\(reportBodies)'")
        }
    }

    /// `settings` with the redaction rules `--redact` asks for (read from the configuration of `profile`).
    func settings(profile: String?, in context: CommandContext) throws(TracedeskError) -> FollowSettings {
        var settings = settings
        settings.redaction = try redaction.rules(profile: profile, in: context)
        return settings
    }

    var settings: FollowSettings {
        var settings = FollowSettings(timeout: timeout.map { .milliseconds(Int64(($0 * 1000).rounded())) }, stopOnWaiting: onWaiting == "stop",
                                      json: json, quiet: quiet, reportPath: report, templatesFolder: reportOptions.templates,
                                      export: exportOptions.export)
        settings.reportBodies = EmbeddedBodies(rawValue: reportBodies) ?? .all
        return settings
    }
}
