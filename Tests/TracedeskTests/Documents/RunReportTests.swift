import Foundation
import Testing
@testable import TracedeskClient
@testable import TracedeskCommandLine
@testable import TracedeskCompare
@testable import TracedeskDocuments
@testable import TracedeskHistory
@testable import TracedeskModel
@testable import TracedeskUseCases

/// Records bodies in an in-memory history and writes the report of one run.
struct ReportFixture {
    let store: HistoryStore
    let run: RunRecord

    init(bodies: [String], team: String? = nil, jobId: String? = nil) throws {
        store = try HistoryStore.inMemory()
        let sources = bodies.enumerated().map { CaptureSource.data(Data($0.element.utf8), origin: "body \($0.offset + 1)") }
        let summary = try Importer(store: store).importBodies(from: sources, team: team)
        run = try store.run(jobId ?? summary.runs[0].jobId)
    }

    init(sample: String) throws {
        try self.init(bodies: [Fixtures.text(sample)], team: "SAMPLE_TEAM")
    }

    var details: RunDetails {
        get throws { try store.details(of: run) }
    }

    func report() throws -> RunReport {
        RunReport(details: try details, snapshots: try store.snapshots(of: run), writtenAt: 1_773_500_000_000)
    }

    func html() throws -> String {
        TestReports.keep(try report().html(), as: "run-\(run.teamCode ?? run.jobId)")
    }

    func parsed() throws -> HTMLDocument {
        try HTMLDocument(parsing: html(), origin: "report")
    }
}

extension HTMLDocument {
    func elements(class name: String) -> [HTMLElement] {
        elements { $0.classes.contains(name) }
    }

    func slot(_ name: String) -> HTMLElement? {
        elements { $0.attribute("data-slot") == name }.first
    }

    /// The rows of the step tree, one per step shown (its head and total rows left out).
    var stepRows: [HTMLElement] {
        elements { $0.classes.contains("tree-row") && $0.attribute("data-position") != nil }
    }

    /// The element a link to step `position` leads to.
    func stepTarget(_ position: Int) -> HTMLElement? {
        elements { $0.attribute("id") == "step-\(position + 1)" }.first
    }
}

@Suite("The run report")
struct RunReportTests {
    @Test("holds every step, chunk and citation of each sample, with the run's totals", arguments: Fixtures.sampleNames)
    func structure(sample: String) throws {
        let fixture = try ReportFixture(sample: sample)
        let details = try fixture.details
        let document = try fixture.parsed()

        // START and END are folded out of the step tree; every step, those too, has its detail to link to.
        let work = details.nodes.filter { !RunInsights.isBookend($0) }
        #expect(document.stepRows.count == work.count)
        #expect(document.elements(class: "step-detail").count == details.nodes.count)
        for node in details.nodes { #expect(document.stepTarget(node.position)?.classes == ["step-detail"]) }
        #expect(document.elements(class: "chunk-row").count == details.chunks.count)
        #expect(document.elements(class: "citation-row").count == details.citations.count)
        #expect(document.elements(class: EmbeddedRun.bodyClass).count == details.snapshots.count)
        #expect(document.slot("team")?.textContent == fixture.run.teamCode)
        if let team = fixture.run.teamCode, team.contains("_") {
            // Pieces that wrap at the underscores: a narrow screen never breaks the code inside a word.
            let pieces = document.slot("team")?.children.map(\.textContent) ?? []
            #expect(pieces.joined() == team && pieces.dropLast().allSatisfy { $0.hasSuffix("_") } && pieces.count == team.count(where: { $0 == "_" }) + 1,
                    "\(pieces)")
        }
        #expect(document.slot("status")?.textContent == fixture.run.status.rawValue)
        let facts = document.slot("facts")?.textContent ?? ""
        #expect(facts.contains(fixture.run.jobId))
        #expect(facts.contains(fixture.run.inputTokens.map(TextFormat.count) ?? "unknown"))
        if !details.nodes.isEmpty {
            let total = document.elements(class: "total").first?.children.map(\.textContent) ?? []
            #expect(total.last == RunReport.tokenTotal(fixture.run))
            #expect(total.last == (fixture.run.inputTokens == nil ? "unknown"
                                   : "\(TextFormat.count(fixture.run.inputTokens!)) / \(TextFormat.count(fixture.run.outputTokens ?? 0))"))
            // Every step's code is a row, and a bar of the timeline but for a nested run's START and END.
            let rows = Set(document.stepRows.map { $0.textContent })
            for node in work { #expect(rows.contains { $0.contains(node.label) }, "\(node.label)") }
            #expect(document.elements { $0.name == "rect" && $0.classes.contains("bar") }.count
                    == details.nodes.filter { $0.startedAt != nil && !(RunInsights.isBookend($0) && $0.depth > 0) }.count)
        }
        #expect(document.elements(named: "a").allSatisfy { !$0.textContent.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty },
                "every link says where it goes")
        // Sections with nothing to show are left out, with their links.
        #expect((document.elements { $0.attribute("id") == "chunks" }.isEmpty) == details.chunks.isEmpty)
        #expect((document.elements { $0.attribute("id") == "error" }.isEmpty) == (fixture.run.error == nil && !details.nodes.contains { $0.error != nil }))
    }

    @Test("forbids scripts and fetches with a Content-Security-Policy, and inlines its stylesheet")
    func selfContained() throws {
        let document = try ReportFixture(sample: "document-chunks-complete.json").parsed()
        let policy = document.elements { $0.name == "meta" && $0.attribute("http-equiv") == "Content-Security-Policy" }
        #expect(policy.count == 1)
        let content = policy.first?.attribute("content") ?? ""
        #expect(content.contains("default-src 'none'"))
        #expect(!content.contains("script-src"))
        let styles = document.elements(named: "style")
        #expect(styles.count == 1)
        #expect(styles.first?.textContent.contains("prefers-color-scheme: dark") == true)
        #expect(styles.first?.textContent.contains("@media print") == true)
        #expect(document.elements { ["link", "script", "img", "iframe"].contains($0.name) }.isEmpty)
        #expect(document.elements { $0.attribute("src") != nil }.isEmpty)
    }

    @Test("renders the answer's Markdown and keeps the text as received")
    func markdownAnswer() throws {
        let body = ###"{"jobId": "md-1", "status": "COMPLETE", "workflowCode": "T", "output": "## Result\n\nItem **M1000034** is *cheaper*:\n\n| item | price |\n|---|---|\n| M1000034 | 12.50 |\n\n- one\n- two\n\n[policy](https://example.com/p) and [bad](javascript:alert(1))"}"###
        let document = try ReportFixture(bodies: [body]).parsed()
        let answer = try #require(document.elements(class: "answer").first)
        let names = Set(answer.descendantNames)
        #expect(names.isSuperset(of: ["h3", "strong", "em", "table", "td", "ul", "li", "a"]), "the answer's ## a level under the Output heading")
        let links = document.elements { $0.name == "a" && $0.attribute("href")?.hasPrefix("https://example.com") == true }
        #expect(links.count == 1)
        #expect(links.first?.attribute("rel") == "noopener noreferrer nofollow")
        #expect(answer.textContent.contains("bad"), "a refused link keeps its text")
        let scripted = document.elements { $0.attribute("href")?.lowercased().contains("javascript") == true }
        #expect(scripted.isEmpty)
    }

    @Test("a large run opens subtrees only while 200 rows are in view; its timeline shows the outer levels and says so")
    func largeRun() throws {
        var nodes: [String] = []
        for outer in 0..<30 {
            let start = 1_773_440_000_000 + Int64(outer) * 1000
            var children: [String] = []
            for inner in 0..<20 {
                children.append(#"{"nodeCode": "INNER_\#(outer)_\#(inner)", "nodeType": "TOOL", "status": "COMPLETE", "startTime": \#(start + Int64(inner) * 40), "endTime": \#(start + Int64(inner) * 40 + 30)}"#)
            }
            nodes.append(#"{"nodeCode": "OUTER_\#(outer)", "nodeType": "AGENT", "status": "COMPLETE", "startTime": \#(start), "endTime": \#(start + 900), "children": [\#(children.joined(separator: ","))]}"#)
        }
        let body = #"{"jobId": "big-1", "status": "COMPLETE", "workflowCode": "BIG", "startDate": 1773440000000, "endDate": 1773440030000, "nodes": [\#(nodes.joined(separator: ","))]}"#
        let fixture = try ReportFixture(bodies: [body])
        let details = try fixture.details
        #expect(details.nodes.count == 630)
        let document = try fixture.parsed()
        #expect(document.stepRows.count == 630)
        // 30 top-level rows, then 20 more for each subtree opened, in order: 8 of them make 190.
        let subtrees = document.elements(class: "subtree")
        #expect(subtrees.count == 30)
        #expect(subtrees.prefix(8).allSatisfy { $0.attribute("open") != nil })
        #expect(subtrees.dropFirst(8).allSatisfy { $0.attribute("open") == nil })
        #expect(document.elements(class: "tree-notes").first?.textContent.contains("within \(RunReport.openStepLimit)") == true)
        #expect(document.elements { $0.name == "rect" && $0.classes.contains("bar") }.count == 30)
        #expect(document.slot("timeline")?.textContent.contains("Showing the 30 top-level steps only; the 600 steps inside them are in the step tree below.") == true)
        #expect(document.slot("steps-summary")?.textContent.hasPrefix("630 steps") == true)
    }

    @Test("a large run's wording: levels named, counts grouped, singular and plural right")
    func largeRunWording() {
        #expect(TimelineChart.hiddenNote(shown: 8, deepest: 0, hidden: 6_000)
                == "Showing the 8 top-level steps only; the 6,000 steps inside them are in the step tree below.")
        #expect(TimelineChart.hiddenNote(shown: 380, deepest: 2, hidden: 1)
                == "Showing the 380 steps down to 2 levels below the top; the 1 step nested deeper is in the step tree below.")
    }

    @Test("shades the time a step waited for a person, and reports the status history")
    func waiting() throws {
        let fixture = try ReportFixture(sample: "approval-waiting.json")
        let document = try fixture.parsed()
        #expect(!document.elements { $0.name == "rect" && $0.classes.contains("waiting") }.isEmpty)
        #expect(document.elements(class: "status-change").count == (try fixture.details).statusChanges.count)
    }

    @Test("a run still going draws its slowest steps against the slowest, not all at full width")
    func slowestOfARunningRun() throws {
        let body = #"""
            {"jobId": "running-bars", "status": "RUNNING", "startTime": 1773341443000, "nodes": [
              {"label": "START", "type": "START", "status": "COMPLETED", "startTime": 1773341443000, "endTime": 1773341443000},
              {"label": "READ_LEDGER", "type": "BUSINESS_OBJECT", "status": "COMPLETED", "startTime": 1773341443000, "endTime": 1773341447000},
              {"label": "SUMMARISE", "type": "LLM", "status": "COMPLETED", "startTime": 1773341447000, "endTime": 1773341448000},
              {"label": "CHECK", "type": "CODE", "status": "RUNNING", "startTime": 1773341448000}
            ]}
            """#
        let document = try ReportFixture(bodies: [body], team: "XX_RUNNING").parsed()
        let cards = document.elements { $0.classes.contains("card") && $0.children.first?.textContent == "Slowest steps" }
        let card = try #require(cards.first)
        let widths = document.elements { $0.name == "rect" && $0.classes.contains("fill") && $0.isInside(card) }
            .compactMap { $0.attribute("width") }
        #expect(widths == ["100.00", "25.00"], "READ_LEDGER (4 s) the slowest, SUMMARISE (1 s) a quarter of it: \(widths)")
    }

    @Test("a nested run's steps: its START and END have no timeline row (as in the tree), and ranked steps say which step called their run")
    func nestedRunsInTheInsights() throws {
        let fixture = try ReportFixture(sample: "workflow-nested-complete.json")
        let document = try fixture.parsed()
        let nodes = try fixture.details.nodes
        let timeline = try #require(document.slot("timeline"))
        let rows = document.elements { $0.name == "a" && $0.isInside(timeline) }.compactMap { $0.attribute("href") }
        let nestedBookends = nodes.filter { RunInsights.isBookend($0) && $0.depth > 0 }
        #expect(!nestedBookends.isEmpty, "the sample nests runs")
        for bookend in nestedBookends { #expect(!rows.contains("#step-\(bookend.position + 1)"), "\(bookend.label) at \(bookend.position + 1)") }
        #expect(rows.contains("#step-1") && rows.contains("#step-\(nodes.count)"), "the run's own START and END keep their rows")

        let tokens = document.elements { $0.classes.contains("bar-row") && $0.classes.contains("tokens") }.map(\.textContent)
        #expect(tokens.contains { $0.contains("SUMMARISE_PERIOD_STATUS in FETCH_PERIOD_STATUS · cohere") }, "\(tokens)")
        #expect(tokens.contains { $0.contains("RENDER_SUMMARY cohere") && !$0.contains(" in ") }, "a step of the run itself has no caller")
    }

    @Test("a loop of many quick iterations ranks among the slowest steps, with its iterations, beside the steps that did work")
    func loopsRankBesideLeaves() throws {
        let start: Int64 = 1_773_341_443_000
        func node(_ code: String, _ type: String, from: Int64, to: Int64, children: [String] = []) -> String {
            #"{"nodeCode": "\#(code)", "nodeType": "\#(type)", "status": "COMPLETED", "startTime": \#(start + from), "endTime": \#(start + to)"#
                + (children.isEmpty ? "}" : #", "children": [\#(children.joined(separator: ","))]}"#)
        }
        let iterations = (0..<100).map { node("FETCH_ON_HAND_\($0 + 1)", "BO_FUNCTION", from: 1_900 + Int64($0) * 110, to: 1_904 + Int64($0) * 110) }
        let nodes = [node("START", "START", from: 0, to: 1), node("FETCH_ITEM_SHORTAGES", "BO_FUNCTION", from: 2, to: 1_800),
                     node("GET_ITEM_SHORTAGE_ADDITIONAL_DATA", "LOOP", from: 1_850, to: 12_850, children: iterations),
                     node("SUMMARISE", "LLM", from: 12_900, to: 14_100), node("END", "END", from: 14_100, to: 14_101)]
        let body = #"{"jobId": "loop-run", "status": "COMPLETE", "timeTaken": 17200, "nodes": [\#(nodes.joined(separator: ","))]}"#
        let fixture = try ReportFixture(bodies: [body], team: "XX_LOOPS")
        let insights = RunInsights(try fixture.details)
        let nodesRecorded = try fixture.details.nodes
        #expect(insights.slowest.map { nodesRecorded[$0.node].label }.prefix(3) == ["GET_ITEM_SHORTAGE_ADDITIONAL_DATA", "FETCH_ITEM_SHORTAGES", "SUMMARISE"])
        let document = try fixture.parsed()
        let rows = document.elements { $0.classes.contains("bar-row") && $0.classes.contains("time") }.map(\.textContent)
        #expect(rows.contains { $0.contains("GET_ITEM_SHORTAGE_ADDITIONAL_DATA LOOP, 100 iterations") && $0.contains("11.000 s (64%)") }, "\(rows)")
        #expect(try fixture.html().contains("slowest: 3 GET_ITEM_SHORTAGE_ADDITIONAL_DATA (11.0 s)"), "the summary line says the same")
    }

    @Test("only an http or https address with a host becomes a link")
    func webAddresses() {
        #expect(RunReport.webAddress("  https://intranet.example.com/travel.pdf\n") == "https://intranet.example.com/travel.pdf")
        #expect(RunReport.webAddress("HTTP://Docs.Example.com") == "HTTP://Docs.Example.com")
        for refused in ["javascript:alert(1)", "http:/no-host", "https://", "file:///etc/passwd", "travel-2026.pdf", "ftp://x.example", "httpx://x.example", ""] {
            #expect(RunReport.webAddress(refused) == nil, "\(refused)")
        }
    }

    @Test("a default file name from the team and the jobId, safe on every file system")
    func fileName() throws {
        var run = try ReportFixture(sample: "coe-status-complete.json").run
        #expect(RunReport.defaultFileName(for: run) == "\(run.teamCode!)-\(run.jobId).html")
        run.teamCode = "../etc/pass wd"
        #expect(!RunReport.defaultFileName(for: run).contains("/"))
    }
}

extension HTMLElement {
    /// The names of every element inside this one.
    var descendantNames: [String] {
        children.flatMap { [$0.name] + $0.descendantNames }
    }
}
