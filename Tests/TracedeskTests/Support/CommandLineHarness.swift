import Foundation
import FusionSimulator
import InProcessPod
import TracedeskClient
import TracedeskCommandLine
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

/// Runs `tracedesk` commands in this process, as a user would type them, on a temporary history:
/// the arguments are parsed, the command runs in a `CommandContext` whose standard output and
/// error are captured, and the exit code is what the binary would exit with.
///
/// With a `pod`, every pod and token call goes to the in-process simulator on a clock that moves
/// only when the poll loop waits, so runs of minutes take milliseconds and their figures are exact.
struct CommandLineHarness: Sendable {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let repository = Fixtures.repository

    /// The history the commands use through `$TRACEDESK_DB`.
    var database: String
    /// Added to (or replacing) the base environment.
    var environment: [String: String] = [:]
    var pod: InProcessPodTransport?
    var currentDirectory: URL = Self.repository
    var errorsAreTerminal = false

    init(database: String, pod: InProcessPodTransport? = nil) {
        self.database = database
        self.pod = pod
        if pod != nil {
            environment = [
                "TRACEDESK_POD": SimulatorTransport.pod.absoluteString,
                "TRACEDESK_TOKEN_URL": SimulatorTransport.tokenURL.absoluteString,
                "TRACEDESK_CLIENT_ID": DemoCredentials.clientId,
                "TRACEDESK_CLIENT_SECRET": DemoCredentials.clientSecret,
            ]
        }
    }

    /// A harness on a new temporary folder, with an in-process pod on the sample scenarios.
    /// `faults` replaces the scripted faults of the teams it names (a hostile pod).
    static func withPod(in folder: URL, seed: UInt64 = UInt64.random(in: 1...1_000_000),
                        faults: [String: [FaultRule]] = [:]) throws -> CommandLineHarness {
        var library = try ScenarioLibrary.load(directory: SimulatorTransport.scenarios)
        if !faults.isEmpty {
            library = try ScenarioLibrary(teams: library.teams.values.map { team in
                var changed = team
                if let rules = faults[team.team] { changed.faults = rules }
                return changed
            })
        }
        var harness = CommandLineHarness(database: folder.appendingPathComponent("history.sqlite").path,
                                         pod: InProcessPodTransport(library: library, seed: seed))
        harness.environment["XDG_CACHE_HOME"] = folder.appendingPathComponent("cache").path
        return harness
    }

    /// The context the commands run in.
    func context(stdin: String? = nil) -> (CommandContext, CapturedText, CapturedText) {
        var environment = ["TRACEDESK_DB": database, "HOME": FileManager.default.temporaryDirectory.path]
        for (key, value) in self.environment { environment[key] = value }
        let (output, stdout) = TextOutput.capturing(name: "standard output")
        let (errors, stderr) = TextOutput.capturing(name: "standard error", isTerminal: errorsAreTerminal)
        let input = stdin
        var context = CommandContext(
            environment: environment, output: output, errors: errors, currentDirectory: currentDirectory,
            timeZone: TimeZone(identifier: "UTC")!,
            standardInput: {
                let pipe = Pipe()
                if let input {
                    pipe.fileHandleForWriting.write(Data(input.utf8))
                }
                try? pipe.fileHandleForWriting.close()
                return pipe.fileHandleForReading
            })
        if let pod {
            context.transports = .fixed(pod)
            context.clock = pod.clock()
        } else {
            context.transports = TransportFactory { _, _ throws(TracedeskError) in
                throw TracedeskError(.podUnavailable, "this test has no pod")
            }
        }
        return (context, stdout, stderr)
    }

    /// Runs `tracedesk ARGUMENTS`.
    func run(_ arguments: [String], stdin: String? = nil) async -> Result {
        let (context, stdout, stderr) = context(stdin: stdin)
        let status = await TracedeskCommandLine.run(arguments, in: context)
        return Result(status: status, stdout: stdout.text, stderr: stderr.text)
    }
}
