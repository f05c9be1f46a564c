import Foundation
import Testing
@testable import FusionSimulator

/// `POST .../v2/{team}/debug`: the events of a live pod, breakpoints, pinned outputs and the resume.
@Suite("The debug stream: events as a pod sends them, breakpoints, pins and the real resume")
struct DebugEndpointTests {
    let fixture: PodFixture
    let coe = "PRODUCT_COMPARISON_ADVISOR_COE"
    let approval = "XX_GL_JOURNAL_APPROVAL"

    init() throws { fixture = try PodFixture() }

    /// The JSON payloads of a streamed answer, in order (`[DONE]` as a string).
    func payloads(_ answer: PodResponse) throws -> [PodJSON] {
        guard case .events(let frames, _, _)? = answer.stream else {
            Issue.record("not a stream: \(answer.status) \(answer.body.prefix(300))")
            return []
        }
        return frames.flatMap { frame in
            frame.text.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { line -> PodJSON in
                let data = String(line.dropFirst(6))
                return data == "[DONE]" ? .string("[DONE]") : (PodJSON.parse(Data(data.utf8)) ?? .string(data))
            }
        }
    }

    func debug(_ team: String, _ body: String) async throws -> PodResponse {
        await fixture.pod.debug(team: team, body: Data(body.utf8), authorization: try await fixture.bearer(), fault: nil)
    }

    func progress(_ events: [PodJSON]) -> [(code: String, type: String, parent: String?)] {
        events.compactMap { event in
            guard let step = event["nodeProgressMessage"], let code = step["nodeCode"]?.string, let type = step["type"]?.string else { return nil }
            return (code, type, step["parentNodeCode"]?.string)
        }
    }

    @Test("a run streams as a live pod's: jobId first, instant steps executed, children under their container, the answer in pieces, then whole, then [DONE]")
    func eventPatterns() async throws {
        let events = try payloads(try await debug(coe, #"{"message": "Compare M1000034 of org IMO and M1000040 of Org SBI", "workflowCode": "PRODUCT_COMPARISON_ADVISOR_COE", "status": "PUBLISHED", "invocationMode": "ADMIN", "debugParams": {"isDebug": true, "breakPoints": []}}"#))
        #expect(events.first?["jobId"]?.string != nil)
        let steps = progress(events)
        #expect(steps.first.map { "\($0.code) \($0.type)" } == "START NODE_EXECUTED")
        #expect(steps.contains { $0.code == "FETCH_ITEM_DETAILS" && $0.type == "NODE_START" })
        #expect(steps.contains { $0.type == "CHILD_NODE_END" && $0.parent == "FETCH_ITEM_DETAILS" })
        #expect(events.contains { $0["message"]?["content"] != nil }, "the answer in pieces")
        let final = try #require(events.last { $0["message"]?["finishReason"] != nil })
        #expect(final["message"]?["finishReason"]?.string == "stop")
        #expect(final["message"]?["output"]?.string?.hasPrefix("Here's a concise comparison") == true)
        #expect(events.last == .string("[DONE]"))
    }

    @Test("a breakpoint stops the run before its step: the last event says paused and names it")
    func breakpoint() async throws {
        let events = try payloads(try await debug(coe, #"{"message": "Compare", "workflowCode": "PRODUCT_COMPARISON_ADVISOR_COE", "status": "PUBLISHED", "debugParams": {"isDebug": true, "breakPoints": ["COMPARE_ITEMS"]}}"#))
        let last = try #require(events.last)
        #expect(last["message"]?["finishReason"]?.string == "paused")
        #expect(last["message"]?["pausedNode"]?.string == "COMPARE_ITEMS")
        #expect(!progress(events).contains { $0.code == "COMPARE_ITEMS" }, "the step did not run")
    }

    @Test("an override pins a step's output: not run, answered in 4 ms with the pinned text; a malformed one is refused")
    func pinnedOutput() async throws {
        let events = try payloads(try await debug(coe, #"{"message": "Compare", "workflowCode": "PRODUCT_COMPARISON_ADVISOR_COE", "status": "PUBLISHED", "debugParams": {"isDebug": true, "breakPoints": [], "overrides": {"GET_ITEM_M1000034": {"output": {"success": true, "output": "{\"item\": \"PINNED\"}"}}}}}"#))
        let end = try #require(events.compactMap { $0["nodeProgressMessage"] }.first { $0["nodeCode"]?.string == "GET_ITEM_M1000034" && $0["type"]?.string?.hasSuffix("_END") == true })
        #expect(end["nodeOutput"]?.string?.contains("PINNED") == true, "\(end)")
        #expect(end["nodeStepInfo"]?["totalNodeTime"]?.int == RunSchedule.pinnedDurationMs)
        let refused = try await debug(coe, #"{"message": "Compare", "workflowCode": "PRODUCT_COMPARISON_ADVISOR_COE", "status": "PUBLISHED", "debugParams": {"overrides": {"GET_ITEM_M1000034": {"output": "bare"}}}}"#)
        #expect(refused.status == 400 && refused.body.contains("FAI-40020"))
    }

    @Test("a wait ends the stream with the real waiting keys and a callback token; the resume takes that token once, in the real shape only")
    func waitAndResume() async throws {
        let events = try payloads(try await debug(approval, #"{"message": "Post it", "workflowCode": "XX_GL_JOURNAL_APPROVAL", "status": "PUBLISHED", "parameters": {"journal": "JE-1"}, "debugParams": {"isDebug": true, "breakPoints": []}}"#))
        let last = try #require(events.last)
        #expect(last["message"]?["finishReason"]?.string == "wait")
        let details = try #require(last["waitingNodeDetails"])
        #expect(details["code"]?.string == "APPROVE_POSTING" && details["type"]?.string == "HUMAN" && details["channelType"]?.string == "CHAT")
        #expect(details["currentIterationCount"]?.int == 0 && details["actionNames"]?["APPROVE_ACTION"] != nil)
        let token = try #require(details["callbackToken"]?.string)
        let jobId = try #require(events.first?["jobId"]?.string)
        fixture.advance(5)

        func resume(_ input: String) async throws -> PodResponse {
            try await debug(approval, #"{"message": "", "workflowCode": "XX_GL_JOURNAL_APPROVAL", "status": "PUBLISHED", "jobId": "\#(jobId)", "resumeInput": \#(input)}"#)
        }
        let old = try await resume(#"{"action": "APPROVE_ACTION", "feedback": "ok"}"#)
        #expect(old.status == 400, "the old guessed shape is refused: \(old.body)")
        let wrong = try await resume(#"{"messageInstanceId": "cbt-not-it", "userResponse": "APPROVE_ACTION"}"#)
        #expect(wrong.status == 400 && wrong.body.contains("FAI-40014"), "\(wrong.body)")
        let resumed = try payloads(try await resume(#"{"messageInstanceId": "\#(token)", "userResponse": "APPROVE_ACTION", "content": "ok"}"#))
        #expect(resumed.last { $0["message"]?["finishReason"] != nil }?["message"]?["finishReason"]?.string == "stop")
        #expect(!progress(resumed).contains { $0.code == "APPROVE_POSTING" && $0.type == "NODE_START" }, "the waiting step is not started again")
        let again = try await resume(#"{"messageInstanceId": "\#(token)", "userResponse": "APPROVE_ACTION"}"#)
        #expect(again.status == 400, "each suspension is resumed once")
    }
}
