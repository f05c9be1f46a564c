import Foundation
import Testing
import TracedeskClient
import TracedeskCommandLine
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

@Suite("Decoding the sample bodies")
struct StatusBodySamplesTests {
    @Test("every sample decodes", arguments: Fixtures.sampleNames)
    func everySampleDecodes(name: String) throws {
        let body = try Fixtures.body(name)
        #expect(!body.jobId.isEmpty)
        #expect(body.status != nil)
        #expect(body.raw["jobId"]?.stringValue == body.jobId)
    }

    @Test("the CoE invokeAsync answer: input parsed from its string, 'not ended' markers read as nil")
    func coeInvokeAnswer() throws {
        let body = try Fixtures.body("coe-invoke-running.json")
        #expect(body.jobId == "c73c1580-70cc-4f62-93c0-48d9484d8b8b")
        #expect(body.status == .running)
        #expect(body.message == "Compare M1000034 of org IMO and M1000040 of Org SBI?")
        #expect(body.invocationMode == "END_USER")
        #expect(body.input?["workflowId"]?.stringValue == "300000029907702")
        #expect(body.conversationId == "eb6f8427-5e13-4dd2-8fa9-ef3887f19385")
        #expect(body.traceId == "0000000000000000322418a3c9ceb65d")
        #expect(body.workflowCode == "PRODUCT_COMPARISON_ADVISOR_COE")
        #expect(body.workflowVersion == 13)
        #expect(body.workflowStatus == "PUBLISHED")
        #expect(body.startedAt == 1_773_341_443_081)
        #expect(body.endedAt == nil, "endTime 0 and the 1970 endDate both mean 'not ended'")
        #expect(body.durationMs == nil, "timeTaken 0 is no duration")
        #expect(body.hasNodes && body.nodes.isEmpty)
        #expect(body.output == nil)
        #expect(body.totalTokens == .zero)
    }

    @Test("the CoE COMPLETE status: duration from start and end when timeTaken is absent")
    func coeComplete() throws {
        let body = try Fixtures.body("coe-status-complete.json")
        #expect(body.status == .complete)
        #expect(body.outputText?.hasPrefix("Here's a concise comparison") == true)
        #expect(body.endedAt == 1_773_341_469_930)
        #expect(body.timeTakenMs == nil)
        #expect(body.inputTokenCount == nil)
        #expect(body.durationMs == 26_771)
    }

    @Test("a workflow team: WORKFLOW nodes whose output is a status body become nested runs")
    func workflowWithNestedRuns() throws {
        let body = try Fixtures.body("workflow-nested-complete.json")
        #expect(body.nodes.map(\.label) == [
            "START", "GET_APP_CONTEXT", "PARSE_APP_CONTEXT", "ROUTE_MESSAGEHINT", "EXECUTE_SUMMARY",
            "RENDER_SUMMARY", "RETURN_SUMMARY", "END",
        ])
        let context = try #require(Fixtures.node("GET_APP_CONTEXT", in: body.nodes))
        let nested = try #require(context.nestedRun, "the output, a status body in a JSON string, is a nested run")
        #expect(nested.jobId == "0b6e2d1c-7a4f-4e28-b3c9-5d8a1f0e6b72")
        #expect(nested.workflowCode == "XX_FIN_GL_LEDGER_INSIGHTS_CONTEXT_WORKFLOW")
        #expect(nested.nodes.map(\.label) == ["START", "READ_APP_CONTEXT", "END"])

        let parallel = try #require(Fixtures.node("EXECUTE_SUMMARY", in: body.nodes))
        #expect(parallel.type == "PARALLEL")
        #expect(parallel.children.count == 5)
        let controls = try #require(Fixtures.node("FETCH_CONTROLS_AND_COMPLIANCE", in: body.nodes))
        #expect(controls.nestedRun?.jobId == "e2a7c9d4-5b1f-4e83-a6d0-9c3b8f2e1a57", "an output object is recognised too")
        #expect(controls.nestedRun?.totalTokens == TokenUsage(input: 1204, output: 143))

        let render = try #require(Fixtures.node("RENDER_SUMMARY", in: body.nodes))
        #expect(render.tokens == TokenUsage(input: 2854, output: 231), "summed over nodeStepInfo.details")
        #expect(render.durationMs == 3320, "nodeStepInfo.totalNodeTime")
        #expect(render.model == "cohere.command-r-plus-08-2024")

        #expect(body.nodeCount == 20)
        // The body's counts are 0, so the totals are the nodes': each node's own tokens, or where
        // it reports none, its children's and its nested run's.
        #expect(body.totalTokens == TokenUsage(input: 2854 + 812 + 1204 + 2310 + 640 + 511,
                                               output: 231 + 96 + 143 + 188 + 71 + 58))
        #expect(body.followUpQuestions.count == 2)
    }

    @Test("a supervisor team: agents with ISO dates, usage containers and tool calls as children")
    func supervisorTeam() throws {
        let body = try Fixtures.body("supervisor-complete.json")
        #expect(body.architecture == "supervisor")
        #expect(body.nodes.map(\.label) == ["BENEFITS_ELIGIBILITY_AGENT", "BENEFITS_COST_AGENT", "SUPERVISOR"])
        let eligibility = body.nodes[0]
        #expect(eligibility.name == "Benefits Eligibility Agent")
        #expect(eligibility.type == "AGENT")
        #expect(eligibility.tokens == TokenUsage(input: 1830, output: 142))
        #expect(eligibility.model == "meta.llama-3.3-70b-instruct")
        #expect(eligibility.durationMs == 4160, "from ISO start and end")
        #expect(eligibility.children.map(\.label) == ["GET_LIFE_EVENTS", "GET_CURRENT_ENROLLMENTS"])
        #expect(eligibility.children[0].output?["events"]?.arrayValue?.count == 1)
        #expect(body.totalTokens == TokenUsage(input: 1830 + 1421 + 2260, output: 142 + 96 + 188))
    }

    @Test("a WAITING body: what it waits for, summarised, and since when")
    func waitingBody() throws {
        let body = try Fixtures.body("approval-waiting.json")
        #expect(body.status == .waiting)
        #expect(body.waiting.toolCode == "APPROVE_POSTING")
        #expect(body.waiting.summary.hasPrefix("APPROVE_POSTING (HUMAN, channel CHAT, round 1 of 3): Approve posting JE-2026-03-0417"))
        #expect(body.waiting.summary.hasSuffix("[APPROVE_ACTION Approve, REJECT_ACTION Reject, RFI_ACTION Request changes]"))
        #expect(body.waiting.callbackToken == "cbt-5f0c2a9e7d41b3c8a6e2f9d07b1c4e8a5d3f", "read, to be kept apart")
        #expect(body.waitingSince == 1_773_420_002_780, "the start of the HUMAN node")
        #expect(body.endedAt == nil)
        #expect(body.nodes.last?.status == "WAITING")
    }

    @Test("an ERROR body: the error object read as code and message, the failed node's error kept")
    func errorBody() throws {
        let body = try Fixtures.body("worker-card-error.json")
        #expect(body.status == .error)
        #expect(body.errorText == "FAI-50021: Node GET_PERSON_DETAILS failed: HTTP 504 from workers (upstream timed out after 30 s)")
        let failed = try #require(Fixtures.node("GET_PERSON_DETAILS", in: body.nodes))
        #expect(failed.status == "FAILED")
        #expect(failed.error?.contains("HTTP 504") == true)
        #expect(body.parameters == ["personName": "Ana Lopez"])
    }

    @Test("a document-tool team: chunks and citations read, flat START/END events merged into a tree")
    func documentTeam() throws {
        let body = try Fixtures.body("document-chunks-complete.json")
        #expect(body.supportingChunks.count == 3)
        #expect(body.supportingChunks[0].title == "Global Travel Policy 2026")
        #expect(body.supportingChunks[0].score == 0.912)
        #expect(body.supportingChunks[0].source == "https://intranet.example.com/policies/travel-2026.pdf")
        #expect(body.citations.count == 2)
        #expect(body.citations[0].source == "https://intranet.example.com/policies/travel-2026.pdf", "url is read as the source")
        #expect(body.citations[0].text?.hasPrefix("Business class may be booked") == true, "quote is read as the text")
        #expect(body.citations[0].page == "7")

        #expect(body.nodes.map(\.label) == ["START", "SEARCH_POLICY", "ANSWER", "END"])
        let search = body.nodes[1]
        #expect(search.type == "RAG_DOCUMENT_TOOL", "the node type, not the event word in `type`")
        #expect(search.children.map(\.label) == ["EMBED_QUERY", "VECTOR_SEARCH"], "CHILD_NODE events nest under the running node")
        #expect(search.input?["topK"]?.intValue == 3, "input from the START event")
        #expect(search.output?["chunks"]?.intValue == 3, "output from the END event")
        #expect(search.durationMs == 710)
        let answer = body.nodes[2]
        #expect(answer.tokens == TokenUsage(input: 1688, output: 142))
        #expect(answer.startedAt == 1_773_440_000_730)
        #expect(answer.endedAt == 1_773_440_004_390)
        #expect(answer.event == "NODE_END")
    }
}
