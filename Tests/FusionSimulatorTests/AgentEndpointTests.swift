import Foundation
import Testing
@testable import FusionSimulator

@Suite("invokeAsync and status: the bodies of docs/fusion-api.md, as a run advances")
struct AgentEndpointTests {
    let fixture: PodFixture
    let coe = "PRODUCT_COMPARISON_ADVISOR_COE"

    init() throws { fixture = try PodFixture() }

    @Test("the invokeAsync answer has the sample's keys in the sample's order, input as a JSON string")
    func invokeAnswerShape() async throws {
        let bearer = try await fixture.bearer()
        let answer = try await fixture.invoke(coe, #"{"message": "Compare M1000034 of org IMO and M1000040 of Org SBI", "conversational": true, "conversationId": null, "version": 13, "status": "PUBLISHED", "invocationMode": "END_USER", "parameters": {"Param1": "ABC"}}"#, bearer: bearer)
        #expect(answer.status == 200)
        let body = try fixture.json(answer)
        let order = ["input", "output", "error", "followUpQuestions", "jobId", "conversationId", "traceId", "status",
                     "supportingChunks", "citations", "nodes", "waitingToolCode", "workflowCode", "workflowName",
                     "architecture", "workflowVersion", "workflowStatus", "startDate", "endTime", "createDate", "endDate",
                     "timeTaken", "inputTokenCount", "outputTokenCount", "waitingNodeDetails"]
        #expect(Set(body.keys) == Set(order))
        // The text itself, not the decoded object, shows the order (input is escaped, so its keys do not match).
        let positions = order.map { answer.body.range(of: "\"\($0)\":")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted(), "keys in the sample's order")
        #expect(body["status"]?.string == "RUNNING")
        #expect(body["endTime"]?.int == 0)
        #expect(body["endDate"]?.string == "1970-01-01T00:00:00.000+0000")
        #expect(body["createDate"]?.string == "2026-03-12T18:50:43.081+0000")
        let input = try #require(body["input"]?.parsed, "input is a JSON string")
        #expect(input["jobId"] == body["jobId"])
        #expect(input["invocationMode"]?.string == "END_USER")
        #expect(input["version"]?.int == 13)
        #expect(input["parameters"]?["Param1"]?.string == "ABC")
        #expect(body["traceId"]?.string?.count == 32)
    }

    @Test("nodes appear as the run advances; the COMPLETE body drops timeTaken and the token counts, as the sample does")
    func runAdvances() async throws {
        let (jobId, bearer) = try await fixture.start(coe)
        var body = try await fixture.body(coe, jobId, bearer: bearer)
        #expect(body["nodes"]?.array.isEmpty == true, "nothing has run yet")
        fixture.advance(1)
        body = try await fixture.body(coe, jobId, bearer: bearer)
        #expect(body["nodes"]?.nodeCodes.prefix(3) == ["START", "PARSE_ITEMS", "FETCH_ITEM_DETAILS"])
        let fetch = try #require(body["nodes"]?.array[2])
        #expect(fetch["status"]?.string == "RUNNING")
        #expect(fetch["endTime"]?.int == 0)
        fixture.advance(5)
        body = try await fixture.body(coe, jobId, bearer: bearer)
        #expect(body["status"]?.string == "RUNNING")
        #expect(body["nodes"]?.array.last?["nodeCode"]?.string == "COMPARE_ITEMS")
        #expect(body["inputTokenCount"]?.int == 0, "the LLM step has not finished")
        fixture.advance(30)
        body = try await fixture.body(coe, jobId, bearer: bearer)
        #expect(body["status"]?.string == "COMPLETE")
        #expect(body["output"]?.string?.hasPrefix("Here's a concise comparison") == true)
        #expect(body["endTime"]?.int ?? 0 > body["startDate"]?.int ?? 0)
        #expect(body["endDate"]?.string != "1970-01-01T00:00:00.000+0000")
        for absent in ["timeTaken", "inputTokenCount", "outputTokenCount", "waitingNodeDetails"] {
            #expect(body[absent] == nil, "\(absent) is absent from a COMPLETE body")
        }
        let compare = try #require(body["nodes"]?.array.first { $0["nodeCode"]?.string == "COMPARE_ITEMS" })
        #expect(compare["nodeStepInfo"]?["details"]?.array.first?["inputTokens"]?.int == 2210)
        #expect(body["followUpQuestions"]?.array.count == 2)
        // Polling again changes nothing: a finished run's body is fixed.
        fixture.advance(60)
        #expect(try await fixture.body(coe, jobId, bearer: bearer) == body)
    }

    @Test("END_USER sees no nodes; ADMIN sees them (status defaults to END_USER, as the server does)")
    func adminAgainstEndUser() async throws {
        let (jobId, bearer) = try await fixture.start(coe)
        fixture.advance(40)
        #expect(try await fixture.body(coe, jobId, bearer: bearer, mode: "ADMIN")["nodes"]?.array.count == 5)
        #expect(try await fixture.body(coe, jobId, bearer: bearer, mode: nil)["nodes"]?.array.isEmpty == true)
        #expect(try await fixture.body(coe, jobId, bearer: bearer, mode: "END_USER")["nodes"]?.array.isEmpty == true)
    }

    @Test("DRAFT and PUBLISHED differ: an extra step, other tokens and timings, another answer")
    func draftAgainstPublished() async throws {
        let (published, bearer) = try await fixture.start(coe, status: "PUBLISHED")
        let (draft, _) = try await fixture.start(coe, status: "DRAFT")
        fixture.advance(60)
        let a = try await fixture.body(coe, published, bearer: bearer)
        let b = try await fixture.body(coe, draft, bearer: bearer)
        #expect(a["workflowVersion"]?.int == 13 && a["workflowStatus"]?.string == "PUBLISHED")
        #expect(b["workflowVersion"]?.int == 14 && b["workflowStatus"]?.string == "DRAFT")
        #expect(!(a["nodes"]?.nodeCodes.contains("GET_ONHAND_QUANTITIES") ?? true))
        #expect(b["nodes"]?.nodeCodes.contains("GET_ONHAND_QUANTITIES") == true)
        #expect(a["output"] != b["output"])
        #expect(a["endTime"]?.int.map { $0 - (a["startDate"]?.int ?? 0) } != b["endTime"]?.int.map { $0 - (b["startDate"]?.int ?? 0) })
    }

    @Test("a question the version has an answer for gets it, with its step outputs, times and tokens; others get the usual answer")
    func answers() async throws {
        let (usual, bearer) = try await fixture.start(coe, message: "Compare M1000034 and M1000040", status: "DRAFT")
        let (stock, _) = try await fixture.start(coe, message: "Which of the two can SHIP TODAY?", status: "DRAFT")
        fixture.advance(60)
        let a = try await fixture.body(coe, usual, bearer: bearer), b = try await fixture.body(coe, stock, bearer: bearer)
        #expect(b["output"]?.string == "Only M1000034 can ship today: 18 on hand at IMO. M1000040 has 0 on hand at SBI; its next receipt is in 21 days.")
        #expect(a["output"] != b["output"])
        func llm(_ body: PodJSON) -> PodJSON? { body["nodes"]?.array.first { $0["nodeCode"]?.string == "COMPARE_ITEMS" } }
        #expect(llm(b)?["nodeOutput"]?.string == "M1000034: 18 on hand (IMO); M1000040: 0 on hand (SBI).")
        func tokens(_ node: PodJSON?) -> Int64? { node?["nodeStepInfo"]?["details"]?.array.first?["inputTokens"]?.int }
        let usualTokens = try #require(tokens(llm(a))), stockTokens = try #require(tokens(llm(b)))
        #expect(stockTokens == Int64((Double(usualTokens) * 0.9).rounded()), "tokens scaled by the answer's tokenScale")
        #expect(llm(a)?["endTime"]?.int.flatMap { end in llm(a)?["startTime"]?.int.map { end - $0 } }
                != llm(b)?["endTime"]?.int.flatMap { end in llm(b)?["startTime"]?.int.map { end - $0 } }, "and its time by durationScale")
    }

    @Test("errors: 403 FAI-40300 for a missing version, 404 for unknown teams and jobs, 400 for bad requests, 401 without a token")
    func errors() async throws {
        let bearer = try await fixture.bearer()
        let missing = try await fixture.invoke(coe, #"{"message": "x", "version": 99, "status": "PUBLISHED"}"#, bearer: bearer)
        #expect(missing.status == 403 && missing.body.contains("FAI-40300"))
        let noDraft = try await fixture.invoke("XX_MAINTENANCE_MATERIAL_SHORTAGE", #"{"message": "x", "status": "DRAFT"}"#, bearer: bearer)
        #expect(noDraft.status == 403 && noDraft.body.contains("FAI-40300"))
        #expect(try await fixture.invoke("NO_SUCH_TEAM", #"{"message": "x"}"#, bearer: bearer).status == 404)
        #expect(await fixture.status(coe, "no-such-job", bearer: bearer).status == 404)
        #expect(try await fixture.invoke(coe, "not json", bearer: bearer).status == 400)
        #expect(try await fixture.invoke(coe, #"{"conversational": true}"#, bearer: bearer).status == 400)
        #expect(try await fixture.invoke(coe, #"{"message": "x", "status": "LATEST"}"#, bearer: bearer).status == 400)
        #expect(await fixture.pod.invoke(team: coe, body: Data(), authorization: nil, fault: nil).status == 401)
    }

    @Test("WAITING on a HUMAN step, with the keys a live pod writes, until a resume with its callback token approves")
    func waitingThenApproved() async throws {
        let team = "XX_GL_JOURNAL_APPROVAL"
        let (jobId, bearer) = try await fixture.start(team, parameters: #"{"journal": "JE-2026-03-0417"}"#)
        fixture.advance(10)
        var body = try await fixture.body(team, jobId, bearer: bearer)
        #expect(body["status"]?.string == "WAITING")
        #expect(body["waitingToolCode"]?.string == "APPROVE_POSTING")
        let details = try #require(body["waitingNodeDetails"])
        #expect(details["code"]?.string == "APPROVE_POSTING" && details["type"]?.string == "HUMAN")
        #expect(details["channelType"]?.string == "CHAT")
        #expect(details["initialMessage"]?.string == "Approve posting JE-2026-03-0417 (reverses the March utilities accrual, 48,250.00 USD)?")
        #expect(details["currentIterationCount"]?.int == 0 && details["maxIteration"]?.int == 3)
        #expect(details["actionNames"]?["APPROVE_ACTION"]?.string == "Approve" && details["actionNames"]?["RFI_ACTION"] != nil)
        let token = try #require(details["callbackToken"]?.string)
        fixture.advance(600)
        #expect(try await fixture.body(team, jobId, bearer: bearer)["status"]?.string == "WAITING", "it waits as long as it takes")

        let old = try await fixture.invoke(team, #"{"message": "x", "jobId": "\#(jobId)", "resumeNodeInput": {"action": "APPROVE_ACTION"}}"#, bearer: bearer)
        #expect(old.status == 400 && old.body.contains("messageInstanceId"), "the old guess at the resume body is refused, naming the real keys")
        let wrong = try await fixture.invoke(team, #"{"message": "", "jobId": "\#(jobId)", "resumeNodeInput": {"messageInstanceId": "cbt-forged", "userResponse": "APPROVE_ACTION"}}"#, bearer: bearer)
        #expect(wrong.status == 400 && wrong.body.contains("does not match"))
        let resume = try await fixture.invoke(team, """
            {"message": "", "jobId": "\(jobId)", "resumeNodeInput": {"messageInstanceId": "\(token)", "userResponse": "APPROVE_ACTION", "content": "ok for March"}, "invocationMode": "ADMIN"}
            """, bearer: bearer)
        #expect(resume.status == 200)
        #expect(try fixture.json(resume)["jobId"]?.string == jobId, "the same job goes on")
        #expect(try fixture.json(resume)["status"]?.string == "RUNNING")
        fixture.advance(5)
        body = try await fixture.body(team, jobId, bearer: bearer)
        #expect(body["status"]?.string == "COMPLETE")
        #expect(body["output"]?.string == "Journal JE-2026-03-0417 was approved and posted in batch AP-2026-03-118. Approver's note: ok for March")
        let human = try #require(body["nodes"]?.array.first { $0["nodeCode"]?.string == "APPROVE_POSTING" })
        #expect(human["nodeStepInfo"]?["totalNodeTime"]?.int ?? 0 >= 600_000, "the HUMAN node lasted the whole wait")
        let again = try await fixture.invoke(team, #"{"message": "", "jobId": "\#(jobId)", "resumeNodeInput": {"messageInstanceId": "\#(token)", "userResponse": "APPROVE_ACTION"}}"#, bearer: bearer)
        #expect(again.status == 400 && again.body.contains("already used"), "each suspension is resumed once")
    }

    @Test("a request for changes opens a new round with a new token; a rejection ends the run; a WAIT step resumes on ORA_TIMEOUT or by itself")
    func roundsRejectionAndTimer() async throws {
        let team = "XX_GL_JOURNAL_APPROVAL"
        let (rejected, bearer) = try await fixture.start(team, parameters: #"{"journal": "JE-1"}"#)
        let (timed, _) = try await fixture.start(team, status: "DRAFT", parameters: #"{"journal": "JE-2"}"#)
        fixture.advance(10)
        func token(_ jobId: String) async throws -> String {
            try #require(try await fixture.body(team, jobId, bearer: bearer)["waitingNodeDetails"]?["callbackToken"]?.string)
        }
        func answer(_ jobId: String, _ response: String, token: String, content: String? = nil) async throws -> Int {
            let text = content.map { #", "content": "\#($0)""# } ?? ""
            return try await fixture.invoke(team, #"{"message": "", "jobId": "\#(jobId)", "resumeNodeInput": {"messageInstanceId": "\#(token)", "userResponse": "\#(response)"\#(text)}}"#, bearer: bearer).status
        }
        let first = try await token(rejected)
        #expect(try await answer(rejected, "RFI_ACTION", token: first, content: "which period?") == 200)
        let details = try await fixture.body(team, rejected, bearer: bearer)["waitingNodeDetails"]
        #expect(details?["currentIterationCount"]?.int == 1, "waiting again, one round on")
        let second = try #require(details?["callbackToken"]?.string)
        #expect(second != first)
        #expect(try await answer(rejected, "REJECT_ACTION", token: first) == 400, "the first round's token is spent")
        #expect(try await answer(rejected, "REJECT_ACTION", token: second, content: "wrong period") == 200)
        #expect(try await answer(timed, "APPROVE_ACTION", token: try await token(timed)) == 200)
        fixture.advance(1)
        let rejectedBody = try await fixture.body(team, rejected, bearer: bearer)
        #expect(rejectedBody["status"]?.string == "COMPLETE")
        #expect(rejectedBody["output"]?.string == "Journal JE-1 was not posted: the approver rejected it (wrong period).")
        #expect(!(rejectedBody["nodes"]?.nodeCodes.contains("POST_JOURNAL") ?? true))
        var timedBody = try await fixture.body(team, timed, bearer: bearer)
        #expect(timedBody["status"]?.string == "WAITING")
        #expect(timedBody["waitingToolCode"]?.string == "WAIT_FOR_POSTING_WINDOW")
        #expect(timedBody["waitingNodeDetails"]?["type"]?.string == "WAIT")
        #expect(timedBody["waitingNodeDetails"]?["waitTimeInMinutes"] != nil)
        let timer = try #require(timedBody["waitingNodeDetails"]?["callbackToken"]?.string)
        #expect(try await answer(timed, "APPROVE_ACTION", token: timer) == 400, "a WAIT node takes only ORA_TIMEOUT")
        #expect(try await answer(timed, "ORA_TIMEOUT", token: timer) == 200)
        fixture.advance(2)
        timedBody = try await fixture.body(team, timed, bearer: bearer)
        #expect(timedBody["status"]?.string == "COMPLETE", "skipped at once, not after its five seconds")
        let bad = try await fixture.invoke(team, #"{"message": "m", "jobId": "\#(timed)", "resumeNodeInput": {"messageInstanceId": "x", "userResponse": "SHRUG"}}"#, bearer: bearer)
        #expect(bad.status == 400)
    }

    @Test("a team that ends in ERROR: the error object and the failed node")
    func endsInError() async throws {
        let team = "XX_WORKER_CARD"
        let (jobId, bearer) = try await fixture.start(team)
        fixture.advance(40)
        let body = try await fixture.body(team, jobId, bearer: bearer)
        #expect(body["status"]?.string == "ERROR")
        #expect(body["error"]?["errorCode"]?.string == "FAI-50021")
        #expect(body["error"]?["message"]?.string?.hasPrefix("Node GET_PERSON_DETAILS failed: HTTP 504") == true)
        #expect(body["output"] == .null)
        let parallel = try #require(body["nodes"]?.array.first { $0["nodeCode"]?.string == "PARALLEL_NODE" })
        let failed = try #require(parallel["children"]?.array.first { $0["nodeCode"]?.string == "GET_PERSON_DETAILS" })
        #expect(failed["status"]?.string == "FAILED")
        #expect(!(body["nodes"]?.nodeCodes.contains("RENDER_WORKER_DETAILS_LIST") ?? true), "nothing runs after the failure")
    }

    @Test("conversations: a new id when null, kept across turns")
    func conversations() async throws {
        let team = "XX_TRAVEL_POLICY_ADVISOR"
        let (first, bearer) = try await fixture.start(team)
        let conversation = try #require(try await fixture.body(team, first, bearer: bearer)["conversationId"]?.string)
        let (second, _) = try await fixture.start(team, conversationId: conversation)
        #expect(try await fixture.body(team, second, bearer: bearer)["conversationId"]?.string == conversation)
        #expect(first != second)
        let stateless = try await fixture.invoke(team, #"{"message": "x", "conversational": false}"#, bearer: bearer)
        #expect(try fixture.json(stateless)["conversationId"] == .null)
    }

    @Test("a WORKFLOW node's output is the called team's whole status body, with its own jobId, traceId and nodes")
    func nestedRun() async throws {
        let team = "XX_FIN_GL_LEDGER_CLOSURE_WORKFLOW"
        let (jobId, bearer) = try await fixture.start(team)
        fixture.advance(30)
        let body = try await fixture.body(team, jobId, bearer: bearer)
        #expect(body["status"]?.string == "COMPLETE")
        let call = try #require(body["nodes"]?.array.first { $0["nodeCode"]?.string == "GET_APP_CONTEXT" })
        let nested = try #require(call["nodeOutput"]?.parsed)
        #expect(nested["status"]?.string == "COMPLETE")
        #expect(nested["workflowCode"]?.string == "XX_FIN_GL_LEDGER_INSIGHTS_CONTEXT_WORKFLOW")
        #expect(nested["jobId"]?.string != jobId)
        #expect(nested["traceId"]?.string != body["traceId"]?.string)
        #expect(nested["nodes"]?.nodeCodes == ["START", "READ_APP_CONTEXT", "END"])
        let parallel = try #require(body["nodes"]?.array.first { $0["nodeCode"]?.string == "EXECUTE_SUMMARY" })
        #expect(parallel["children"]?.array.count == 5)
        let starts = Set(parallel["children"]?.array.compactMap { $0["startTime"]?.int } ?? [])
        #expect(starts.count == 1, "PARALLEL branches start together")
    }

    @Test("a document-tool team returns supporting chunks and citations once complete")
    func chunksAndCitations() async throws {
        let team = "XX_TRAVEL_POLICY_ADVISOR"
        let (jobId, bearer) = try await fixture.start(team)
        #expect(try await fixture.body(team, jobId, bearer: bearer)["supportingChunks"]?.array.isEmpty == true)
        fixture.advance(10)
        let body = try await fixture.body(team, jobId, bearer: bearer)
        #expect(body["supportingChunks"]?.array.count == 3)
        #expect(body["supportingChunks"]?.array.first?["score"] == .double(0.912))
        #expect(body["citations"]?.array.first?["url"]?.string == "https://intranet.example.com/policies/travel-2026.pdf")
        #expect(body["citations"]?.array.first?["page"]?.int == 7)
    }

    @Test("the same seed and requests give the same bodies")
    func deterministic() async throws {
        func run() async throws -> String {
            let fixture = try PodFixture(seed: 7)
            let (jobId, bearer) = try await fixture.start("XX_FIN_GL_LEDGER_CLOSURE_WORKFLOW")
            fixture.advance(30)
            return await fixture.status("XX_FIN_GL_LEDGER_CLOSURE_WORKFLOW", jobId, bearer: bearer).body
        }
        let first = try await run()
        #expect(try await run() == first)
        #expect(first.contains("\"status\":\"COMPLETE\""))
    }

    @Test("the large team: thousands of nodes and a thousand chunks")
    func largeTeam() async throws {
        let team = "XX_MAINTENANCE_MATERIAL_SHORTAGE"
        let (jobId, bearer) = try await fixture.start(team)
        fixture.advance(120)
        let body = try await fixture.body(team, jobId, bearer: bearer)
        #expect(body["status"]?.string == "COMPLETE")
        #expect((body["nodes"]?.nodeCodes.count ?? 0) > 6_000)
        #expect(body["supportingChunks"]?.array.count == 1_000)
    }

    @Test("a team whose texts use a parameter refuses a request without it: no {{placeholder}} reaches a body")
    func missingParameter() async throws {
        let team = "XX_GL_JOURNAL_APPROVAL"
        let refused = try await fixture.invoke(team, #"{"message": "Post it", "invocationMode": "ADMIN", "status": "PUBLISHED"}"#)
        #expect(refused.status == 400)
        #expect(try fixture.json(refused)["detail"]?.string?.contains("needs the parameter 'journal'") == true, "\(refused.body)")
        let (jobId, bearer) = try await fixture.start(team, parameters: #"{"journal": "JE-7"}"#)
        fixture.advance(60)
        let body = await fixture.status(team, jobId, bearer: bearer)
        #expect(!body.body.contains("{{"))
        #expect(body.body.contains("JE-7"))
    }
}
