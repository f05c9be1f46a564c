import ArgumentParser
import Foundation
import TracedeskModel
import TracedeskUseCases

/// `tracedesk simulator`: a simulated Fusion pod and identity domain on this machine.
struct SimulatorCommand: TracedeskCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "Run a simulated Fusion pod (token endpoint, invokeAsync, status) for tests and demos.",
        discussion: """
            The teams come from the built-in scenarios (a copy of samples/scenarios/ compiled in), or \
            the scenario files of --scenarios DIR. Faults on demand: \
            send the header 'X-Simulator-Fault: 429;retry-after=2' (or status;code=503, drop, \
            slow;delay-ms=3000, malformed, html, expire-token) or the query item simulatorFault=...

            --replay plays recorded runs instead: each becomes a version of its team that takes \
            the recorded steps, times (scaled by --speed), models, tokens, inputs and outputs, \
            and ends as the run ended, so a real session runs anywhere without the pod.

            Examples:
              tracedesk simulator --port 8765 --speed 5
              tracedesk simulator --replay last --replay recordings/
            """
    )

    @Option(help: "The address to listen on (loopback by default).")
    var host = "127.0.0.1"

    @Option(parsing: .unconditional, help: "The port (0 picks a free one).")
    var port = 8765

    @Option(help: ArgumentHelp("The folder of scenario files (default: the built-in scenarios).", valueName: "dir"), completion: .directory)
    var scenarios: String?

    @Option(parsing: .unconditional, help: "How much faster than real time runs advance.")
    var speed: Double = 1

    @Option(parsing: .unconditional, help: "The seed of job ids, tokens and codes: the same seed gives the same runs (default: random, so that runs of two sessions never share a jobId).")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: ArgumentHelp("Access token lifetime in seconds.", valueName: "seconds"))
    var tokenLifetime = 3600

    @Flag(help: "Log every request and fault.")
    var verbose = false

    @Option(name: .customLong("replay"), help: ArgumentHelp(
        "Play recorded runs as the teams: a run of the history (jobId, prefix, last), or a file or folder of captures (--record files, bodies, reports); repeatable.",
        valueName: "run|file|dir"), completion: .custom(HistoryOptions.completeRun))
    var replay: [String] = []

    @OptionGroup var history: HistoryOptions

    func validate() throws {
        if !replay.isEmpty && scenarios != nil { throw ValidationError("--replay and --scenarios choose the teams two ways: give one of them") }
        guard speed > 0, speed <= 10_000 else { throw ValidationError("--speed takes a number above 0 (at most 10000)") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port takes 0 to 65535") }
        guard (1...31_536_000).contains(tokenLifetime) else { throw ValidationError("--token-lifetime takes 1 to 31536000 seconds (a year)") }
    }

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        var simulator = RunSimulator(host: host, port: port, scenarios: scenarios, speed: speed, seed: seed, tokenLifetime: tokenLifetime,
                                     verbose: verbose)
        simulator.replay = replay
        simulator.history = history.location
        return try await simulator.run(in: context)
    }
}
