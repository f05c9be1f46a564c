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

    /// The node being worked on: the last one still running or waiting, else the step that
    /// failed (the innermost: the branch of a PARALLEL, not the PARALLEL), else the last one.
    static func current(in nodes: [Node]) -> Node? {
        func search(_ nodes: [Node], where matches: (Node) -> Bool) -> Node? {
            for node in nodes.reversed() {
                if let inner = search(node.children, where: matches) { return inner }
                if matches(node) { return node }
            }
            return nil
        }
        let open = search(nodes) { node in
            let status = node.status?.uppercased() ?? ""
            return status == "RUNNING" || status == "WAITING" || (node.endedAt == nil && node.startedAt != nil)
        }
        let failed = search(nodes) { $0.status.map(RunStatus.init) == .error }
        return open ?? failed ?? nodes.last
    }

    /// What a WAITING run waits for, and how to answer it.
    public static func waiting(_ body: StatusBody, team: String) -> String {
        waiting(body.waiting, jobId: body.jobId, streamed: false)
    }

    /// What a suspended run waits for, and the commands that answer it: only the actions the
    /// node offers (`actionNames`), the round it is in, and for a WAIT node how long it waits.
    public static func waiting(_ details: WaitingDetails, jobId: String, streamed: Bool) -> String {
        let what = details.isEmpty ? "unspecified (no waitingToolCode or waitingNodeDetails)" : details.summary
        var text = "WAITING for \(what)"
        let resume = "tracedesk resume \(jobId)"
        if !details.waitsForPerson {
            let wait = details.waitMinutes.map { " after \(TextFormat.duration(Int64($0 * 60_000)))" } ?? ""
            text += streamed
                ? "\n  a WAIT step: the run goes on at the pod\(wait); skip the wait with: \(resume) --skip-wait   (or follow it later with: tracedesk poll \(jobId))"
                : "\n  a WAIT step: it resumes by itself\(wait); or now: \(resume) --skip-wait"
            return text
        }
        let codes = Set(details.actions.map(\.code))
        var verdicts: [String] = []
        if codes.isEmpty || codes.contains(ResumeAnswer.approve.rawValue) { verdicts.append("--approve") }
        if codes.isEmpty || codes.contains(ResumeAnswer.reject.rawValue) { verdicts.append("--reject") }
        // --feedback goes with --approve and --reject; --request-changes carries its own text.
        var answers = verdicts.isEmpty ? [] : [verdicts.joined(separator: " | ") + (details.feedbackEnabled == false ? "" : " [--feedback TEXT]")]
        if codes.contains(ResumeAnswer.requestChanges.rawValue) { answers.append("--request-changes TEXT") }
        text += "\n  answer with: \(resume) \(answers.joined(separator: " | "))"
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
