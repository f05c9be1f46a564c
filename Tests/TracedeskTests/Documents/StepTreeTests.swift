import Foundation
import Testing
@testable import TracedeskDocuments
@testable import TracedeskHistory
import TracedeskModel

/// The Steps section as a tree beside the picked step: which rows show, under which step, which
/// subtrees start open, and what the picked step's panel says.
@Suite("The step tree and the picked step")
struct StepTreeTests {
    typealias Make = RunInsightsTests

    @Test("START and END have no row; a step under one is drawn under the nearest step that has")
    func bookends() {
        let nodes = [
            Make.node(0, "START", type: "START", start: 0, end: 0),
            Make.node(1, "CALL", type: "WORKFLOW", start: 0, end: 90),
            Make.node(2, "START", parent: 1, type: "START", start: 0, end: 0),
            Make.node(3, "WORK", parent: 1, start: 1, end: 80),
            Make.node(4, "END", parent: 1, type: "END", start: 80, end: 80),
            Make.node(5, "END", type: "END", start: 90, end: 90),
        ]
        let layout = StepTreeLayout(nodes: nodes, tree: NodeTree(nodes), keepOpen: [], limit: 200)
        #expect(layout.shown == [false, true, false, true, false, false])
        #expect(layout.parent[3] == 1)
        #expect(layout.children[1] == [3], "START and END of the nested run are not rows under it")
        #expect(layout.bookends == [0, 2, 4, 5])
        #expect(layout.startsOpen[1])
    }

    @Test("subtrees open breadth first while the rows in view stay within the limit; the way down to a failure stays open")
    func opening() {
        // Three containers of 4 steps each, the last with a failure inside.
        var nodes: [NodeRecord] = []
        for box in 0..<3 {
            let at = nodes.count
            nodes.append(Make.node(at, "BOX_\(box)", type: "PARALLEL", start: 0, end: 10))
            for step in 0..<4 {
                nodes.append(Make.node(nodes.count, "STEP_\(box)_\(step)", parent: at, start: 0, end: 10,
                                       status: box == 2 && step == 3 ? "FAILED" : "COMPLETED"))
            }
        }
        let insights = RunInsights(Make.details(nodes, took: 10))
        #expect(insights.failingPath == [10, 14])
        let layout = StepTreeLayout(nodes: nodes, tree: NodeTree(nodes), keepOpen: insights.failingPath, limit: 7)
        #expect(layout.startsOpen[0], "3 rows + 4 is within 7")
        #expect(!layout.startsOpen[5], "another 4 would make 11")
        #expect(layout.startsOpen[10], "the failing step's container opens whatever the limit")
        #expect(layout.rowsInView == 11)
    }

    @Test("a window of steps draws those steps, the steps they are in and the way down to a failure; tokens under a container stay the whole run's")
    func window() throws {
        // Two containers of 5 steps each (2 tokens a step), a failure in the first.
        var nodes: [NodeRecord] = []
        for box in 0..<2 {
            let at = nodes.count
            nodes.append(Make.node(at, "BOX_\(box)", type: "LOOP", start: 0, end: 10))
            for step in 0..<5 {
                var node = Make.node(nodes.count, "STEP_\(box)_\(step)", parent: at, start: 0, end: 10,
                                     status: box == 0 && step == 1 ? "FAILED" : "COMPLETED")
                node.inputTokens = 2
                nodes.append(node)
            }
        }
        let insights = RunInsights(Make.details(nodes, took: 10))
        let layout = StepTreeLayout(nodes: nodes, tree: NodeTree(nodes), keepOpen: insights.failingPath, limit: 200, window: 8..<12)
        #expect(nodes.indices.filter { layout.shown[$0] } == [0, 2, 6, 8, 9, 10, 11],
                "the window (8–11), their container (6), and the failure (2) with its container (0)")
        #expect(layout.children[6] == [8, 9, 10, 11] && layout.children[0] == [2])
        #expect(layout.tokensUnder[0].input == 10, "a container's tokens count its steps off the page too")
        #expect(layout.rowCount == 7 && layout.rowsInView == 7, "every row of the page is in view: no note that subtrees are folded")
        var report = RunReport(details: Make.details(nodes, took: 10), snapshots: [])
        report.stepWindow = 8..<12
        #expect(report.link(to: nodes[4]) == "?steps=5#step-5", "a step on another page is linked to the page that holds it")
        #expect(report.link(to: nodes[9]) == "#step-10")
        #expect(RunReport.page(holding: 9, pageSize: 4, of: 12) == 8..<12 && RunReport.page(holding: 500, pageSize: 4, of: 12) == 8..<12)
    }

    @Test("a step's code wraps after its underscores, never inside a word")
    func codesWrapAtUnderscores() throws {
        let nodes = [Make.node(0, "SUMMARISE_JOURNAL_LINES", start: 0, end: 10)]
        let html = try RunReport(details: Make.details(nodes, took: 10), snapshots: []).html()
        #expect(html.contains(#"<span class="piece">SUMMARISE_</span><span class="piece">JOURNAL_</span><span class="piece">LINES</span></a>"#),
                "a piece ending at each underscore")
    }

    @Test("the picked step's panel: its facts, the LLM prompt by role, input and output; a call's tokens in brackets")
    func panel() throws {
        let prompted = #"{"nodeCode": "ANSWER", "nodeStepInfo": {"details": [{"type": "LLM", "messages": [{"role": "SYSTEM", "content": [{"type": "TEXT", "text": "Cite the policy."}]}, {"role": "USER", "content": [{"type": "TEXT", "text": "Business class?"}]}]}]}}"#
        var nodes = Make.parallel
        nodes[5].raw = prompted
        nodes[5].output = "Yes, above 6 hours."
        nodes[1].nestedJobId = "nested-job"
        nodes[1].nestedInputTokens = 700
        nodes[1].nestedOutputTokens = 40
        let html = TestReports.keep(try RunReport(details: Make.details(nodes, took: 1_000), snapshots: []).html(), as: "step-panel")
        let document = try HTMLDocument(parsing: html, origin: "report")
        let panel = try #require(document.stepTarget(5))
        let text = panel.textContent
        #expect(text.contains("Prompt (2 messages)"))
        let messages = document.elements { $0.classes.contains("message") }
        #expect(messages.map(\.classes) == [["message", "role-system"], ["message", "role-user"]])
        #expect(messages.map { $0.children.last?.textContent } == ["Cite the policy.", "Business class?"])
        #expect(text.contains("cohere.command-r") && text.contains("Yes, above 6 hours.") && text.contains("300 ms"))
        // LOOKUP called another team: its tokens are that run's, bracketed, and the tree says why.
        let lookup = try #require(document.stepRows.first { $0.attribute("data-position") == "1" })
        #expect(lookup.children.last?.textContent == "(700 / 40)")
        #expect(document.elements(class: "tree-notes").first?.textContent.contains("Tokens in brackets") == true)
        // Every link to a step leads somewhere: rows, insights, the bookend note.
        let ids = Set(document.elements { $0.attribute("id") != nil }.compactMap { $0.attribute("id") })
        let inPage = document.elements { $0.name == "a" }.compactMap { $0.attribute("href") }.filter { $0.hasPrefix("#") }
        #expect(!inPage.isEmpty && inPage.allSatisfy { ids.contains(String($0.dropFirst())) }, "\(inPage.filter { !ids.contains(String($0.dropFirst())) })")
        // Subtrees fold with a summary that holds no link (screen readers flatten a summary).
        let folds = document.elements { $0.name == "summary" && $0.classes.contains("fold") }
        #expect(folds.count == 1 && folds.allSatisfy { !$0.descendantNames.contains("a") })
    }

    @Test("a container's row shows the tokens of the steps under it, bracketed; START and END are listed by the run they mark; a call's output is folded")
    func containers() throws {
        var nodes = [
            Make.node(0, "START", type: "START", start: 0, end: 0),
            Make.node(1, "BRANCHES", type: "PARALLEL", start: 0, end: 90),
            Make.node(2, "LEFT", parent: 1, type: "LLM", start: 0, end: 50, tokens: 300),
            Make.node(3, "RIGHT", parent: 1, type: "LLM", start: 0, end: 90, tokens: 200),
            Make.node(4, "CALL", type: "WORKFLOW", start: 90, end: 200),
            Make.node(5, "START", parent: 4, type: "START", start: 90, end: 90),
            Make.node(6, "INNER", parent: 4, type: "LLM", start: 91, end: 190, tokens: 50),
            Make.node(7, "END", parent: 4, type: "END", start: 190, end: 190),
            Make.node(8, "END", type: "END", start: 200, end: 200),
        ]
        nodes[4].nestedJobId = "called-job"
        nodes[4].output = #"{"jobId": "called-job", "status": "COMPLETE", "nodes": []}"#
        let html = TestReports.keep(try RunReport(details: Make.details(nodes, took: 200), snapshots: []).html(), as: "containers")
        let document = try HTMLDocument(parsing: html, origin: "report")
        func tokens(_ position: Int) -> String? {
            document.stepRows.first { $0.attribute("data-position") == String(position) }?.children.last?.textContent
        }
        #expect(tokens(1) == "(500 / 0)", "the parallel branches' tokens, bracketed")
        #expect(tokens(4) == "(50 / 0)", "the called run's steps' tokens, bracketed")
        #expect(tokens(2) == "300 / 0")
        let notes = try #require(document.elements(class: "tree-notes").first?.textContent)
        #expect(notes.contains("START, END of the run") && notes.contains("START, END under 5 CALL"), "\(notes)")
        #expect(document.stepTarget(5)?.textContent.contains("a marker of the run under 5 CALL") == true)
        let call = try #require(document.stepTarget(4))
        #expect(call.descendants.contains { $0.name == "summary" && $0.textContent.hasPrefix("The status body of the run it called") })
    }

    @Test("the retrieval step lists the chunks it brought, each linked to its row")
    func retrieval() throws {
        var nodes = Make.parallel
        nodes[1].type = "RAG_DOCUMENT_TOOL"
        var details = Make.details(nodes, took: 1_000)
        details.chunks = (0..<25).map { DocumentReferenceRecord(runId: 1, position: $0, title: "Policy \($0)", score: 0.5, text: "t", raw: "{}") }
        let html = TestReports.keep(try RunReport(details: details, snapshots: []).html(), as: "retrieval")
        let document = try HTMLDocument(parsing: html, origin: "report")
        let panel = try #require(document.stepTarget(1))
        let links = panel.descendants.filter { $0.name == "a" }.compactMap { $0.attribute("href") }
        #expect(links.count == RunReport.retrievedListLimit)
        #expect(links.allSatisfy { link in !document.elements { $0.attribute("id") == String(link.dropFirst()) }.isEmpty })
        #expect(panel.textContent.contains("Retrieved 25 chunks") && panel.textContent.contains("and 5 more"))
    }
}

extension HTMLElement {
    /// Every element inside this one, in document order.
    var descendants: [HTMLElement] {
        children.flatMap { [$0] + $0.descendants }
    }
}
