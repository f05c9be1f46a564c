import ArgumentParser
import Foundation
import TracedeskCore

/// The `tracedesk` command: debug Oracle Fusion AI agent teams from the terminal.
@main
struct Tracedesk: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tracedesk",
        abstract: "Invoke, record and inspect Oracle Fusion AI Agent Studio team runs.",
        discussion: """
            Every status body Tracedesk receives or imports is kept, verbatim, in a local SQLite \
            history (--db, else $TRACEDESK_DB, else $XDG_DATA_HOME/tracedesk/history.sqlite).

            Exit codes: 0 done; 1 the run ended in ERROR; 2 bad usage or input; 3 timed out while \
            RUNNING or WAITING; 4 authentication refused; 5 the pod or the network failed; \
            6 the history database failed; 7 compare --fail-on regression found a regression; \
            130 interrupted (Ctrl-C).
            """,
        version: "0.1.0",
        subcommands: [InvokeCommand.self, PollCommand.self, ResumeCommand.self, ImportCommand.self, RunsCommand.self, ShowCommand.self, ReportCommand.self, CompareCommand.self, DiffCommand.self, DemoCommand.self, AuthCommand.self, SimulatorCommand.self]
    )

    /// Parses, runs, and turns every error into one line on stderr and a documented exit code.
    ///
    /// Replaces argument-parser's own `main()`, which exits 64 on usage errors and prints the
    /// whole usage text; DESIGN.md promises exit code 2 and one line.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(ExitStatus.success)
        } catch {
            Foundation.exit(ExitStatus.report(error))
        }
    }
}
