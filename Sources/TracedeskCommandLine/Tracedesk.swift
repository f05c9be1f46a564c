import ArgumentParser
import Foundation
import TracedeskModel
import TracedeskUseCases
#if canImport(Glibc)
import Glibc
#endif

/// The `tracedesk` command: debug Oracle Fusion AI agent teams from the terminal.
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
            8 the output could not be written; 10 a comparison could not be graded; 130 interrupted (Ctrl-C).

            'tracedesk --version' prints the version.
            """,
        subcommands: [InvokeCommand.self, PollCommand.self, ResumeCommand.self, ImportCommand.self, RunsCommand.self,
                      ShowCommand.self, ReportCommand.self, CompareCommand.self, DiffCommand.self, ReplayCommand.self, DemoCommand.self,
                      ExportCommand.self, ServeCommand.self, PruneCommand.self, HistoryCommand.self, AuthCommand.self, SimulatorCommand.self]
    )
}

/// A subcommand: its arguments parsed into a use case, run in a `CommandContext`.
protocol TracedeskCommand: AsyncParsableCommand {
    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome
}

extension TracedeskCommand {
    func run() async throws {
        let outcome = try await run(in: .process())
        if outcome != .success { throw ExitCode(outcome.rawValue) }
    }
}

/// The command line as a library: `main()` for the binary, `run(_:in:)` for tests.
public enum TracedeskCommandLine {
    /// Runs the process's arguments and exits with the code the command ends with.
    ///
    /// Ctrl-C cancels the command (which records what it has and says how to pick up what it
    /// left), and a second Ctrl-C stops the process at once.
    public static func main() async -> Never {
        let context = CommandContext.process()
        let task = Task { await run(Array(CommandLine.arguments.dropFirst()), in: context) }
        signal(SIGINT, SIG_IGN)
        let interrupts = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let count = InterruptCount()
        interrupts.setEventHandler {
            if count.next() > 1 { exit(ExitStatus.interrupted) }
            task.cancel()
        }
        interrupts.resume()
        let code = await task.value
        exit(code)
    }

    /// Parses `arguments` (without the program's name), runs the command in `context`, and
    /// returns its exit code; every error is one line on the context's standard error.
    public static func run(_ arguments: [String], in context: CommandContext) async -> Int32 {
        do {
            // `tracedesk --version` is read here: argument-parser's version flag (or any option of
            // the root command) is accepted after every subcommand too, and would take
            // `invoke --version N`, the team's version.
            if arguments == ["--version"] {
                try context.output.write(TracedeskVersion.current + "\n")
                return ExitStatus.success
            }
            if let unknown = CommandNames.unknownCommand(in: arguments) { throw unknown }
            var command = try Tracedesk.parseAsRoot(arguments)
            if let command = command as? any TracedeskCommand {
                return try await command.run(in: context).rawValue
            }
            // A group without a subcommand (`tracedesk`, `tracedesk auth`) or help.
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return ExitStatus.success
        } catch {
            return ExitStatus.report(error, arguments: arguments, in: context)
        }
    }
}

/// Counts Ctrl-C presses.
private final class InterruptCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }
}
