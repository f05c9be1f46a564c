import Foundation
import FusionSimulator

/// Status bodies for the history benchmarks, written as JSON lines: the shape a pod sends
/// (`input` and node inputs and outputs as JSON in strings, `nodeStepInfo` with per-call tokens
/// and models), varied by a seeded generator so that every run, team and text differs.
enum BenchmarkBodies {
    static let teams = (1...12).map { "XX_BENCH_TEAM_\($0 < 10 ? "0" : "")\($0)" }
    static let words = ["ledger", "journal", "accrual", "invoice", "supplier", "approval", "variance", "period", "balance",
                        "reconciliation", "payables", "receivables", "asset", "budget", "forecast", "policy", "travel",
                        "benefits", "worker", "contract", "shipment", "inventory", "quantity", "organization"]

    /// Writes `count` COMPLETE bodies of `nodes` steps each; returns the bytes written.
    @discardableResult
    static func write(count: Int, nodes: Int, to path: String, seed: UInt64 = 2026) throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else { throw BenchmarkError("cannot write \(path)") }
        defer { try? file.close() }
        var random = SeededGenerator(seed: seed)
        var buffer = ""
        var total = 0
        let start: Int64 = 1_773_341_443_081
        for index in 0..<count {
            buffer += body(index: index, nodes: nodes, start: start + Int64(index) * 61_000, random: &random)
            buffer += "\n"
            if buffer.utf8.count > 1 << 20 || index == count - 1 {
                total += buffer.utf8.count
                try file.write(contentsOf: Data(buffer.utf8))
                buffer = ""
            }
        }
        return total
    }

    static func sentence(_ count: Int, _ random: inout SeededGenerator) -> String {
        (0..<count).map { _ in words[Int(random.next() % UInt64(words.count))] }.joined(separator: " ")
    }

    static func uuid(_ random: inout SeededGenerator) -> String {
        let hex = String(format: "%016llx%016llx", random.next(), random.next())
        let c = Array(hex)
        return "\(String(c[0..<8]))-\(String(c[8..<12]))-4\(String(c[13..<16]))-a\(String(c[17..<20]))-\(String(c[20..<32]))"
    }

    /// JSON text as the content of a JSON string.
    static func embedded(_ json: String) -> String {
        json.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    static func iso(_ milliseconds: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        var parts = tm()
        var seconds = time_t(date.timeIntervalSince1970)
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, Int(milliseconds % 1000))
    }

    static func body(index: Int, nodes count: Int, start: Int64, random: inout SeededGenerator) -> String {
        let team = teams[index % teams.count]
        let jobId = uuid(&random)
        let conversation = uuid(&random)
        let message = "Summarise the \(sentence(6, &random)) for period \(index % 12 + 1)"
        let input = #"{"workflowCode":"\#(team)","message":"\#(message)","conversational":true,"conversationId":"\#(conversation)","jobId":"\#(jobId)","invocationMode":"ADMIN","version":3,"status":"PUBLISHED","parameters":{"period":"\#(index % 12 + 1)"}}"#
        var nodes: [String] = []
        var clock = start + 20
        var tokensIn: Int64 = 0, tokensOut: Int64 = 0
        for position in 0..<count {
            let type = position == 0 ? "START" : position == count - 1 ? "END" : ["LLM", "BO_FUNCTION", "CODE", "TOOL", "SWITCH"][position % 5]
            let duration = Int64(random.next() % 900) + 5
            let code = position == 0 ? "START" : position == count - 1 ? "END" : "STEP_\(position)"
            let nodeInput = embedded(#"{"question":"\#(sentence(8, &random))","context":{"period":"\#(index % 12 + 1)","ledger":"US Primary Ledger","limit":\#(position * 10)}}"#)
            let nodeOutput = embedded(#"{"success":true,"output":"\#(sentence(18, &random))","error":null,"finishReason":"stop"}"#)
            var details = ""
            if type == "LLM" {
                let input = Int64(random.next() % 800) + 100, output = Int64(random.next() % 200) + 20
                tokensIn += input
                tokensOut += output
                details = #"{"type":"LLM","timeTaken":\#(duration - 2),"inputTokens":\#(input),"outputTokens":\#(output),"modelName":"cohere.command-r-plus-08-2024"}"#
            }
            nodes.append(#"{"nodeCode":"\#(code)","nodeName":"\#(code.capitalized)","nodeType":"\#(type)","status":"COMPLETED","startTime":\#(clock),"endTime":\#(clock + duration),"nodeInput":"\#(nodeInput)","nodeOutput":"\#(nodeOutput)","nodeStepInfo":{"totalNodeTime":\#(duration),"details":[\#(details)]}}"#)
            clock += duration + 3
        }
        let end = clock + 40
        // Mostly COMPLETE, with ERROR, WAITING and RUNNING runs among them, as a team's history has.
        let status = index % 23 == 7 ? "ERROR" : index % 31 == 11 ? "WAITING" : index % 37 == 5 ? "RUNNING" : "COMPLETE"
        let error = status == "ERROR" ? #"{"errorCode":"FAI-50021","message":"Node STEP_3 failed: HTTP 504 from \#(sentence(3, &random))"}"# : "null"
        let output = status == "COMPLETE" ? #""\#(sentence(40, &random))""# : "null"
        let ended = status == "COMPLETE" || status == "ERROR"
        return #"{"input":"\#(embedded(input))","output":\#(output),"error":\#(error),"followUpQuestions":["\#(sentence(5, &random))?","\#(sentence(4, &random))?"],"jobId":"\#(jobId)","conversationId":"\#(conversation)","traceId":"\#(String(format: "0000000000000000%016llx", random.next()))","status":"\#(status)","supportingChunks":[],"citations":[],"nodes":[\#(nodes.joined(separator: ","))],"waitingToolCode":null,"workflowCode":"\#(team)","workflowName":"\#(team.capitalized)","architecture":null,"workflowVersion":3,"workflowStatus":"PUBLISHED","startDate":\#(start),"endTime":\#(ended ? end : 0),"createDate":"\#(iso(start))","endDate":"\#(ended ? iso(end) : "1970-01-01T00:00:00.000+0000")","inputTokenCount":\#(tokensIn),"outputTokenCount":\#(tokensOut),"waitingNodeDetails":null}"#
    }
}
