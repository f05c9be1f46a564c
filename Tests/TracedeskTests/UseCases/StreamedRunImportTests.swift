import Foundation
import Testing
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

/// How an import turns captured debug streams back into a run's status history.
@Suite("Streamed runs from captures: where their status changed")
struct StreamedRunImportTests {
    static let start: Int64 = 1_773_000_000_000
    static let started = #"{"jobId": "J-7", "nodeProgressMessage": {"nodeCode": "ASK", "type": "NODE_START", "nodeType": "LLM"}}"#
    static let ended = #"{"nodeProgressMessage": {"nodeCode": "ASK", "type": "NODE_END", "nodeType": "LLM", "nodeOutput": "ok"}}"#
    static let waits = #"{"jobId": "J-7", "message": {"content": "", "finishReason": "wait"}, "waitingNodeDetails": {"code": "APPROVE", "type": "HUMAN"}}"#
    static let answered = #"{"jobId": "J-7", "message": {"output": "Posted.", "finishReason": "stop"}}"#

    /// Events one second apart from `start`.
    func events(_ payloads: [String], from first: Int64 = start) -> [ReceivedEvent] {
        payloads.enumerated().map { ReceivedEvent(data: $0.element, receivedAt: first + Int64($0.offset) * 1000) }
    }

    func history(_ run: StreamedRunImport.Run) -> [String] {
        run.checkpoints.map { "\($0.derived?.status?.rawValue ?? "-") at \(($0.at - Self.start) / 1000)s, \($0.eventCount) events" }
    }

    @Test("a recorded exchange is one stream: a [DONE] after its wait is no resume")
    func doneAfterWait() throws {
        let request = DebugRequest(message: "Post", workflowCode: "T", conversationId: nil, status: .draft)
        let stream = CapturedStream(request: request, jobId: nil, sentAt: Self.start, events: events([Self.started, Self.waits, "[DONE]"]))
        let run = try #require(StreamedRunImport.runs([stream]).first)
        #expect(history(run) == ["RUNNING at 0s, 1 events", "WAITING at 1s, 2 events", "WAITING at 2s, 3 events"])
    }

    @Test("a report's events are one list: the event after a wait that says something is the resumed stream's")
    func reportResumes() throws {
        let stream = CapturedStream(request: nil, jobId: "J-7", sentAt: Self.start,
                                    events: events([Self.started, Self.waits, "[DONE]", Self.ended, Self.answered]))
        let run = try #require(StreamedRunImport.runs([stream]).first)
        #expect(history(run) == ["RUNNING at 0s, 1 events", "WAITING at 1s, 2 events", "RUNNING at 3s, 3 events", "COMPLETE at 4s, 5 events"])
    }

    @Test("events after the last change are a checkpoint of their own: the change keeps its instant")
    func trailingEvents() throws {
        let request = DebugRequest(message: "Post", workflowCode: "T", conversationId: nil, status: .draft)
        let stream = CapturedStream(request: request, jobId: nil, sentAt: Self.start, events: events([Self.started, Self.ended, Self.ended]))
        let run = try #require(StreamedRunImport.runs([stream]).first)
        #expect(history(run) == ["RUNNING at 0s, 1 events", "RUNNING at 2s, 3 events"])
    }

    @Test("a stream whose events never say what run they are is skipped and counted, and the rest of the import is recorded")
    func streamWithoutRun() throws {
        let folder = try TemporaryFolder()
        let store = try HistoryStore(path: folder.url.appendingPathComponent("history.sqlite").path)
        let resume = JSONValue.object(["workflowCode": .string("T"), "message": .string(""), "jobId": .string("J-UNKNOWN")])
        let empty = JSONValue.object([
            "tracedeskExchange": .integer(1),
            "request": .object(["method": .string("POST"), "url": .string("https://pod.example.com/api/fusion-ai/orchestrator/agent/v2/T/debug"),
                                "body": .string(resume.compactText)]),
            "response": .object(["status": .integer(200), "body": .string("")]),
        ])
        let body = #"{"jobId": "J-8", "status": "COMPLETE", "output": "done"}"#
        let capture = folder.url.appendingPathComponent("capture.jsonl")
        try (empty.compactText + "\n" + body + "\n").write(to: capture, atomically: true, encoding: .utf8)
        let summary = try Importer(store: store).importBodies(from: [.file(path: capture.path, origin: "capture.jsonl")], team: "T")
        #expect(summary.streamsWithoutRun == 1)
        #expect(summary.runs.map(\.jobId) == ["J-8"])
    }
}
