import ArgumentParser
import Foundation
import TracedeskCore

/// How `invoke`, `poll` and `resume` follow a run: when to stop, and what to print.
struct FollowOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Stop following after this many seconds (exit 3; the job goes on).", valueName: "seconds"))
    var timeout: Double?

    @Option(help: ArgumentHelp("On WAITING: wait (default) or stop (exit 3, answer later with resume).", valueName: "wait|stop"))
    var onWaiting = "wait"

    @Flag(help: "Print the recorded run as JSON (docs/json.md) instead of a summary.")
    var json = false

    @Flag(help: "No progress on stderr.")
    var quiet = false

    @Option(help: ArgumentHelp("Also write the run's HTML report to this file when following ends.", valueName: "file"))
    var report: String?

    @OptionGroup var reportOptions: ReportOptions

    func validate() throws {
        if let timeout, timeout <= 0 { throw ValidationError("--timeout takes a positive number of seconds") }
        if !["wait", "stop"].contains(onWaiting) { throw ValidationError("--on-waiting takes wait or stop, not '\(onWaiting)'") }
        if report == "-" { throw ValidationError("--report takes a file name; standard output carries the run's summary") }
    }

    /// The poll loop's options for these flags.
    func pollerOptions(mode: InvokeRequest.InvocationMode = .admin, expected: ExpectedDuration? = nil) -> Poller.Options {
        Poller.Options(timeout: timeout.map { .milliseconds(Int($0 * 1000)) }, stopOnWaiting: onWaiting == "stop",
                       expectedDuration: expected, mode: mode)
    }

    /// The follower for a job of `team`.
    func follower(team: String, jobId: String, poller: Poller, store: HistoryStore) -> RunFollower {
        RunFollower(team: team, jobId: jobId, poller: poller, store: store, json: json, quiet: quiet,
                    reportPath: report, templates: reportOptions.templates)
    }
}
