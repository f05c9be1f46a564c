import Foundation
import FusionSimulator
import InProcessPod
import TracedeskClient
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

// Benchmarks of Tracedesk: `swift run -c release tracedesk-bench [polling|report|ingest|history|serve|stream]`.
//
// polling: how many status requests a run costs, and how late its COMPLETE is noticed, for
// fixed 1-second polling, plain backoff, and Tracedesk's schedule informed by history. Runs
// are simulated in virtual time (the in-process pod and a clock that moves when the poller
// sleeps), so thirty 60-second runs take milliseconds and every figure is exact and repeatable.

struct PollingStrategy {
    var name: String
    var interval: AdaptiveInterval
    var usesHistory: Bool
}

struct RunMeasure {
    var requests: Int
    var delayMs: Int64
}

func measure(strategy: PollingStrategy, lengthMs: Int, runs: Int) async throws -> [RunMeasure] {
    var random = SeededGenerator(seed: UInt64(lengthMs))
    let store = try HistoryStore.inMemory()
    var results: [RunMeasure] = []
    for index in 0..<runs {
        let jitter = Double.random(in: 0.85...1.15, using: &random)
        let phase = Int.random(in: 100...1100, using: &random)
        let team = try JSONDecoder().decode(TeamScenario.self, from: Data("""
            {"team": "BENCH", "versions": [{"version": 1, "status": "PUBLISHED", "startDelayMs": \(phase),
             "steps": [{"code": "WORK", "type": "LLM", "durationMs": \(Int(Double(lengthMs) * jitter))}], "output": "done"}]}
            """.utf8))
        // A seed per run: a pod seeded alike would hand every run the same jobId.
        let transport = InProcessPodTransport(library: try ScenarioLibrary(teams: [team]), seed: UInt64(lengthMs * 100 + index + 1))
        let clock = transport.clock()
        let tokens = StaticTokenProvider(try await bearer(transport))
        let client = AgentClient(pod: URL(string: "https://pod.example.com")!, team: "BENCH", transport: transport, tokens: tokens, clock: clock)
        let expected = strategy.usesHistory ? try store.expectedDuration(team: "BENCH", versionStatus: "PUBLISHED") : nil
        let follower = JobFollower(client: client, store: store, context: RecordingContext(teamCode: "BENCH", source: .invoke),
                                   options: .init(interval: strategy.interval, expectedDuration: expected), clock: clock)
        let first = try await follower.start(InvokeRequest(message: "benchmark"))
        let before = transport.requests.count
        _ = try await follower.follow(jobId: first.body.jobId, after: first)
        let requests = transport.requests.count - before
        let ended = try store.run(first.body.jobId).endedAt ?? 0
        results.append(RunMeasure(requests: requests, delayMs: transport.runClock.now() - ended))
    }
    return results
}

func bearer(_ transport: InProcessPodTransport) async throws -> String {
    let basic = "Basic " + Data("\(DemoCredentials.clientId):\(DemoCredentials.clientSecret)".utf8).base64EncodedString()
    let answer = await transport.pod.token(form: ["grant_type": "client_credentials"], authorization: basic)
    guard let token = JSONValue(parsing: Data(answer.body.utf8))?["access_token"]?.stringValue else {
        throw TracedeskError(.authenticationRefused, "the simulated identity domain gave no token")
    }
    return token
}

func percentile(_ values: [Int64], _ fraction: Double) -> Int64 {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
}

func seconds(_ milliseconds: Int64) -> String { String(format: "%.2f s", Double(milliseconds) / 1000) }

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

func pollingBenchmark() async throws {
    let strategies = [
        PollingStrategy(name: "fixed 1 s", interval: AdaptiveInterval(minimum: .seconds(1), maximum: .seconds(1), waitingMaximum: .seconds(1), growth: 1), usesHistory: false),
        PollingStrategy(name: "backoff, no history", interval: AdaptiveInterval(), usesHistory: false),
        PollingStrategy(name: "Tracedesk, with history", interval: AdaptiveInterval(), usesHistory: true),
    ]
    let runs = 30
    print("Polling one run to COMPLETE: \(runs) runs per row, each ±15% around its length, start phase varied (virtual time)\n")
    print("length  strategy                  requests/run  vs fixed 1 s  noticed p50  noticed p95  target")
    for lengthMs in [10_000, 27_000, 60_000] {
        var baseline = 0.0
        for strategy in strategies {
            let results = try await measure(strategy: strategy, lengthMs: lengthMs, runs: runs)
            // The first history run has no history yet; the rows report the warm runs for that strategy.
            let counted = strategy.usesHistory ? Array(results.dropFirst()) : results
            let requests = Double(counted.map(\.requests).reduce(0, +)) / Double(counted.count)
            if baseline == 0 { baseline = requests }
            let p50 = percentile(counted.map(\.delayMs), 0.5)
            let p95 = percentile(counted.map(\.delayMs), 0.95)
            let ratio = requests / baseline
            let target = strategy.usesHistory ? (ratio <= 1.0 / 3.0 && p95 <= 1500 ? "met" : "MISSED") : ""
            let columns = [
                String(format: "%4d s", lengthMs / 1000),
                strategy.name.padding(toLength: 24, withPad: " ", startingAt: 0),
                String(format: "%12.1f", requests),
                String(format: "%11.0f%%", ratio * 100),
                seconds(p50).leftPadded(11),
                seconds(p95).leftPadded(11),
                target,
            ]
            print(columns.joined(separator: "  "))
        }
    }
    print("\nTarget (issue 5): at most a third of fixed 1-second polling's requests, COMPLETE noticed within 1.5 s (p95).")
}

let which = CommandLine.arguments.dropFirst().first ?? "polling"
do {
    switch which {
    case "polling":
        try await pollingBenchmark()
    case "report":
        try await reportBenchmark()
    case "ingest":
        try ingestBenchmark()
    case "history":
        try historyBenchmark()
    case "serve":
        try serveBenchmark()
    case "stream":
        try await streamBenchmark()
    case "heavy":
        try heavyRunBenchmark()
    case "report-loop":
        // report-loop [N]: record the large run, then only render its report N times (default 20),
        // for a profiler: `perf record -g tracedesk-bench report-loop`.
        // report-loop [N] [--redact]: the same through a redactor.
        let times = CommandLine.arguments.dropFirst(2).first.flatMap { Int($0) } ?? 20
        try await reportLoop(times: times, redacted: CommandLine.arguments.contains("--redact"))
    case "generate":
        // generate FILE [BODIES [NODES]]: the bodies of the ingest benchmark, to profile by hand.
        let arguments = Array(CommandLine.arguments.dropFirst(2))
        guard let path = arguments.first else { throw BenchmarkError("usage: tracedesk-bench generate FILE [BODIES [NODES]]") }
        let bytes = try BenchmarkBodies.write(count: arguments.count > 1 ? Int(arguments[1]) ?? 2000 : 2000,
                                              nodes: arguments.count > 2 ? Int(arguments[2]) ?? 50 : 50, to: path)
        print("wrote \(bytes) bytes to \(path)")
    default:
        print("usage: tracedesk-bench [polling|report|report-loop [N]|ingest|history|serve|stream|heavy|generate FILE [BODIES [NODES]]]")
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("tracedesk-bench: \(error)\n".utf8))
    exit(1)
}
