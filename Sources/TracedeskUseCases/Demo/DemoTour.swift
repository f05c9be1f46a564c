import Foundation
import FusionSimulator
import Logging
import Synchronization
import TracedeskClient
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// The whole flow on a simulated pod, for `tracedesk demo`: start the simulator on a free loopback
/// port, invoke several teams over HTTP as `invoke` would, answer a human step, record every body,
/// and write each run's report.
public struct DemoTour: Sendable {
    /// One team the tour runs.
    struct Stop: Sendable {
        var team: String
        var message: String
        var parameters: [String: String] = [:]
        var draft = false
        /// A second turn: asked in the conversation of the stop before.
        var continuesConversation = false
        /// Followed over the debug stream (each step as it happens) rather than polled.
        var streamed = false
        /// What the stop shows a newcomer.
        var shows: String
    }

    /// The comparison the tour ends with: what publishing the COE team's draft would change.
    static let comparisonSuite = PromptSuite(name: "demo", team: "PRODUCT_COMPARISON_ADVISOR_COE", prompts: [
        .init(label: "two items, two orgs", message: "Compare M1000034 of org IMO and M1000040 of Org SBI",
              expect: .init(contains: ["M1000034", "M1000040", "lead time"])),
        .init(label: "stock on hand", message: "Which of M1000034 (IMO) and M1000040 (SBI) can ship today?",
              expect: .init(contains: ["on hand"], maxTokens: 3000)),
    ])

    /// What the tour did with one stop.
    struct Visit: Sendable {
        var stop: Stop
        var run: RunRecord
        var reportPath: String
    }

    static let stops: [Stop] = [
        Stop(team: "PRODUCT_COMPARISON_ADVISOR_COE", message: "Compare M1000034 of org IMO and M1000040 of Org SBI",
             shows: "a data pipeline: parallel item lookups, then an LLM that compares them, with tokens"),
        Stop(team: "XX_TRAVEL_POLICY_ADVISOR", message: "Can I book business class for a 7-hour flight to a customer site?",
             shows: "a RAG answer with supporting chunks and citations"),
        Stop(team: "XX_TRAVEL_POLICY_ADVISOR", message: "And for a 5-hour flight?", continuesConversation: true,
             shows: "a second turn of the same conversation: its report lists both turns (runs --conversation too)"),
        Stop(team: "XX_GL_JOURNAL_APPROVAL", message: "Post the accrual reversal journal JE-2026-03-0417",
             parameters: ["journal": "JE-2026-03-0417"], streamed: true,
             shows: "a run streamed step by step (invoke --stream), suspended for an approver, and resumed with its callback token"),
        Stop(team: "XX_FIN_GL_LEDGER_CLOSURE_WORKFLOW", message: "Close the March 2026 ledger for US Primary",
             shows: "a workflow calling six nested workflows"),
        Stop(team: "XX_WORKER_CARD", message: "Show the worker card of Casey Brown",
             shows: "a run that ends in ERROR, with the failing step"),
    ]

    let store: HistoryStore
    let outputFolder: URL
    let scenarios: ScenarioSource
    let templates: ReportTemplates
    let speed: Double
    let context: CommandContext

    func say(_ text: String) throws(TracedeskError) {
        try context.output.write(text)
    }

    func run() async throws(TracedeskError) -> (visits: [Visit], comparison: (Comparison, String)?) {
        let library = try scenarios.load()
        let pod = SimulatedPod(library: library, configuration: .demo(seed: UInt64.random(in: 1...UInt64.max)),
                               runClock: ScaledClock(speed: speed))
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "fusion-simulator")
        logger.logLevel = .critical
        let application = PodRouter.application(pod: pod, host: "127.0.0.1", port: 0, logger: logger) { port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        let server = Task { try await application.runService(gracefulShutdownSignals: []) }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            throw TracedeskError(.podUnavailable, "the simulator did not start")
        }
        let podURL = URL(string: "http://127.0.0.1:\(port)")!
        try say("Simulated Fusion pod on \(podURL) (\(library.teams.count) teams, \(speed.formatted())x speed); history \(store.path)\n")

        let transport = try context.transports.make(.init(), context.environment)
        let tokens = OAuthTokenProvider(
            settings: OAuthSettings(tokenURL: podURL.appendingPathComponent("oauth2/v1/token"), clientId: DemoCredentials.clientId,
                                    clientSecret: DemoCredentials.clientSecret, scope: DemoCredentials.scope, grant: .clientCredentials),
            transport: transport, cache: nil)
        var visits: [Visit] = []
        for (index, stop) in Self.stops.enumerated() where library.teams[stop.team] != nil {
            let client = AgentClient(pod: podURL, team: stop.team, transport: transport, tokens: tokens, clock: context.clock)
            try say("\(index + 1). \(stop.team): \(stop.shows)\n   \"\(stop.message)\"\n")
            let previous = stop.continuesConversation ? visits.last?.run.conversationId : nil
            let run = try await visit(stop, conversationId: previous, client: client, pod: podURL)
            let path = try ReportFile.writeRunReport(of: run, from: store,
                                                     to: outputFolder.appendingPathComponent(RunReport.defaultFileName(for: run)).path,
                                                     templates: templates)
            try say("   \(run.status) in \(TextFormat.duration(run.timeTakenMs)), \(TextFormat.count(Int64(run.nodeCount))) steps, \(TextFormat.tokens(run.tokens))\n")
            visits.append(Visit(stop: stop, run: run, reportPath: path))
        }

        let team = "PRODUCT_COMPARISON_ADVISOR_COE"
        guard library.teams[team] != nil else { return (visits, nil) }
        try say("\(visits.count + 1). compare \(team): PUBLISHED (A) against DRAFT (B), 2 prompts × 2 repeats, as `tracedesk compare` does\n")
        var plan = ComparisonRunner.Plan(team: team, baseline: VersionSpec(status: .published), candidate: VersionSpec(status: .draft),
                                         suite: Self.comparisonSuite, suiteName: nil, repeats: 2, concurrency: 4,
                                         thresholds: .init(maxTimeIncrease: 0.2),
                                         pollInterval: AdaptiveInterval(minimum: .milliseconds(200), maximum: .seconds(1)))
        let client = AgentClient(pod: podURL, team: team, transport: transport, tokens: tokens, clock: context.clock)
        plan.aiUnitRates = try await AIUnitRatesLookup.rates(for: client, store: store, in: context)
        let comparison = try await ComparisonRunner(store: store, client: client, clock: context.clock).run(plan)
        for prompt in comparison.prompts {
            try say("   \(prompt.name): \(prompt.verdict.rawValue)\(prompt.reasons.first.map { " (\($0))" } ?? "")\n")
        }
        let written = try CompareOutput.write(comparison, to: outputFolder.appendingPathComponent("compare-\(team).html").path,
                                              store: store, templates: templates)
        return (visits, (comparison, written.path))
    }

    /// Invokes one team and follows it to its end, approving a human step on the way.
    private func visit(_ stop: Stop, conversationId: String?, client: AgentClient, pod: URL) async throws(TracedeskError) -> RunRecord {
        let request = InvokeRequest(message: stop.message, conversationId: conversationId, status: stop.draft ? .draft : .published,
                                    invocationMode: .admin, parameters: stop.parameters)
        let rates = try? await client.aiUnitRates()
        let recording = RecordingContext(teamCode: stop.team, pod: pod.absoluteString, source: .invoke, label: "demo", request: request,
                                         api: client.api.rawValue, aiUnitRates: rates ?? nil)
        let callbackTokens = CallbackTokenStore(environment: context.environment)
        if stop.streamed { return try await stream(stop, request: request, client: client, recording: recording, tokens: callbackTokens) }
        let options = Poller.Options(timeout: .seconds(120), stopOnWaiting: true,
                                     interval: AdaptiveInterval(minimum: .milliseconds(200), maximum: .seconds(1)))
        let follower = JobFollower(client: client, store: store, context: recording, options: options, clock: context.clock,
                                   callbackTokens: callbackTokens)
        let first = try await follower.start(request)
        try say("   started job \(first.body.jobId)\n")
        var outcome = try await follower.follow(jobId: first.body.jobId, after: first)
        while outcome == .stoppedWhileWaiting {
            let run = try store.run(first.body.jobId)
            guard let token = callbackTokens.entry(for: run.jobId)?.token else { throw TracedeskError(.podUnavailable, "the wait gave no callback token") }
            try say("   WAITING for \(run.waitingSummary ?? run.waitingToolCode ?? "a person"); approving, as `tracedesk resume --approve` would\n")
            var answer = InvokeRequest.answering(run, with: ResumeInput(callbackToken: token, answer: .approve, content: "Approved by the demo").json.objectValue ?? [:],
                                                 message: "Approved by the demo")
            answer.resumeField = InvokeRequest.defaultResumeField
            callbackTokens.remove(jobId: run.jobId)
            let resumed = try await follower.start(answer)
            outcome = try await follower.follow(jobId: run.jobId, after: resumed)
        }
        return try store.run(first.body.jobId)
    }

    /// Streams one team over the debug endpoint, and resumes each suspension with its token.
    private func stream(_ stop: Stop, request: InvokeRequest, client: AgentClient, recording: RecordingContext,
                        tokens: CallbackTokenStore) async throws(TracedeskError) -> RunRecord {
        let original = DebugRequest(message: stop.message, workflowCode: stop.team, conversationId: UUID().uuidString.lowercased(),
                                    status: request.status, parameters: stop.parameters)
        let follower = StreamFollower(client: client, store: store, context: recording, clock: context.clock, callbackTokens: tokens)
        var steps = 0
        let counter = StepCounter()
        var (jobId, outcome) = try await follower.follow(original) { event in
            if case .stepEnded = event { counter.add() }
        }
        steps = counter.value
        try say("   streamed job \(jobId): \(steps) step events as they happened\n")
        while case .suspended(let details) = outcome {
            guard let token = tokens.entry(for: jobId)?.token else { throw TracedeskError(.podUnavailable, "the wait gave no callback token") }
            try say("   suspended at \(details.summary); approving with its callback token, as `tracedesk resume --approve` would\n")
            var resume = original
            resume.message = ""
            resume.jobId = jobId
            resume.resumeInput = ResumeInput(callbackToken: token, answer: details.waitsForPerson ? .approve : .skipWait,
                                             content: details.waitsForPerson ? "Approved by the demo" : nil)
            tokens.remove(jobId: jobId)
            (jobId, outcome) = try await follower.follow(resume, previous: try store.run(jobId), original: original)
        }
        return try store.run(jobId)
    }
}

/// Counts steps as a stream reports them.
final class StepCounter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
