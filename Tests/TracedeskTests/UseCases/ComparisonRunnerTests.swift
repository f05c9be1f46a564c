import Foundation
import FusionSimulator
import Testing
import TracedeskClient
import TracedeskCommandLine
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

/// `compare` against the simulator's DRAFT/PUBLISHED differences, in-process on manual clocks.
@Suite("Comparing DRAFT against PUBLISHED on the simulator")
struct ComparisonRunnerTests {
    let transport: SimulatorTransport
    let store: HistoryStore
    let sleeps = Locked<[Duration]>([])

    init() throws {
        transport = try SimulatorTransport()
        store = try HistoryStore.inMemory()
    }

    func runner(team: String) -> ComparisonRunner {
        ComparisonRunner(store: store, client: transport.client(team: team, sleeps: sleeps), clock: transport.sleeper(sleeps))
    }

    @Test("every prompt runs on both sides, repeated, linked to the comparison; steps and deltas match the scenarios")
    func productComparison() async throws {
        let suite = try PromptSuite.load(path: SimulatorTransport.scenarios.deletingLastPathComponent()
            .appendingPathComponent("suites/product-comparison.yaml").path)
        let events = Locked<[ComparisonRunner.Event]>([])
        let plan = ComparisonRunner.Plan(team: "PRODUCT_COMPARISON_ADVISOR_COE", baseline: VersionSpec(status: .published),
                                         candidate: VersionSpec(status: .draft), suite: suite, suiteName: "suite.yaml",
                                         repeats: 2, concurrency: 3, thresholds: .init(maxTokenIncrease: 0.5))
        let comparison = try await runner(team: plan.team).run(plan) { event in events.withLock { $0.append(event) } }

        #expect(comparison.prompts.count == 3)
        let links = try store.comparisonRuns(try #require(comparison.id))
        #expect(links.count == 12, "3 prompts × 2 sides × 2 repeats")
        #expect(Set(links.map(\.jobId)).count == 12)
        #expect(events.withLock { $0.count { if case .finished = $0 { true } else { false } } } == 12)
        for link in links {
            let run = try store.run(link.jobId)
            #expect(run.versionStatus == (link.side == "A" ? "PUBLISHED" : "DRAFT"))
            #expect(run.version == (link.side == "A" ? 13 : 14))
            #expect(run.label == "compare #\(comparison.id!) \(link.side) p\(link.promptIndex + 1) #\(link.repetition)",
                    "short: the prompt is the run's message, not repeated in its label")
        }

        // Hand-checked against product-comparison-advisor.json: v14 adds GET_ONHAND_QUANTITIES (1.65 s)
        // and its COMPARE_ITEMS takes 14.8 s instead of 19.4 s, with 2,960 + 388 tokens instead of 2,210 + 412.
        let first = comparison.prompts[0]
        let diff = try #require(first.diff)
        #expect(diff.steps.filter { $0.change == .added }.map(\.path) == ["GET_ONHAND_QUANTITIES"])
        #expect(diff.stepsRemoved == 0)
        let compare = try #require(diff.steps.first { $0.path == "COMPARE_ITEMS" })
        #expect(compare.change == .changed)
        #expect(compare.durationDeltaMs == Int64(14_800 - 19_400))
        #expect(compare.tokenDelta == Int64((2_960 + 388) - (2_210 + 412)))
        #expect(diff.tokenDelta == 726)
        #expect(first.a.medianTokens == 2_622 && first.b.medianTokens == 3_348)
        #expect(first.a.answerChangeRate == 0 && first.b.distinctAnswers == 1, "the simulator answers alike on every repeat")
        #expect(first.verdict == .changed)

        // "on hand": only the draft says it. The token budget of 3,000: only the published version keeps it.
        #expect(comparison.prompts[1].verdict == .improvement)
        #expect(comparison.prompts[2].verdict == .regression)
        #expect(comparison.prompts[2].reasons == ["B misses “at most 3,000 tokens” in 2 of 2 runs; A met it in both runs"])
        #expect(comparison.verdict == .regression)
        // +28% tokens is within the 50% allowed.
        #expect(!comparison.prompts.flatMap(\.reasons).contains { $0.hasPrefix("median tokens") })

        // The report holds every prompt, and the history holds the verdict.
        let document = try HTMLDocument(parsing: TestReports.keep(try ComparisonReport(comparison: comparison).html(), as: "comparison"), origin: "report")
        #expect(document.elements { $0.classes.contains("prompt-row") }.count == 3)
        #expect(document.elements { $0.name == "section" && $0.classes.contains("prompt") }.count == 3)
    }

    @Test("a job that waits for a person is reported as WAITING, not hung on; an ERROR side is a regression")
    func waitingAndErrors() async throws {
        let suite = PromptSuite(prompts: [.init(message: "Post it", parameters: ["journal": "JE-1"])])
        let plan = ComparisonRunner.Plan(team: "XX_GL_JOURNAL_APPROVAL", baseline: VersionSpec(status: .published),
                                         candidate: VersionSpec(status: .draft), suite: suite, suiteName: nil,
                                         repeats: 1, concurrency: 2, thresholds: .init())
        let comparison = try await runner(team: plan.team).run(plan)
        let prompt = comparison.prompts[0]
        #expect(prompt.a.statuses == ["WAITING": 1] && prompt.b.statuses == ["WAITING": 1])
        #expect(prompt.notes.contains("1 run of A stopped WAITING for a person (not answered by compare)"))

        let card = PromptSuite(prompts: [.init(message: "Show the worker card of Casey Brown")])
        let cardPlan = ComparisonRunner.Plan(team: "XX_WORKER_CARD", baseline: VersionSpec(status: .draft),
                                             candidate: VersionSpec(status: .published), suite: card, suiteName: nil,
                                             repeats: 1, concurrency: 1, thresholds: .init())
        let worse = try await runner(team: cardPlan.team).run(cardPlan)
        #expect(worse.prompts[0].b.statuses == ["ERROR": 1])
        #expect(worse.verdict == .regression, "\(worse.prompts[0].a.statuses)")
    }

    @Test("when no job of a side finishes there is no verdict: the cause's kind, and the comparison's number is given back")
    func totalFailure() async throws {
        let plan = ComparisonRunner.Plan(team: "NO_SUCH_TEAM", baseline: VersionSpec(status: .published),
                                         candidate: VersionSpec(status: .draft), suite: PromptSuite(prompts: [.init(message: "hi")]),
                                         suiteName: nil, repeats: 2, concurrency: 2, thresholds: .init())
        let error = await #expect(throws: TracedeskError.self) { try await runner(team: plan.team).run(plan) }
        #expect(error?.kind == .badInput, "a 404 is bad input: exit 2, as for invoke")
        #expect(error?.message.hasPrefix("no comparison: A PUBLISHED did not finish any of its 2 jobs (the pod knows no team NO_SUCH_TEAM (404)") == true,
                "\(error?.message ?? "")")

        let card = ComparisonRunner.Plan(team: "XX_WORKER_CARD", baseline: VersionSpec(status: .published),
                                         candidate: VersionSpec(status: .draft), suite: PromptSuite(prompts: [.init(message: "hi")]),
                                         suiteName: nil, repeats: 1, concurrency: 1, thresholds: .init())
        let comparison = try await runner(team: card.team).run(card)
        #expect(comparison.id == 1, "the failed attempt did not use up number 1")
    }

    @Test("the suite's name heads the table and the report; a suite without a name is known by its file name, not its path")
    func suiteName() async throws {
        let folder = try TemporaryFolder()
        let tracedesk = try CommandLineHarness.withPod(in: folder.url)
        let named = await tracedesk.run(["compare", "PRODUCT_COMPARISON_ADVISOR_COE", "--suite", "samples/suites/product-comparison.yaml",
                                         "-o", folder.path("named.html"), "--quiet"])
        #expect(named.status == 0, "\(named.stderr)")
        #expect(named.stdout.hasPrefix("Comparison #1 of PRODUCT_COMPARISON_ADVISOR_COE, suite \"Product comparison, before publishing v14\": A PUBLISHED"))
        #expect(try String(contentsOfFile: folder.path("named.html"), encoding: .utf8).contains("suite Product comparison, before publishing v14"))

        try "prompts:\n  - message: Compare M1000034 of org IMO and M1000040 of Org SBI\n".write(toFile: folder.path("plain.yaml"), atomically: true, encoding: .utf8)
        let unnamed = await tracedesk.run(["compare", "PRODUCT_COMPARISON_ADVISOR_COE", "--suite", folder.path("plain.yaml"), "--quiet"])
        #expect(unnamed.status == 0, "\(unnamed.stderr)")
        #expect(unnamed.stdout.hasPrefix("Comparison #2 of PRODUCT_COMPARISON_ADVISOR_COE, suite \"plain.yaml\": "))
    }

    @Test("--self-contained: every run's report inside the one file, ids kept unique, nothing beside it; import says what to do instead")
    func selfContained() async throws {
        let folder = try TemporaryFolder()
        let tracedesk = try CommandLineHarness.withPod(in: folder.url)
        let path = folder.path("one.html")
        let compared = await tracedesk.run(["compare", "XX_TRAVEL_POLICY_ADVISOR", "--message", "Business class?", "--repeat", "2",
                                            "-o", path, "--self-contained", "--quiet"])
        #expect(compared.status == 0, "\(compared.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path("one-runs")), "no folder beside the file")
        let html = try String(contentsOfFile: path, encoding: .utf8)
        let document = try HTMLDocument(parsing: html, origin: "one.html")
        let embedded = document.elements { $0.name == "details" && $0.classes.contains("embedded-run") }
        #expect(embedded.count == 4, "2 repeats on each side")
        // Each folded run says what it was in the comparison: its prompt, side, version and repeat.
        let titles = embedded.compactMap { $0.children.first { $0.name == "summary" }?.textContent }
        #expect(Set(titles.map { $0.split(separator: "·").prefix(2).joined(separator: "·") })
                == ["Business class? · A PUBLISHED, repeat 1 ", "Business class? · A PUBLISHED, repeat 2 ",
                    "Business class? · B DRAFT, repeat 1 ", "Business class? · B DRAFT, repeat 2 "], "\(titles)")
        let ids = document.elements { $0.attribute("id") != nil }.compactMap { $0.attribute("id") }
        #expect(Set(ids).count == ids.count, "every id once: \(ids.count) ids")
        let links = document.elements { $0.name == "a" }.compactMap { $0.attribute("href") }
        let targets = Set(ids)
        #expect(links.filter { $0.hasPrefix("#") }.allSatisfy { targets.contains(String($0.dropFirst())) }, "every in-page link lands")
        #expect(document.elements { $0.classes.contains("tree-row") && $0.attribute("data-position") != nil }.count > 0)
        #expect(document.elements(named: "script").isEmpty && !html.contains("tracedesk-body"))

        let imported = await tracedesk.run(["import", path])
        #expect(imported.status != 0 && imported.stderr.contains("without links to its runs' reports"), "\(imported.stderr)")
        #expect(await tracedesk.run(["compare", "XX_TRAVEL_POLICY_ADVISOR", "--message", "x", "--self-contained"]).status == 2)
    }

    @Test("a compare refused at once leaves no 'unfinished' comparison of no runs in the history")
    func refusedAtOnce() async throws {
        let folder = try TemporaryFolder()
        var harness = try CommandLineHarness.withPod(in: folder.url)
        harness.environment["TRACEDESK_CLIENT_SECRET"] = "not-the-secret"
        let result = await harness.run(["compare", "XX_TRAVEL_POLICY_ADVISOR", "--message", "Business class?"])
        #expect(result.status == 4, "\(result.stderr)")
        let store = try HistoryStore(path: harness.database, mode: .readOnly)
        #expect(try store.comparisons().isEmpty, "nothing was recorded under it")
    }

    @Test("a pod that cannot be reached: no verdict, exit 5 from the command line, not 'unchanged'")
    func unreachablePod() async throws {
        let folder = try TemporaryFolder()
        var harness = CommandLineHarness(database: folder.path("history.sqlite"))
        harness.environment = ["TRACEDESK_TOKEN": "static-token"]
        let (context, stdout, stderr) = harness.context()
        var network = context
        network.transports = .network
        let status = await TracedeskCommandLine.run(["compare", "XX_WORKER_CARD", "--message", "hi", "--fail-on", "regression",
                                                     "--pod", "http://127.0.0.1:9", "--retries", "0"], in: network)
        #expect(status == 5)
        #expect(!stdout.text.contains("Verdict"))
        #expect(stderr.text.hasSuffix("tracedesk: no comparison: A PUBLISHED did not finish its job (no answer from 127.0.0.1: the connection was refused; gave up after 1 attempt)\n"),
                "\(stderr.text)")
    }
}

@Suite("Repeats on a team whose runs vary")
struct VaryingRepeatsTests {
    @Test("repeats show a spread of time and tokens, and answers that change between repeats are flagged as noise")
    func noise() async throws {
        let transport = try SimulatorTransport()
        let store = try HistoryStore.inMemory()
        let sleeps = Locked<[Duration]>([])
        let team = "XX_HCM_BENEFITS_SUPERVISOR"
        let runner = ComparisonRunner(store: store, client: transport.client(team: team, sleeps: sleeps), clock: transport.sleeper(sleeps))
        let plan = ComparisonRunner.Plan(team: team, baseline: VersionSpec(status: .published), candidate: VersionSpec(status: .draft),
                                         suite: PromptSuite(prompts: [.init(message: "Can I add my daughter to my medical plan?")]),
                                         suiteName: nil, repeats: 6, concurrency: 1, thresholds: .init())
        let prompt = try await runner.run(plan).prompts[0]
        for side in [prompt.a, prompt.b] {
            #expect(side.runs.count == 6 && side.statuses == ["COMPLETE": 6])
            let (low, high) = (try #require(side.minTimeMs), try #require(side.maxTimeMs))
            #expect(low < high, "durations vary within ±20%")
            #expect(Double(high) / Double(low) < 1.5)
            #expect(try #require(side.minTokens) < (try #require(side.maxTokens)), "tokens vary within ±8%")
        }
        #expect(prompt.a.distinctAnswers == 1, "PUBLISHED has one answer")
        #expect(prompt.b.distinctAnswers == 2, "DRAFT has two, drawn per job (one job at a time, so the seeded draws are the same every run)")
        #expect(prompt.b.answerChangeRate > 0)
        #expect(prompt.notes.contains { $0.hasPrefix("B's answers differ between its own repeats") })
        #expect(prompt.verdict == .changed)
    }
}
