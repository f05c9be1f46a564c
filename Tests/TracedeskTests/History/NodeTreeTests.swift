import Foundation
import Testing
import TracedeskCommandLine
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// The shape of a run's steps: drawn, and read for failures, in linear passes whatever the depth.
@Suite("The tree of a run's steps")
struct NodeTreeTests {
    func node(_ position: Int, parent: Int?, status: String = "COMPLETED", code: String? = nil) -> NodeRecord {
        NodeRecord(runId: 1, position: position, parentPosition: parent, code: code ?? "N\(position)", status: status, raw: "{}")
    }

    @Test("prefixes draw the branches as show prints them")
    func prefixes() {
        let nodes = [node(0, parent: nil), node(1, parent: 0), node(2, parent: 1), node(3, parent: 1), node(4, parent: 0), node(5, parent: nil)]
        #expect(NodeTree(nodes).prefixes() == ["", "├─ ", "│  ├─ ", "│  └─ ", "└─ ", ""])
    }

    @Test("a step that says COMPLETED over a failed step names the failure; the failed step itself does not")
    func failureBelow() {
        let nodes = [node(0, parent: nil), node(1, parent: 0), node(2, parent: 1, status: "FAILED", code: "GET_PERSON_DETAILS"),
                     node(3, parent: 0), node(4, parent: nil)]
        let tree = NodeTree(nodes)
        #expect(tree.failureBelow == [2, 2, nil, nil, nil])
    }

    @Test("100,000 steps in one chain: depths and failures without recursion, prefixes capped")
    func deepChain() {
        let count = 100_000
        var nodes = (0..<count).map { node($0, parent: $0 == 0 ? nil : $0 - 1) }
        nodes[count - 1].status = "FAILED"
        let tree = NodeTree(nodes)
        #expect(tree.depth.last == count - 1)
        #expect(tree.failureBelow[0] == count - 1)
        let prefixes = tree.prefixes(maximumDepth: 24)
        #expect(prefixes[count - 1] == "⋮ depth \(count - 1) └─ ")
        #expect(prefixes.map(\.count).max()! < 80)
    }

    @Test("a parent listed after its child, or missing, makes a top-level step, not a cycle")
    func parentsOutOfOrder() {
        let nodes = [node(0, parent: 1), node(1, parent: 0), node(2, parent: 2)]
        let tree = NodeTree(nodes)
        #expect(tree.parent == [nil, 0, nil])
        #expect(tree.depth == [0, 1, 0])
    }

    @Test("a step under way (endTime 0, totalNodeTime 0) has no length yet, not a length of 0")
    func runningStepLength() throws {
        let body = try StatusBody(data: Data("""
            {"jobId": "j", "status": "RUNNING", "nodes": [
              {"nodeCode": "COMPARE_ITEMS", "nodeType": "LLM", "status": "RUNNING", "startTime": 1000, "endTime": 0,
               "nodeStepInfo": {"totalNodeTime": 0}},
              {"nodeCode": "SKIPPED_STEP", "nodeType": "CODE", "status": "SKIPPED", "startTime": 1000, "endTime": 0,
               "nodeStepInfo": {"totalNodeTime": 0}}
            ]}
            """.utf8))
        #expect(body.nodes[0].durationMs == nil)
        #expect(body.nodes[1].durationMs == 0, "only a step still RUNNING or WAITING has an unknown length")
    }
}

/// `show` and the report, on the demo's worker card run: the PARALLEL step over the failed call.
@Suite("Failures and open steps in show and the report")
struct FailureMarkingTests {
    @Test("show marks the step over a failure, and the report marks its row and its bar")
    func workerCard() async throws {
        let folder = try TemporaryFolder()
        let tracedesk = try CommandLineHarness.withPod(in: folder.url)
        let invoked = await tracedesk.run(["invoke", "XX_WORKER_CARD", "Show the worker card of Casey Brown", "--quiet",
                                           "--report", folder.path("card.html")])
        #expect(invoked.status == 1)
        let shown = await tracedesk.run(["show", "last"])
        let parallel = try #require(shown.stdout.split(separator: "\n").first { $0.contains("PARALLEL_NODE") })
        #expect(parallel.contains("COMPLETED"), "the status as the pod said it")
        #expect(parallel.hasSuffix("! GET_PERSON_DETAILS failed under it"))
        let document = try HTMLDocument(parsing: try String(contentsOfFile: folder.path("card.html"), encoding: .utf8), origin: "report")
        #expect(document.elements { $0.name == "li" && $0.classes.contains("failed-below") }.count == 1)
        #expect(document.elements { $0.name == "rect" && $0.classes.contains("failed-below") }.count == 1)
    }

    @Test("a step still RUNNING when the run was last seen runs to that instant, marked open")
    func openStep() async throws {
        let folder = try TemporaryFolder()
        let tracedesk = try CommandLineHarness.withPod(in: folder.url)
        let stopped = await tracedesk.run(["invoke", "PRODUCT_COMPARISON_ADVISOR_COE", "Compare M1000034 of org IMO and M1000040 of Org SBI",
                                           "--timeout", "8", "--quiet", "--report", folder.path("open.html")])
        #expect(stopped.status == 3, "\(stopped.stderr)")
        let shown = await tracedesk.run(["show", "last"])
        let compare = try #require(shown.stdout.split(separator: "\n").first { $0.contains("COMPARE_ITEMS") })
        #expect(compare.contains("RUNNING"))
        #expect(compare.contains("≥ "), "\(compare)")
        #expect(!compare.contains(" 0 ms"))
        let document = try HTMLDocument(parsing: try String(contentsOfFile: folder.path("open.html"), encoding: .utf8), origin: "report")
        let bars = document.elements { $0.name == "rect" && $0.classes.contains("open") }
        #expect(bars.count == 1)
    }
}
