import Foundation
import TracedeskHistory
import TracedeskModel

/// The live progress of a polled run, and what to tell a user when it waits or stops.
public enum ProgressText {
    /// `RUNNING  12.3 s  4 nodes  at COMPARE_ITEMS (LLM)  2,622 tokens`: one line for the terminal.
    public static func line(_ body: StatusBody, elapsed: Duration) -> String {
        let status = (body.status?.rawValue ?? "?").padding(toLength: 8, withPad: " ", startingAt: 0)
        return ([status, TextFormat.duration(milliseconds(elapsed))] + details(body)).joined(separator: "  ")
    }

    /// The line without the clock: it changes only when the run does.
    public static func signature(_ body: StatusBody) -> String {
        ([body.status?.rawValue ?? "?"] + details(body)).joined(separator: "  ")
    }

    private static func details(_ body: StatusBody) -> [String] {
        var parts = ["\(TextFormat.count(Int64(body.nodeCount))) \(body.nodeCount == 1 ? "node" : "nodes")"]
        if let node = current(in: body.nodes) {
            parts.append("at \(node.label)" + (node.type.map { " (\($0))" } ?? ""))
        }
        let tokens = body.totalTokens
        if !tokens.isZero { parts.append("\(TextFormat.count(tokens.total)) tokens") }
        return parts
    }

    /// The node being worked on: the last one still running or waiting, else the last one.
    static func current(in nodes: [Node]) -> Node? {
        func search(_ nodes: [Node]) -> Node? {
            for node in nodes.reversed() {
                if let inner = search(node.children) { return inner }
                let status = node.status?.uppercased() ?? ""
                if status == "RUNNING" || status == "WAITING" || (node.endedAt == nil && node.startedAt != nil) { return node }
            }
            return nil
        }
        return search(nodes) ?? nodes.last
    }

    /// What a WAITING run waits for, and how to answer it.
    public static func waiting(_ body: StatusBody, team: String) -> String {
        let what = body.waiting.isEmpty ? "unspecified (no waitingToolCode or waitingNodeDetails)" : body.waiting.summary
        let type = body.waiting.details?.first(["nodeType", "type"])?.stringValue?.uppercased()
        var text = "WAITING for \(what)"
        if type == "WAIT" {
            text += "\n  a WAIT step: it resumes by itself"
        } else {
            text += "\n  answer with: tracedesk resume \(body.jobId) --approve [--feedback TEXT]   (or --reject, or --input JSON)"
        }
        return text
    }

    /// How to pick the job up again after a timeout, an interruption or an outage.
    public static func resumeHint(jobId: String, team: String) -> String {
        "the job goes on at the pod; follow it with: tracedesk poll \(jobId) --team \(team)"
    }

    /// A duration in whole milliseconds.
    public static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
