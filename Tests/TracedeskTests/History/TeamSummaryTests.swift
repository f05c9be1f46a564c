import Foundation
import Testing
import TracedeskHistory
import TracedeskModel

/// What the Teams page reads: each team and version status's runs, and their AI units.
@Suite("Team summaries")
struct TeamSummaryTests {
    static func body(_ jobId: String, model: String) -> String {
        #"""
        {"jobId": "\#(jobId)", "status": "COMPLETE", "workflowCode": "TEAM", "workflowStatus": "PUBLISHED",
         "startDate": 1773341443000, "endTime": 1773341450000, "output": "fine",
         "nodes": [{"nodeCode": "ASK", "nodeType": "LLM", "status": "COMPLETED", "startTime": 1773341443100, "endTime": 1773341445000,
           "nodeStepInfo": {"totalNodeTime": 1900, "details": [{"type": "LLM", "modelName": "\#(model)", "modelType": "PREMIUM",
             "timeTaken": 1880, "inputTokens": 903, "outputTokens": 226}]}}]}
        """#
    }

    @Test("AI units are summed over the runs whose units are known, and the number of those runs is given")
    func aiUnits() throws {
        let store = try HistoryStore.inMemory()
        let rates = AIUnitRates(tokenMultiplier: 0.001, typeMultipliers: ["premium": 2.5], modelTypes: [:], source: "test")
        for (jobId, known) in [("a", true), ("b", true), ("c", false)] {
            let text = Self.body(jobId, model: "openai.gpt-5-mini")
            var context = RecordingContext(source: .import)
            if known { context.aiUnitRates = rates }
            try store.record(try StatusBody(data: Data(text.utf8)), verbatim: text, observation: .imported(at: 1), context: context)
        }
        let summary = try #require(try store.teamSummaries().first { $0.team == "TEAM" })
        #expect(summary.runs == 3)
        #expect(summary.runsWithAIUnits == 2)
        #expect(summary.aiUnits == 10, "5 units a run, by Oracle's formula, for the two runs whose rates were known")
    }
}
