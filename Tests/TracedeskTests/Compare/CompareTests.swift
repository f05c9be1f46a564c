import Foundation
import Testing
@testable import TracedeskClient
@testable import TracedeskCommandLine
@testable import TracedeskCompare
@testable import TracedeskDocuments
@testable import TracedeskHistory
@testable import TracedeskModel
@testable import TracedeskUseCases

@Suite("Comparing runs")
struct CompareTests {
    @Test("the alignment keeps the longest common subsequence and marks the rest")
    func alignment() {
        let steps = SequenceAlignment.align(["START", "FETCH", "ANSWER", "END"], ["START", "ANSWER", "CHECK", "END"])
        #expect(steps == [.both(0, 0), .onlyA(1), .both(2, 1), .onlyB(2), .both(3, 3)])
        #expect(SequenceAlignment.align([String](), ["A"]) == [.onlyB(0)])
        #expect(SequenceAlignment.align(["A", "B"], ["B", "A"]).count { if case .both = $0 { true } else { false } } == 1)
    }

    @Test("past the cell budget the alignment matches greedily, in linear memory, and still accounts for every key")
    func largeAlignment() {
        let a = (0..<4000).map { "step-\($0 % 1000)-\($0 / 1000)" }
        var b = a
        b.remove(at: 10)
        b.insert("new", at: 3000)
        b.swapAt(100, 3900)
        let steps = SequenceAlignment.align(a, b)
        var seenA = Set<Int>(), seenB = Set<Int>()
        for step in steps {
            switch step {
            case .both(let i, let j): seenA.insert(i); seenB.insert(j); #expect(a[i] == b[j])
            case .onlyA(let i): seenA.insert(i)
            case .onlyB(let j): seenB.insert(j)
            }
        }
        #expect(seenA.count == a.count && seenB.count == b.count)
        #expect(steps.count { if case .both = $0 { true } else { false } } >= 3990)
    }

    @Test("the word diff keeps line breaks with their words and marks what was added and removed")
    func words() {
        let segments = WordDiff.diff("the quick brown fox\nsat", "the slow brown fox\nsat down")
        #expect(segments == [
            .init(kind: .same, text: "the "), .init(kind: .removed, text: "quick "), .init(kind: .added, text: "slow "),
            .init(kind: .same, text: "brown fox\nsat"), .init(kind: .added, text: " down"),
        ] || segments.map(\.kind) == [.same, .removed, .added, .same, .added])
        #expect(segments.filter { $0.kind != .added }.map(\.text).joined() .replacingOccurrences(of: " ", with: "")
                == "the quick brown fox\nsat".replacingOccurrences(of: " ", with: ""))
        #expect(WordDiff.changedShare(WordDiff.diff("a b c", "a b c")) == 0)
        #expect(WordDiff.changedShare(WordDiff.diff("a b", "c d")) == 1)
    }

    @Test("a version is DRAFT, PUBLISHED, or either with a number", arguments: [
        ("DRAFT", "DRAFT"), ("published", "PUBLISHED"), ("DRAFT:14", "DRAFT:14"), ("Published:3", "PUBLISHED:3"),
    ])
    func versions(text: String, parsed: String) throws {
        #expect(try VersionSpec(parsing: text).description == parsed)
    }

    @Test("a wrong version is refused with what to write instead")
    func wrongVersion() {
        #expect(throws: TracedeskError.badInput("'LATEST' is not a version: write DRAFT, PUBLISHED, or either with a number (DRAFT:14)")) {
            try VersionSpec(parsing: "LATEST")
        }
        #expect(throws: TracedeskError.self) { try VersionSpec(parsing: "DRAFT:x") }
        #expect(throws: TracedeskError.self) { try VersionSpec(parsing: "DRAFT:0") }
    }

    @Test("the sample suite reads, YAML and JSON alike; a suite without prompts or messages is refused")
    func suites() throws {
        let suite = try PromptSuite.load(path: Fixtures.repository.appendingPathComponent("samples/suites/product-comparison.yaml").path)
        #expect(suite.team == "PRODUCT_COMPARISON_ADVISOR_COE")
        #expect(suite.prompts.count == 3)
        #expect(suite.prompts[0].expect?.contains == ["M1000034", "M1000040", "lead time"])
        #expect(suite.prompts[2].expect?.maxTokens == 3000)
        let json = try PromptSuite.parse(Data(#"{"prompts": [{"message": "hi", "parameters": {"org": "IMO"}}]}"#.utf8), origin: "s.json", json: true)
        #expect(json.prompts[0].parameters == ["org": "IMO"])
        #expect(throws: TracedeskError.badInput("s.yaml: lists no prompts")) {
            try PromptSuite.parse(Data("prompts: []".utf8), origin: "s.yaml", json: false)
        }
        #expect(throws: TracedeskError.badInput("s.yaml: prompts[1].message is missing")) {
            try PromptSuite.parse(Data("prompts:\n  - label: x\n".utf8), origin: "s.yaml", json: false)
        }
        #expect(throws: TracedeskError.self) { try PromptSuite.parse(Data("prompts: [".utf8), origin: "s.yaml", json: false) }
    }

    static func body(job: String, output: String, nodes: String, chunks: String = "[]", tokens: (Int, Int), time: Int) -> String {
        #"{"jobId": "\#(job)", "status": "COMPLETE", "workflowCode": "T", "workflowVersion": 1, "output": "\#(output)", "timeTaken": \#(time), "inputTokenCount": \#(tokens.0), "outputTokenCount": \#(tokens.1), "supportingChunks": \#(chunks), "nodes": \#(nodes)}"#
    }

    @Test("two runs: steps added, removed and changed (nested ones too), deltas, answers, chunks")
    func runDiff() throws {
        let a = Self.body(job: "diff-a", output: "Pump A is cheaper.", nodes: """
            [{"nodeCode": "START", "nodeType": "START", "status": "COMPLETE"},
             {"nodeCode": "FETCH", "nodeType": "PARALLEL", "status": "COMPLETE", "children": [
                {"nodeCode": "GET_X", "nodeType": "TOOL", "status": "COMPLETE", "startTime": 1773440001000, "endTime": 1773440001500},
                {"nodeCode": "GET_Y", "nodeType": "TOOL", "status": "COMPLETE"}]},
             {"nodeCode": "ANSWER", "nodeType": "LLM", "status": "COMPLETE", "output": "A", "startTime": 1773440002000, "endTime": 1773440006000}]
            """, chunks: #"[{"title": "Catalogue", "text": "pump a"}, {"title": "Old price list", "text": "pump b"}]"#, tokens: (1000, 100), time: 10_000)
        let b = Self.body(job: "diff-b", output: "Pump A is cheaper and in stock.", nodes: """
            [{"nodeCode": "START", "nodeType": "START", "status": "COMPLETE"},
             {"nodeCode": "FETCH", "nodeType": "PARALLEL", "status": "COMPLETE", "children": [
                {"nodeCode": "GET_X", "nodeType": "TOOL", "status": "COMPLETE", "startTime": 1773440001000, "endTime": 1773440001800},
                {"nodeCode": "GET_Z", "nodeType": "TOOL", "status": "COMPLETE"}]},
             {"nodeCode": "STOCK", "nodeType": "BO_FUNCTION", "status": "COMPLETE"},
             {"nodeCode": "ANSWER", "nodeType": "LLM", "status": "COMPLETE", "output": "B", "startTime": 1773440002000, "endTime": 1773440005000}]
            """, chunks: #"[{"title": "Catalogue", "text": "pump a"}, {"title": "Stock", "text": "18 at IMO"}]"#, tokens: (1200, 130), time: 9_000)
        let store = try HistoryStore.inMemory()
        _ = try Importer(store: store).importBodies(from: [CaptureSource.data(Data(a.utf8), origin: "a"), CaptureSource.data(Data(b.utf8), origin: "b")], team: nil)
        let diff = RunDiff(a: try store.details(of: store.run("diff-a")), b: try store.details(of: store.run("diff-b")))

        #expect(diff.steps.map { "\($0.change.rawValue) \($0.path)" } == [
            "same START", "same FETCH", "same FETCH/GET_X", "removed FETCH/GET_Y", "added FETCH/GET_Z", "added STOCK", "changed ANSWER",
        ])
        #expect(diff.steps.first { $0.path == "FETCH/GET_X" }?.durationDeltaMs == 300)
        #expect(diff.steps.first { $0.path == "ANSWER" }?.differences == ["output"])
        #expect(diff.steps.first { $0.path == "ANSWER" }?.durationDeltaMs == -1000)
        #expect(diff.timeDeltaMs == -1000)
        #expect(diff.tokenDelta == 230)
        #expect(diff.outputChanged && !diff.statusChanged)
        #expect(diff.output.filter { $0.kind == .added }.map(\.text).joined() == "and in stock")
        #expect(diff.chunksGained.map(\.document) == ["Stock"])
        #expect(diff.chunksLost.map(\.document) == ["Old price list"])
        #expect(diff.summaryLines.contains("Steps: 2 added, 1 removed, 1 changed, 3 the same"))
        #expect(diff.summaryLines.contains("Time: -1.0 s (-10%)   Tokens: +230 (+21%)"))

        // The comparison report of the two holds the aligned steps and the word diff, inert.
        let html = TestReports.keep(try ComparisonReport(comparison: .of(try store.details(of: store.run("diff-a")), try store.details(of: store.run("diff-b"))),
                                                         twoRuns: true).html(), as: "diff")
        let document = try HTMLDocument(parsing: html, origin: "diff")
        let stepRows = document.elements { $0.classes.contains("step-row") }
        #expect(stepRows.count == 7)
        // Steps that report no tokens show dashes, as in a run report; a step on one side only leaves the other blank.
        let cells = { (row: HTMLElement) in row.children.filter { $0.name == "td" }.suffix(3).map(\.textContent) }
        #expect(cells(stepRows[2]) == ["-", "-", "-"], "GET_X on both sides")
        #expect(cells(stepRows[3]) == ["-", "", ""], "GET_Y in A only")
        let answerDiff = try #require(document.elements { $0.classes.contains("md-diff") }.first)
        #expect(answerDiff.textContent.contains("and in stock"))
        #expect(document.elements(named: "script").isEmpty)
        // A changed step shows what changed in its output; the wording is of two runs, not of repeats.
        #expect(diff.steps.first { $0.path == "ANSWER" }?.outputDiff == [WordDiff.Segment(kind: .removed, text: "A"), WordDiff.Segment(kind: .added, text: "B")])
        #expect(document.elements { $0.classes.contains("step-output-diff") }.count == 1)
        #expect(html.contains("Tracedesk diff of two runs") && html.contains("Run A diff-a") && !html.contains("(median)"))
    }

    static func side(_ spec: String, statuses: [String], outputs: [String], tokens: [Int64], times: [Int64],
                     expectations: PromptSuite.Expectations) -> Comparison.SideResult {
        let runs = statuses.indices.map { index in
            var run = RunRecordBuilder.make(status: statuses[index], output: outputs[index], tokens: tokens[index], time: times[index])
            run.jobId = "\(spec)-\(index)"
            return Comparison.RunOutcome(repetition: index + 1, jobId: run.jobId, status: run.status.rawValue, timeTakenMs: times[index],
                                         tokens: tokens[index], checks: expectations.check(run), output: outputs[index])
        }
        return Comparison.SideResult(spec: spec, runs: runs)
    }

    @Test("verdicts: an expectation A met and B fails, COMPLETE to ERROR, and a median beyond a threshold are regressions")
    func verdicts() throws {
        let expect = PromptSuite.Expectations(contains: ["stock"], maxTokens: 1000)
        let prompt = PromptSuite.Prompt(label: "p", message: "m", expect: expect)
        let a = Self.side("A", statuses: ["COMPLETE", "COMPLETE", "COMPLETE"], outputs: ["in stock", "in stock", "in stock"],
                          tokens: [900, 950, 1000], times: [10_000, 11_000, 12_000], expectations: expect)
        // B: one repeat over the token budget; medians 1,000 tokens (+5%) and 13 s (+18%).
        let b = Self.side("B", statuses: ["COMPLETE", "COMPLETE", "COMPLETE"], outputs: ["in stock", "in stock!", "in stock"],
                          tokens: [1000, 1001, 980], times: [13_000, 13_000, 14_000], expectations: expect)
        let result = Comparison.PromptResult(index: 0, prompt: prompt, a: a, b: b, diff: nil, thresholds: .init(maxTimeIncrease: 0.2))
        #expect(result.verdict == .regression)
        #expect(result.reasons == ["B misses “at most 1,000 tokens” in 1 of 3 runs; A met it in all 3 runs"])
        #expect(a.medianTokens == 950 && b.medianTokens == 1000)
        #expect(abs((result.timeChange ?? 0) - 2.0 / 11.0) < 0.0001)
        #expect(b.distinctAnswers == 2)
        #expect(abs(b.answerChangeRate - 2.0 / 3.0) < 0.0001)
        #expect(result.notes.contains { $0.hasPrefix("B's answers differ between its own repeats (67% of pairs, 2 distinct)") })

        let tighter = Comparison.PromptResult(index: 0, prompt: PromptSuite.Prompt(message: "m"), a: a, b: b, diff: nil,
                                              thresholds: .init(maxTimeIncrease: 0.1))
        #expect(tighter.reasons.contains("median time +18% (limit +10%)"))

        let failing = Self.side("B", statuses: ["COMPLETE", "ERROR", "COMPLETE"], outputs: ["in stock", "", "in stock"],
                                tokens: [900, 100, 900], times: [10_000, 2_000, 10_000], expectations: PromptSuite.Expectations())
        let errored = Comparison.PromptResult(index: 0, prompt: PromptSuite.Prompt(message: "m"), a: a, b: failing, diff: nil, thresholds: .init())
        #expect(errored.verdict == .regression)
        #expect(errored.reasons.contains("status COMPLETE → ERROR in 1 of 3 runs of B"))

        let improved = Comparison.PromptResult(index: 0, prompt: prompt, a: b, b: a, diff: nil, thresholds: .init())
        #expect(improved.verdict == .improvement)
        // Expectations B against A: which moved, and which way, not two fractions to compare by eye.
        #expect(result.expectationCell == "1 regressed")
        #expect(improved.expectationCell == "1 improved")
        #expect(Comparison.PromptResult(index: 0, prompt: prompt, a: a, b: a, diff: nil, thresholds: .init()).expectationCell == "3/3 held",
                "contains, at most, and the status every prompt expects")
        // The report's summary says why, beside the verdict.
        let comparison = Comparison(id: 1, team: "T", baseline: "PUBLISHED", candidate: "DRAFT", suite: nil, repeats: 3,
                                    thresholds: .init(), prompts: [result])
        let page = try HTMLDocument(parsing: TestReports.keep(try ComparisonReport(comparison: comparison).html(), as: "comparison-why"), origin: "comparison")
        let why = try #require(page.elements { $0.name == "td" && $0.classes.contains("why") }.first)
        #expect(why.textContent.contains("B misses “at most 1,000 tokens” in 1 of 3 runs"))
        #expect(page.elements { $0.classes.contains("every-answer") }.count == 1, "B gave two answers over its repeats: both are shown")
        let same = Comparison.PromptResult(index: 0, prompt: prompt, a: a, b: a, diff: nil, thresholds: .init(maxTokenIncrease: 0))
        #expect(same.verdict == .unchanged)
    }
}

extension CompareTests {
    /// A WORKFLOW step whose output is the status body of the run it called.
    static func workflowStep(job: String, trace: String, answer: String, ended: Int64) -> String {
        let nested = #"{\"jobId\": \"\#(job)\", \"traceId\": \"\#(trace)\", \"status\": \"COMPLETE\", \"output\": \"\#(answer)\", \"endTime\": \#(ended), \"nodes\": []}"#
        return #"{"nodeCode": "CALL_CONTEXT", "nodeType": "WORKFLOW", "status": "COMPLETE", "output": "\#(nested)"}"#
    }

    @Test("a changed model, a rewritten system prompt and a large token move each make a step changed; the first divergence is named")
    func modelAndPromptChanges() throws {
        func llm(model: String, system: String, tokens: Int) -> String {
            #"{"nodeCode": "ANSWER", "nodeType": "LLM", "status": "COMPLETE", "modelName": "\#(model)", "systemPrompt": "\#(system)", "#
                + #""prompt": "Summarise the ledger.", "output": "ok", "inputTokens": \#(tokens), "outputTokens": 10, "startTime": 1773440002000, "endTime": 1773440004000}"#
        }
        let start = #"{"nodeCode": "START", "nodeType": "START", "status": "COMPLETE"}"#
        let bodies = [
            Self.body(job: "p-a", output: "Done.", nodes: "[\(start), \(llm(model: "cohere.command-r-plus-08-2024", system: "You are a careful accountant. Be brief.", tokens: 900))]", tokens: (900, 10), time: 2000),
            Self.body(job: "p-b", output: "Done.", nodes: "[\(start), \(llm(model: "meta.llama-3.3-70b-instruct", system: "You are a careful accountant. Be brief.", tokens: 900))]", tokens: (900, 10), time: 2000),
            Self.body(job: "p-c", output: "Done, with notes.", nodes: "[\(start), \(llm(model: "cohere.command-r-plus-08-2024", system: "You are a strict auditor. Flag every variance.", tokens: 900))]", tokens: (900, 10), time: 2000),
            Self.body(job: "p-d", output: "Done.", nodes: "[\(start), \(llm(model: "cohere.command-r-plus-08-2024", system: "You are a careful accountant. Be brief.", tokens: 590))]", tokens: (590, 10), time: 2000),
        ]
        let store = try HistoryStore.inMemory()
        _ = try Importer(store: store).importBodies(from: bodies.enumerated().map { CaptureSource.data(Data($1.utf8), origin: "\($0)") }, team: nil)
        let details = { (job: String) in try store.details(of: store.run(job)) }

        let model = RunDiff(a: try details("p-a"), b: try details("p-b"))
        let answer = try #require(model.steps.last)
        #expect(answer.change == .changed && answer.differences == ["model"])
        #expect(answer.modelA == "cohere.command-r-plus-08-2024" && answer.modelB == "meta.llama-3.3-70b-instruct")
        #expect(model.summaryLines.contains("      model: cohere.command-r-plus-08-2024 → meta.llama-3.3-70b-instruct"), "\(model.summaryLines)")
        #expect(model.firstDivergence?.path == "ANSWER" && model.summaryLines.contains("First divergence: ANSWER (model differs)"))

        let prompt = RunDiff(a: try details("p-a"), b: try details("p-c"))
        let rewritten = try #require(prompt.steps.last)
        #expect(rewritten.differences == ["prompt"], "the system prompt, read from the step's item")
        #expect(rewritten.promptDiff?.filter { $0.kind == .added }.map(\.text).joined().contains("auditor") == true)
        #expect(prompt.summaryLines.contains { $0.hasPrefix("      prompt: ") && $0.contains("{+") && $0.contains("[-") }, "\(prompt.summaryLines)")
        let json = try #require(JSONValue(parsing: String(decoding: try JSONEncoder().encode(prompt), as: UTF8.self)))
        #expect(json["steps"]?.arrayValue?.last?["promptDiff"]?.arrayValue?.isEmpty == false, "the JSON carries the prompt's word diff")

        let tokens = RunDiff(a: try details("p-a"), b: try details("p-d"))
        #expect(tokens.steps.last?.differences == ["tokens"], "-34% and 310 tokens is past a quarter and 100")
        #expect(tokens.firstDivergence == nil && !tokens.outputChanged, "the same input on both sides: no divergence")
        let same = RunDiff(a: try details("p-a"), b: try details("p-a"))
        #expect(same.steps.allSatisfy { $0.change == .same })
    }

    @Test("the first divergence says which branch a condition took, the later steps whose inputs changed with it (not every later step), and each side's cost from there")
    func divergenceChainAndCost() throws {
        func step(_ code: String, _ type: String, input: String = "x", output: String = "ok", tokens: Int = 0, ms: Int) -> String {
            #"{"nodeCode": "\#(code)", "nodeType": "\#(type)", "status": "COMPLETE", "input": "\#(input)", "output": "\#(output)", "#
                + #""inputTokens": \#(tokens), "outputTokens": \#(tokens / 10), "durationMs": \#(ms)}"#
        }
        let a = Self.body(job: "dv-a", output: "In stock.", nodes: "[" + [
            step("START", "START", ms: 1), step("READ", "BO_FUNCTION", ms: 500),
            step("CHECK", "CONDITION", output: #"{\"outcome\": \"true\"}"#, ms: 2),
            step("ANSWER", "LLM", input: "18 at IMO", output: "In stock.", tokens: 1000, ms: 3000),
            step("FORMAT", "CODE", ms: 10),
        ].joined(separator: ", ") + "]", tokens: (1000, 100), time: 3600)
        let b = Self.body(job: "dv-b", output: "Out of stock; reorder.", nodes: "[" + [
            step("START", "START", ms: 1), step("READ", "BO_FUNCTION", ms: 500),
            step("CHECK", "CONDITION", output: #"{\"outcome\": \"false\"}"#, ms: 2),
            step("REORDER", "BO_FUNCTION", ms: 1500),
            step("ANSWER", "LLM", input: "0 at IMO; reorder placed", output: "Out of stock; reorder.", tokens: 1400, ms: 4000),
            step("FORMAT", "CODE", ms: 10),
        ].joined(separator: ", ") + "]", tokens: (1400, 140), time: 6100)
        let store = try HistoryStore.inMemory()
        _ = try Importer(store: store).importBodies(from: [CaptureSource.data(Data(a.utf8), origin: "a"), CaptureSource.data(Data(b.utf8), origin: "b")], team: nil)
        let diff = RunDiff(a: try store.details(of: store.run("dv-a")), b: try store.details(of: store.run("dv-b")))
        let divergence = try #require(diff.divergence)

        #expect(divergence.path == "REORDER" && divergence.change == .added)
        #expect(divergence.branch == Divergence.Branch(path: "CHECK", a: "true", b: "false"), "the condition's outcome, read from its output")
        #expect(divergence.chain == ["ANSWER"], "ANSWER got another input; FORMAT got the same one, so it is not in the chain")
        #expect(divergence.costA == Divergence.Cost(timeMs: 3010, tokens: 1100, aiUnits: nil, steps: 2), "A from ANSWER, its first step from there")
        #expect(divergence.costB == Divergence.Cost(timeMs: 5510, tokens: 1540, aiUnits: nil, steps: 3))
        let lines = diff.summaryLines
        #expect(lines.contains("First divergence: REORDER (only B ran it)"), "\(lines)")
        #expect(lines.contains("  CHECK took another branch: true → false"), "\(lines)")
        #expect(lines.contains("  then 1 later step's input changed with it: ANSWER"), "\(lines)")
        #expect(lines.contains("  from there: A 2 steps, 3.0 s, 1,100 tokens; B 3 steps, 5.5 s, 1,540 tokens (B +2.5 s, +440 tokens)"), "\(lines)")

        // The JSON and the comparison report carry the same.
        let json = try #require(JSONValue(parsing: String(decoding: try JSONEncoder().encode(diff), as: UTF8.self)))
        #expect(json["divergence"]?["chain"]?.arrayValue == [.string("ANSWER")] && json["divergence"]?["costB"]?["tokens"]?.intValue == 1540)
        let html = try ComparisonReport(comparison: .of(try store.details(of: store.run("dv-a")), try store.details(of: store.run("dv-b"))), twoRuns: true).html()
        let document = try HTMLDocument(parsing: html, origin: "divergence")
        let items = document.elements(named: "li").filter { $0.parent?.classes.contains("divergence-detail") == true }.map(\.textContent)
        #expect(items == ["CHECK took another branch: true → false.", "Then 1 later step's input changed with it: ANSWER.",
                          "From there: A 2 steps, 3.0 s, 1,100 tokens; B 3 steps, 5.5 s, 1,540 tokens (B +2.5 s, +440 tokens)."], "\(items)")

        // Two runs that never part before their answers differ say so, with no chain or cost.
        #expect(RunDiff(a: try store.details(of: store.run("dv-a")), b: try store.details(of: store.run("dv-a"))).divergence == nil)
    }

    @Test("a prompt that differs only in spacing is the same prompt; a token or time move counts the same from either side")
    func spacingAndSymmetry() throws {
        func llm(system: String, tokens: Int) -> String {
            #"{"nodeCode": "ANSWER", "nodeType": "LLM", "status": "COMPLETE", "systemPrompt": "\#(system)", "prompt": "Summarise.", "output": "ok", "inputTokens": \#(tokens), "outputTokens": 0}"#
        }
        let bodies = [
            Self.body(job: "s-a", output: "Done.", nodes: "[\(llm(system: "Be brief.", tokens: 100))]", tokens: (100, 0), time: 1),
            Self.body(job: "s-b", output: "Done.", nodes: "[\(llm(system: "Be  brief.\\n", tokens: 200))]", tokens: (200, 0), time: 1),
        ]
        let store = try HistoryStore.inMemory()
        _ = try Importer(store: store).importBodies(from: bodies.enumerated().map { CaptureSource.data(Data($1.utf8), origin: "\($0)") }, team: nil)
        let details = { (job: String) in try store.details(of: store.run(job)) }
        let forth = RunDiff(a: try details("s-a"), b: try details("s-b")), back = RunDiff(a: try details("s-b"), b: try details("s-a"))
        #expect(forth.steps.last?.differences == ["tokens"], "spacing is no prompt change; 100 → 200 is past a quarter and 100")
        #expect(back.steps.last?.differences == forth.steps.last?.differences, "200 → 100 is the same move")
    }

    @Test("a step that called its model twice is compared on both calls' prompts")
    func everyCallsPrompt() throws {
        func call(_ user: String) -> String {
            #"{"type": "LLM", "name": "LLM Call", "modelName": "m", "input": "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"\#(user)\"}]}", "output": "{}"}"#
        }
        let step = { (second: String) in
            #"[{"nodeCode": "ASK", "nodeType": "LLM", "status": "COMPLETE", "output": "ok", "nodeStepInfo": {"details": [\#(call("first")), \#(call(second))]}}]"#
        }
        let bodies = [Self.body(job: "c-a", output: "ok", nodes: step("second"), tokens: (1, 1), time: 1),
                      Self.body(job: "c-b", output: "ok", nodes: step("another"), tokens: (1, 1), time: 1)]
        let store = try HistoryStore.inMemory()
        _ = try Importer(store: store).importBodies(from: bodies.enumerated().map { CaptureSource.data(Data($1.utf8), origin: "\($0)") }, team: nil)
        let a = try store.details(of: store.run("c-a"))
        #expect(a.calls(ofStepAt: a.nodes[0].position).count == 2)
        let diff = RunDiff(a: a, b: try store.details(of: store.run("c-b")))
        #expect(diff.steps.first?.differences == ["prompt"], "the second call's prompt changed")
        #expect(diff.steps.first?.promptDiff?.contains { $0.kind == .added && $0.text.contains("another") } == true)
    }

    @Test("an inline word diff leaves out spacing-only changes and, cut short, keeps a change's marks")
    func inlineDiff() {
        let segments: [WordDiff.Segment] = [.init(kind: .same, text: "Post the journal"), .init(kind: .removed, text: " "),
                                            .init(kind: .added, text: "\n"), .init(kind: .same, text: " for"),
                                            .init(kind: .added, text: " March and every later period of the year")]
        #expect(RunDiff.inline(segments, width: 200) == "Post the journal for {+March and every later period of the year+}")
        let cut = RunDiff.inline(segments, width: 30)
        #expect(cut.hasPrefix("Post the journal for {+March") && cut.hasSuffix("…+}") && cut.count <= 33, "\(cut)")
    }

    @Test("the same inputs but a step that answered them differently: that step is named, not only the final answer")
    func divergenceInAnOutput() throws {
        let step = { (output: String) in #"[{"nodeCode": "LOOKUP", "nodeType": "TOOL", "status": "COMPLETE", "input": "JE-1", "output": "\#(output)"}]"# }
        let bodies = [Self.body(job: "o-a", output: "Posted.", nodes: step("open"), tokens: (1, 1), time: 1),
                      Self.body(job: "o-b", output: "Refused.", nodes: step("closed"), tokens: (1, 1), time: 1)]
        let store = try HistoryStore.inMemory()
        _ = try Importer(store: store).importBodies(from: bodies.enumerated().map { CaptureSource.data(Data($1.utf8), origin: "\($0)") }, team: nil)
        let diff = RunDiff(a: try store.details(of: store.run("o-a")), b: try store.details(of: store.run("o-b")))
        #expect(diff.firstDivergence == nil)
        #expect(diff.divergenceSentence == "First divergence: none in the steps' inputs; LOOKUP was the first to answer the same input differently")
    }

    @Test("a step that called another team differs by that run's status, error and answer, not by its ids and times")
    func workflowStepsCompareTheirAnswers() throws {
        let bodies = [
            Self.body(job: "wf-a", output: "same", nodes: "[\(Self.workflowStep(job: "n-1", trace: "t-1", answer: "Mar-26", ended: 1))]", tokens: (1, 1), time: 1),
            Self.body(job: "wf-b", output: "same", nodes: "[\(Self.workflowStep(job: "n-2", trace: "t-2", answer: "Mar-26", ended: 2))]", tokens: (1, 1), time: 1),
            Self.body(job: "wf-c", output: "same", nodes: "[\(Self.workflowStep(job: "n-3", trace: "t-3", answer: "Apr-26", ended: 3))]", tokens: (1, 1), time: 1),
        ]
        let store = try HistoryStore.inMemory()
        _ = try Importer(store: store).importBodies(from: bodies.enumerated().map { CaptureSource.data(Data($1.utf8), origin: "\($0)") }, team: nil)
        let details = { (job: String) in try store.details(of: store.run(job)) }

        let sameAnswer = RunDiff(a: try details("wf-a"), b: try details("wf-b"))
        #expect(sameAnswer.steps.map(\.change) == [.same], "another jobId, traceId and end time is not a change")
        #expect(sameAnswer.isSameShape)

        let otherAnswer = RunDiff(a: try details("wf-a"), b: try details("wf-c"))
        let step = try #require(otherAnswer.steps.first)
        #expect(step.change == .changed && step.differences == ["output"])
        #expect(step.outputDiff?.filter { $0.kind != .same }.map(\.text) == ["Mar", "Apr"], "the called run's answer is diffed, not its body")
    }

    @Test("a verdict of changed says what changed: the answer's share of words, the steps, the references")
    func changedVerdictsSayWhy() throws {
        let a = Self.body(job: "why-a", output: "Pump A is cheaper.", nodes: #"[{"nodeCode": "ANSWER", "nodeType": "LLM", "status": "COMPLETE"}]"#,
                          tokens: (10, 1), time: 1_000)
        let b = Self.body(job: "why-b", output: "Pump A is cheaper and in stock.", nodes: """
            [{"nodeCode": "STOCK", "nodeType": "TOOL", "status": "COMPLETE"}, {"nodeCode": "ANSWER", "nodeType": "LLM", "status": "COMPLETE"}]
            """, chunks: #"[{"title": "Stock", "text": "18 at IMO"}]"#, tokens: (10, 1), time: 1_000)
        let store = try HistoryStore.inMemory()
        _ = try Importer(store: store).importBodies(from: [CaptureSource.data(Data(a.utf8), origin: "a"), CaptureSource.data(Data(b.utf8), origin: "b")], team: nil)
        let comparison = Comparison.of(try store.details(of: store.run("why-a")), try store.details(of: store.run("why-b")))
        let prompt = try #require(comparison.prompts.first)
        #expect(prompt.verdict == .changed)
        #expect(prompt.reasons == ["answer changed: 23% of its words", "1 step added", "1 chunk gained"])

        // Over repeats whose first runs agree, the later answers that differ are the change.
        let expect = PromptSuite.Expectations()
        let sideA = Self.side("A", statuses: ["COMPLETE", "COMPLETE"], outputs: ["x", "x"], tokens: [1, 1], times: [1, 1], expectations: expect)
        let sideB = Self.side("B", statuses: ["COMPLETE", "COMPLETE"], outputs: ["x", "y"], tokens: [1, 1], times: [1, 1], expectations: expect)
        let repeats = Comparison.PromptResult(index: 0, prompt: PromptSuite.Prompt(message: "m"), a: sideA, b: sideB, diff: nil, thresholds: .init())
        #expect(repeats.verdict == .changed)
        #expect(repeats.reasons == ["answers differ in later repeats (A gave 1 distinct, B 2)"])
    }

    @Test("two runs asked different prompts are diffed all the same, and said to be")
    func differentPrompts() {
        let a = RunRecordBuilder.make(status: "COMPLETE", output: "x", tokens: 1, time: 1)
        var b = a
        b.message = "Which of them can ship today?"
        #expect(Comparison.differentPrompts(a, a) == nil)
        #expect(Comparison.differentPrompts(a, b) == "The two runs were asked different prompts: A “m”, B “Which of them can ship today?”")
    }
}

/// Run records for verdict tests, without a history.
enum RunRecordBuilder {
    static func make(status: String, output: String, tokens: Int64, time: Int64) -> RunRecord {
        RunRecord(id: nil, jobId: "job", teamCode: "T", pod: nil, workflowCode: "T", workflowName: nil, version: 1, versionStatus: "PUBLISHED",
                  invocationMode: "ADMIN", architecture: nil, conversationId: nil, traceId: nil, message: "m", parameters: [:],
                  status: RunStatus(status), output: output, error: nil, followUpQuestions: [], waitingToolCode: nil, waitingSummary: nil,
                  startedAt: 0, endedAt: time, timeTakenMs: time, inputTokens: tokens, outputTokens: 0, nodeCount: 0, chunkCount: 0,
                  citationCount: 0, label: nil, source: .invoke, recordedAt: 0, updatedAt: 0)
    }
}
