import Foundation
import Testing
import TracedeskCompare
@testable import TracedeskDocuments
@testable import TracedeskHistory
import TracedeskModel

/// What a report says at a glance: the critical path, the slowest steps, where the tokens went,
/// the failing path; and the structured diff the comparison report draws.
@Suite("Insights at a glance, and answers diffed by structure")
struct RunInsightsTests {
    static func node(_ position: Int, _ code: String, parent: Int? = nil, type: String = "TOOL", start: Int64, end: Int64,
                     status: String = "COMPLETED", tokens: Int64 = 0, model: String? = nil) -> NodeRecord {
        NodeRecord(runId: 1, position: position, parentPosition: parent, depth: parent == nil ? 0 : 1, code: code, type: type,
                   status: status, startedAt: start, endedAt: end, durationMs: end - start, inputTokens: tokens, outputTokens: 0,
                   model: model, input: "{\"for\": \"\(code)\"}", error: status == "FAILED" ? "HTTP 504 from the worker service" : nil, raw: "{}")
    }

    static func details(_ nodes: [NodeRecord], took: Int64, snapshots: [RunDetails.SnapshotSummary] = [], waitingMs: Int64? = nil) -> RunDetails {
        let run = RunRecord(jobId: "job", teamCode: "T", status: .complete, startedAt: 0, endedAt: took, timeTakenMs: took,
                            inputTokens: nodes.reduce(0) { $0 + $1.inputTokens }, outputTokens: 0, nodeCount: nodes.count,
                            source: .invoke, recordedAt: 0, updatedAt: 0)
        return RunDetails(run: run, nodes: nodes, chunks: [], citations: [], statusChanges: [], snapshots: snapshots,
                          waitingMs: waitingMs, waitingSince: nil, caller: nil)
    }

    /// START, then a lookup, then two branches in parallel (the slower decides), then an answer, then END.
    static let parallel: [NodeRecord] = [
        node(0, "START", type: "START", start: 0, end: 0),
        node(1, "LOOKUP", start: 10, end: 110),
        node(2, "BRANCHES", type: "PARALLEL", start: 110, end: 600),
        node(3, "FAST_BRANCH", parent: 2, start: 110, end: 300),
        node(4, "SLOW_BRANCH", parent: 2, start: 120, end: 600),
        node(5, "ANSWER", type: "LLM", start: 650, end: 950, tokens: 900, model: "cohere.command-r"),
        node(6, "END", type: "END", start: 950, end: 950),
    ]

    @Test("waiting against working on one clock: the pod's waiting steps, else what Tracedesk saw, and no sum across clocks")
    func waitingClocks() {
        let nodes = [Self.node(0, "SUMMARISE", type: "LLM", start: 0, end: 3_000),
                     Self.node(1, "APPROVE", type: "HUMAN", start: 3_000, end: 8_728), Self.node(2, "POST", start: 8_728, end: 10_002)]
        let report = RunReport(details: Self.details(nodes, took: 10_002, waitingMs: 9), snapshots: [])
        #expect(report.waitingText(insights: report.insights, clocksDiffer: true)
                == "5.728 s (APPROVE), working 4.274 s; seen WAITING by Tracedesk for 9 ms")
        #expect(report.waitingText(insights: report.insights, clocksDiffer: false) == "5.728 s (APPROVE), working 4.274 s")
        let unseen = RunReport(details: Self.details([Self.node(0, "WORK", start: 0, end: 10_000)], took: 10_000, waitingMs: 2_000), snapshots: [])
        #expect(unseen.waitingText(insights: unseen.insights, clocksDiffer: true) == "2.000 s as Tracedesk saw it")
        #expect(unseen.waitingText(insights: unseen.insights, clocksDiffer: false) == "2.000 s as Tracedesk saw it, working 8.000 s")
    }

    @Test("the critical path goes through the slower branch; the faster is beside it; gaps are counted; bookends are left out")
    func criticalPath() {
        let insights = RunInsights(Self.details(Self.parallel, took: 1_000))
        #expect(insights.criticalPath.map(\.node) == [1, 4, 5])
        #expect(insights.criticalPath.map(\.durationMs) == [100, 480, 300])
        #expect(insights.criticalPath.map(\.gapBeforeMs) == [0, 10, 50], "LOOKUP ends at 110, SLOW_BRANCH starts at 120; ANSWER waits 50 ms")
        #expect(insights.besidePath == 1)
        #expect(insights.pathMs == 940)

        // A container that ends after its last child: the gap is measured from the child, as every other gap is.
        let nested = [Self.node(0, "LOOKUP", start: 10, end: 110), Self.node(1, "BOX", type: "PARALLEL", start: 110, end: 600),
                      Self.node(2, "INNER", parent: 1, start: 115, end: 590), Self.node(3, "ANSWER", start: 650, end: 950)]
        let boxed = RunInsights(Self.details(nested, took: 1_000))
        #expect(boxed.criticalPath.map(\.node) == [0, 2, 3])
        #expect(boxed.criticalPath.map(\.gapBeforeMs) == [0, 5, 60])
        #expect(boxed.pathMs == 950 - 10, "the path spans from the first step's start to the last one's end")
    }

    @Test("the slowest steps and the tokens are ranked with their share; containers and bookends are not steps of their own")
    func ranked() {
        let insights = RunInsights(Self.details(Self.parallel, took: 1_000))
        #expect(insights.slowest.map(\.node) == [4, 5, 3, 1])
        #expect(insights.slowest.first?.share == 0.48)
        #expect(insights.tokens.map(\.node) == [5])
        #expect(insights.tokens.first?.share == 1)
    }

    @Test("a failed run: the path from the top to the failed step, even when its parent says COMPLETED")
    func failingPath() throws {
        var nodes = Self.parallel
        nodes[4].status = "FAILED"
        nodes[4].error = "HTTP 504 from the worker service"
        let insights = RunInsights(Self.details(nodes, took: 1_000))
        #expect(insights.failingPath == [2, 4])
        #expect(RunInsights(Self.details(Self.parallel, took: 1_000)).failingPath.isEmpty)
        // The report's failing path says why a COMPLETED step is on it.
        let page = try HTMLDocument(parsing: try RunReport(details: Self.details(nodes, took: 1_000), snapshots: []).html(), origin: "failed")
        let trail = try #require(page.elements { $0.name == "ul" && $0.classes.contains("trail") }.first)
        #expect(trail.children.filter { $0.name == "li" }.map { $0.textContent.trimmingCharacters(in: .whitespacesAndNewlines) } == [
            "3 BRANCHES PARALLEL · COMPLETED · a step under it failed", "5 SLOW_BRANCH TOOL · FAILED",
        ])
    }

    @Test("the client's view: requests with repeats, distinct bodies, answers that were not 200, time waiting, the polling delay")
    func clientView() throws {
        let snapshots: [RunDetails.SnapshotSummary] = [
            .init(sequence: 1, firstSeenAt: 0, lastSeenAt: 10, timesSeen: 3, httpStatus: 200, status: "RUNNING", bytes: 10),
            .init(sequence: 2, firstSeenAt: 11, lastSeenAt: 11, timesSeen: 1, httpStatus: 503, status: nil, bytes: 10),
            .init(sequence: 3, firstSeenAt: 12, lastSeenAt: 12, timesSeen: 1, httpStatus: 200, status: "COMPLETE", bytes: 10),
        ]
        let insights = RunInsights(Self.details(Self.parallel, took: 1_000, snapshots: snapshots, waitingMs: 250))
        #expect(insights.requests == 5 && insights.distinctBodies == 3 && insights.failedRequests == 1)
        #expect(insights.waitingMs == 250)
        #expect(insights.pollingDelay == .init(withinMs: 2, lastUnderWay: "RUNNING"), "RUNNING last seen at 10, COMPLETE first at 12; the 503 at 11 says nothing")
        let report = try RunReport(details: Self.details(Self.parallel, took: 1_000, snapshots: snapshots), snapshots: []).html()
        #expect(report.contains("Polling delay") && report.contains("at most 2 ms (last RUNNING answer to first COMPLETE)"))

        let atOnce: [RunDetails.SnapshotSummary] = [.init(sequence: 1, firstSeenAt: 5, lastSeenAt: 5, timesSeen: 1, httpStatus: 200, status: "COMPLETE", bytes: 1)]
        #expect(RunInsights(Self.details(Self.parallel, took: 1_000, snapshots: atOnce)).pollingDelay == .init(withinMs: 0, lastUnderWay: nil))
        #expect(RunInsights(Self.details(Self.parallel, took: 1_000, snapshots: Array(snapshots.prefix(2)))).pollingDelay == nil, "not ended yet")
    }

    @Test("step times to the millisecond at every scale")
    func preciseDurations() {
        #expect(TextFormat.preciseDuration(340) == "340 ms")
        #expect(TextFormat.preciseDuration(12_345) == "12.345 s")
        #expect(TextFormat.preciseDuration(245_120) == "4 min 05.120 s")
        #expect(TextFormat.preciseDuration(7_385_000) == "2 h 03 min 05 s")
        #expect(TextFormat.preciseDuration(nil) == "-")
    }

    @Test("a Markdown table is diffed as rows and cells; a list item is added as a unit; the separator line is layout")
    func structuredDiff() {
        let a = """
            Here is a comparison:

            | | M1 | M2 |
            |---|---|---|
            | Unit price | 1,240.00 | 1,585.00 |
            | Lead time | 12 days | 21 days |

            - cheaper: M1
            """
        let b = """
            Here is a comparison, with stock:

            | | M1 | M2 |
            |---|---|---|
            | Unit price | 1,240.00 | 1,590.00 |
            | Lead time | 12 days | 21 days |
            | On hand | 18 | none |

            - cheaper: M1
            - in stock: M1
            """
        let blocks = StructuredTextDiff.diff(a, b)
        guard case .line(let first) = blocks[0], case .table(let rows) = blocks[1] else {
            Issue.record("expected a line then a table: \(blocks)")
            return
        }
        #expect(first.change == .changed)
        #expect(rows.map(\.change) == [.same, .changed, .same, .added], "header, price, lead time, on hand; no separator row")
        #expect(rows[1].cells[0] == [WordDiff.Segment(kind: .same, text: "Unit price")])
        #expect(rows[1].cells[2].contains(WordDiff.Segment(kind: .removed, text: "585")))
        #expect(rows[1].cells[2].contains(WordDiff.Segment(kind: .added, text: "590")))
        let lines = blocks.compactMap { block -> StructuredTextDiff.Line? in if case .line(let line) = block { line } else { nil } }
        #expect(lines.last?.change == .added && lines.last?.segments == [WordDiff.Segment(kind: .added, text: "- in stock: M1")])
        #expect(!blocks.contains { if case .line(let line) = $0 { line.segments.contains { $0.text.contains("|") } } else { false } })
        #expect(StructuredTextDiff.hasChanges(blocks) && !StructuredTextDiff.hasChanges(StructuredTextDiff.diff(a, a)))

        // Drawn as Markdown is read: a list item without its bullet, a heading without its #s, no ** around words.
        #expect(lines.last?.presented.role == .item)
        #expect(lines.last?.presented.segments == [WordDiff.Segment(kind: .added, text: "in stock: M1")])
        let ledger = StructuredTextDiff.diff("## US Primary Ledger\n- **Period**: Feb-26", "## US Primary Ledger\n- **Period**: Mar-26")
        let shown = ledger.compactMap { block -> StructuredTextDiff.Line? in if case .line(let line) = block { line } else { nil } }.map(\.presented)
        #expect(shown.map(\.role) == [.heading(2), .item])
        #expect(shown[0].segments == [WordDiff.Segment(kind: .same, text: "US Primary Ledger")])
        #expect(shown[1].segments.map(\.text).joined().hasPrefix("Period: "), "\(shown[1].segments)")
        #expect(shown[1].segments.contains(WordDiff.Segment(kind: .added, text: "Mar")))
    }

    @Test("the report opens with the insights, folds START and END out of the step table, links web citations and nothing else")
    func reportLayout() throws {
        var details = Self.details(Self.parallel, took: 1_000)
        details.citations = [
            DocumentReferenceRecord(runId: 1, position: 0, title: "Travel policy", source: "https://intranet.example.com/travel.pdf",
                                    score: 0.82, text: "Business class is allowed above 6 hours.", page: "4", raw: "{}"),
            DocumentReferenceRecord(runId: 1, position: 1, title: "Trap", source: "javascript:alert(1)", text: "x", raw: "{}"),
        ]
        let html = TestReports.keep(try RunReport(details: details, snapshots: []).html(), as: "insights")
        let document = try HTMLDocument(parsing: html, origin: "report")
        let sections = document.elements { $0.name == "section" }.compactMap { $0.attribute("id") }
        #expect(sections.first == "insights")
        let rows = document.stepRows
        #expect(rows.count == 5, "7 steps, START and END folded out")
        // Each row draws its span on the run's axis; a link to a step leads to its detail, beside its row.
        #expect(rows.allSatisfy { row in row.children.contains { $0.classes.contains("when") && !$0.children.isEmpty } })
        let target = try #require(document.stepTarget(4))
        #expect(target.classes == ["step-detail"])
        let links = document.elements { $0.name == "a" && $0.attribute("href") == "#step-5" }
        #expect(links.contains { link in rows.contains { $0.textContent.contains(link.textContent) } }, "its row links to it")
        #expect(html.contains("Where the time went") && html.contains("Where the tokens went"))
        #expect(html.contains("0.480 s") == false && html.contains("480 ms"), "step times to the millisecond")
        let addresses = document.elements { $0.name == "a" }.compactMap { $0.attribute("href") }
        #expect(addresses.contains("https://intranet.example.com/travel.pdf"))
        #expect(!addresses.contains { $0.lowercased().contains("javascript") })
    }

    @Test("chunks are tied to the step that retrieved them: a retrieval step whose output holds their text, else the only search step")
    func retrieval() throws {
        let fixture = try ReportFixture(sample: "document-chunks-complete.json")
        let details = try fixture.details
        let step = try #require(RunInsights(details).retrievalStep)
        #expect(details.nodes[step].type == "RAG_DOCUMENT_TOOL")
        let html = try fixture.html()
        #expect(html.contains("Retrieved by step"))

        // Evidence beats the only-one rule: two search steps, one whose output quotes a chunk.
        var nodes = [Self.node(0, "SEARCH_A", type: "RAG_DOCUMENT_TOOL", start: 0, end: 10),
                     Self.node(1, "SEARCH_B", type: "RAG_DOCUMENT_TOOL", start: 10, end: 20)]
        nodes[1].output = #"{"chunks": [{"text": "4.2 Air travel. Economy class is the standard for all flights."}]}"#
        var withChunks = Self.details(nodes, took: 20)
        withChunks.chunks = [DocumentReferenceRecord(runId: 1, position: 0, title: "Policy",
                                                     text: "4.2 Air travel. Economy class is the standard for all flights.", raw: "{}")]
        #expect(RunInsights(withChunks).retrievalStep == 1)
        nodes[1].output = nil
        withChunks.nodes = nodes
        #expect(RunInsights(withChunks).retrievalStep == nil, "two search steps and no evidence: not guessed")
    }
}
