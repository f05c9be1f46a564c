import Foundation
import FusionSimulator
import Logging
import TracedeskModel

/// `tracedesk simulator`: a simulated Fusion pod and identity domain on this machine, until Ctrl-C.
public struct RunSimulator: Sendable {
    public var host: String
    public var port: Int
    /// The folder of scenario files (default: the built-in scenarios).
    public var scenarios: String?
    public var speed: Double
    /// The seed of job ids, tokens and codes (default: random).
    public var seed: UInt64?
    public var tokenLifetime: Int
    public var verbose: Bool
    /// `--replay RUN|FILE|DIR…`: recorded runs played as the teams, instead of the scenarios.
    public var replay: [String] = []
    /// The history `--replay` names runs of.
    public var history = HistoryLocation()

    public init(host: String, port: Int, scenarios: String?, speed: Double, seed: UInt64?, tokenLifetime: Int, verbose: Bool) {
        self.host = host
        self.port = port
        self.scenarios = scenarios
        self.speed = speed
        self.seed = seed
        self.tokenLifetime = tokenLifetime
        self.verbose = verbose
    }

    public func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let source = replay.isEmpty ? try ScenarioSource(scenarios, in: context)
            : try ScenarioSource.recorded(replay, history: history, in: context)
        let library = try source.load()
        var logger = Logger(label: "fusion-simulator")
        logger.logLevel = verbose ? .info : .warning
        let pod = SimulatedPod(library: library, configuration: .demo(tokenLifetime: tokenLifetime, seed: seed ?? UInt64.random(in: 1...UInt64.max)),
                               runClock: ScaledClock(speed: speed), logger: logger)
        let host = self.host
        let speed = self.speed
        let output = context.output
        // The HTTP server's own log says, at error level, that Ctrl-C closed its connections:
        // only --verbose shows it. The pod's log (faults, refusals) stays at warnings.
        var serverLogger = Logger(label: "fusion-simulator")
        serverLogger.logLevel = verbose ? .info : .critical
        let app = PodRouter.application(pod: pod, host: host, port: port, logger: serverLogger) { port in
            try? output.write(SimulatorBanner.text(host: host, port: port, teams: library.teams.keys.sorted(),
                                                   from: source.description, speed: speed))
        }
        do {
            try await app.runService()
        } catch {
            // Ctrl-C cancels the command: the server has stopped, as asked.
            if Task.isCancelled { return .success }
            throw SimulatorStartFailure.describe(error, host: host, port: port)
        }
        return .success
    }
}

/// What `tracedesk simulator` prints when it is ready: where, which teams, and how to get a token.
enum SimulatorBanner {
    static func text(host: String, port: Int, teams: [String], from source: String, speed: Double) -> String {
        let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        return """
            Simulated Fusion pod listening on \(url) (speed \(speed.formatted())x, \(source))
            Teams: \(teams.joined(separator: ", "))

            Demo credentials: client \(DemoCredentials.clientId) / \(DemoCredentials.clientSecret), \
            user \(DemoCredentials.user) / \(DemoCredentials.password)
            Get a token:
              curl -s -u \(DemoCredentials.clientId):\(DemoCredentials.clientSecret) \(url)/oauth2/v1/token \\
                -d grant_type=client_credentials -d scope=\(DemoCredentials.scope)
            Point tracedesk at it:
              export TRACEDESK_POD=\(url) TRACEDESK_TOKEN_URL=\(url)/oauth2/v1/token \\
                TRACEDESK_CLIENT_ID=\(DemoCredentials.clientId) TRACEDESK_CLIENT_SECRET=\(DemoCredentials.clientSecret)
              tracedesk invoke XX_WORKER_CARD "Show my worker card"
            Invoke a team with curl:
              curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
                \(url)/api/fusion-ai/orchestrator/agent/v1/PRODUCT_COMPARISON_ADVISOR_COE/invokeAsync \\
                -d '{"message": "Compare M1000034 of org IMO and M1000040 of Org SBI", "conversational": true, "conversationId": null, "status": "PUBLISHED", "invocationMode": "ADMIN"}'
            Press Ctrl-C to stop.

            """
    }
}

/// Why a server (the simulator, serve) did not start, in words: a port in use is the usual reason.
public enum SimulatorStartFailure {
    public static func describe(_ error: any Error, host: String, port: Int) -> TracedeskError {
        if let error = error as? TracedeskError { return error }
        let text = String(describing: error)
        if text.contains("Address already in use") || text.contains("EADDRINUSE") || text.contains("errno: 98") {
            return TracedeskError(.podUnavailable, "cannot listen on \(host):\(port): the port is in use; pick another with --port (0 picks a free one)")
        }
        if text.contains("Cannot assign requested address") || text.contains("errno: 99") {
            return TracedeskError(.podUnavailable, "cannot listen on \(host):\(port): this machine has no such address; try --host 127.0.0.1")
        }
        return TracedeskError(.podUnavailable, "cannot listen on \(host):\(port): \(text.split(whereSeparator: \.isNewline).first ?? "")")
    }
}
