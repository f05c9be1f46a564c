import ArgumentParser
import Foundation
import FusionSimulator
import Logging
import TracedeskCore

/// `tracedesk simulator`: a simulated Fusion pod and identity domain on this machine.
struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "Run a simulated Fusion pod (token endpoint, invokeAsync, status) for tests and demos.",
        discussion: """
            The teams come from scenario files (samples/scenarios/ by default). Faults on demand: \
            send the header 'X-Simulator-Fault: 429;retry-after=2' (or status;code=503, drop, \
            slow;delay-ms=3000, malformed, html, expire-token) or the query item simulatorFault=...

            Example:
              tracedesk simulator --port 8765 --speed 5
            """
    )

    @Option(help: "The address to listen on (loopback by default).")
    var host = "127.0.0.1"

    @Option(help: "The port (0 picks a free one).")
    var port = 8765

    @Option(help: ArgumentHelp("The folder of scenario files.", valueName: "dir"), completion: .directory)
    var scenarios: String?

    @Option(help: "How much faster than real time runs advance.")
    var speed: Double = 1

    @Option(help: "The seed of job ids, tokens and codes: the same seed gives the same runs (default: random, so that runs of two sessions never share a jobId).")
    var seed: UInt64?

    @Option(help: ArgumentHelp("Access token lifetime in seconds.", valueName: "seconds"))
    var tokenLifetime = 3600

    @Flag(help: "Log every request and fault.")
    var verbose = false

    func validate() throws {
        guard speed > 0, speed <= 10_000 else { throw ValidationError("--speed takes a number above 0 (at most 10000)") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port takes 0 to 65535") }
        guard tokenLifetime > 0 else { throw ValidationError("--token-lifetime takes a positive number of seconds") }
    }

    func run() async throws {
        let folder = try ScenarioFolder.locate(scenarios)
        let library: ScenarioLibrary
        do {
            library = try ScenarioLibrary.load(directory: folder)
        } catch {
            throw TracedeskError.badInput("scenario \(error.description)")
        }
        var logger = Logger(label: "fusion-simulator")
        logger.logLevel = verbose ? .info : .warning
        let pod = SimulatedPod(library: library, configuration: .demo(tokenLifetime: tokenLifetime, seed: seed ?? UInt64.random(in: 1...UInt64.max)),
                               runClock: ScaledClock(speed: speed), logger: logger)
        let host = self.host
        let speed = self.speed
        let app = PodRouter.application(pod: pod, host: host, port: port, logger: logger) { port in
            Terminal.write(SimulatorBanner.text(host: host, port: port, teams: library.teams.keys.sorted(),
                                                folder: folder.path, speed: speed))
        }
        try await app.runService()
    }
}

/// What `tracedesk simulator` prints when it is ready: where, which teams, and how to get a token.
enum SimulatorBanner {
    static func text(host: String, port: Int, teams: [String], folder: String, speed: Double) -> String {
        let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        return """
            Simulated Fusion pod listening on \(url) (speed \(speed.formatted())x, scenarios from \(folder))
            Teams: \(teams.joined(separator: ", "))

            Demo credentials: client \(DemoCredentials.clientId) / \(DemoCredentials.clientSecret), \
            user \(DemoCredentials.user) / \(DemoCredentials.password)
            Get a token:
              curl -s -u \(DemoCredentials.clientId):\(DemoCredentials.clientSecret) \(url)/oauth2/v1/token \\
                -d grant_type=client_credentials -d scope=\(DemoCredentials.scope)
            Invoke a team:
              curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
                \(url)/api/fusion-ai/orchestrator/agent/v1/PRODUCT_COMPARISON_ADVISOR_COE/invokeAsync \\
                -d '{"message": "Compare M1000034 of org IMO and M1000040 of Org SBI", "conversational": true, "conversationId": null, "status": "PUBLISHED", "invocationMode": "ADMIN"}'
            Press Ctrl-C to stop.

            """
    }
}

/// Where the scenario files are: `--scenarios`, else `samples/scenarios` under the current folder,
/// else the one in the source tree this binary was built from.
enum ScenarioFolder {
    static func locate(_ given: String?) throws -> URL {
        if let given {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: given, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw TracedeskError.badInput("--scenarios \(given): no such folder")
            }
            return URL(fileURLWithPath: given)
        }
        let candidates = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("samples/scenarios"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("samples/scenarios"),
        ]
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw TracedeskError.badInput("no scenario folder found: pass --scenarios DIR (samples/scenarios in the source tree)")
        }
        return found
    }
}
