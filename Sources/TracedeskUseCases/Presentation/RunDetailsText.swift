import Foundation
import TracedeskHistory
import TracedeskModel

/// What `tracedesk show RUN` prints: the run's summary, its node tree, and what else it holds.
public struct RunDetailsText: Sendable {
    public var format: TextFormat
    /// The terminal's width, to keep node lines and snippets on one line.
    public var width: Int

    public init(format: TextFormat = TextFormat(), width: Int = 120) {
        self.format = format
        self.width = width
    }

    public func render(_ details: RunDetails) -> String {
        let run = details.run
        var lines: [String] = []
        func field(_ name: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            lines.append(TextFormat.cell(name, 15) + value)
        }
        lines.append("Run \(run.jobId)")
        field("Team", [run.teamCode ?? run.workflowCode, run.workflowName.map { "(\($0))" }].compactMap { $0 }.joined(separator: " "))
        field("Version", RunTable.version(run))
        field("Mode", run.invocationMode)
        field("Status", run.status.rawValue)
        field("Label", run.label)
        field("Started", run.startedAt.map(format.instant))
        field("Ended", run.endedAt.map(format.instant))
        field("Time taken", run.timeTakenMs.map(TextFormat.duration))
        if let since = details.waitingSince {
            let sofar = details.waitingMs.map { " (\(TextFormat.duration($0)) so far)" } ?? ""
            field("Waiting", "since \(format.instant(since))\(sofar)")
        } else if let waiting = details.waitingMs, waiting > 0 {
            field("Waiting", TextFormat.duration(waiting))
        } else if details.waitingMs == nil {
            field("Waiting", "yes, for how long the bodies do not tell")
        }
        field("Tokens", TextFormat.tokens(run.tokens))
        field("Trace", run.traceId)
        field("Conversation", run.conversationId)
        field("Pod", run.pod)
        if let caller = details.caller {
            field("Called by", "run \(caller.jobId.prefix(8))\(caller.teamCode.map { " (\($0))" } ?? ""), step \(caller.step)")
        }
        let distinct = details.snapshots.count
        let received = details.snapshots.reduce(0) { $0 + $1.timesSeen }
        if run.source == .nested {
            field("Source", "nested: read from the output of the step that called it")
        } else {
            field("Source", "\(run.source.rawValue), \(distinct) distinct \(distinct == 1 ? "body" : "bodies"), \(received) received")
        }
        lines.append("")
        field("Message", run.message)
        if !run.parameters.isEmpty {
            field("Parameters", run.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        if run.status == .waiting {
            field("Waiting for", run.waitingSummary ?? run.waitingToolCode ?? "unspecified")
        }
        if let error = run.error { field("Error", error) }
        if let output = run.output {
            lines.append("Output")
            lines += output.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
        }
        if !run.followUpQuestions.isEmpty {
            lines.append("Follow-up questions")
            lines += run.followUpQuestions.map { "  - " + $0 }
        }
        lines.append("")
        lines += nodeTree(details.nodes)
        lines.append("")
        lines.append("Supporting chunks: \(details.chunks.count)   Citations: \(details.citations.count)")
        for (index, chunk) in details.chunks.prefix(5).enumerated() {
            let title = chunk.title ?? chunk.source ?? "chunk"
            let score = chunk.score.map { String(format: " (score %.2f)", $0) } ?? ""
            lines.append("  \(index + 1). \(title)\(score): " + TextFormat.snippet(chunk.text, width: max(20, width - title.count - 20)))
        }
        if details.chunks.count > 5 { lines.append("  ... \(details.chunks.count - 5) more") }
        if details.statusChanges.count > 1 {
            lines.append("")
            lines.append("Status history")
            for change in details.statusChanges {
                lines.append("  " + TextFormat.cell(change.status.rawValue, 10) + format.instant(change.at))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The nodes as a tree: code, type, status, duration, tokens, and any nested run.
    func nodeTree(_ nodes: [NodeRecord]) -> [String] {
        guard !nodes.isEmpty else {
            return ["Nodes: none (END_USER bodies carry no nodes; invoke in ADMIN mode to see the steps)"]
        }
        var children: [Int?: [Int]] = [:]
        for node in nodes { children[node.parentPosition, default: []].append(node.position) }
        let byPosition = Dictionary(uniqueKeysWithValues: nodes.map { ($0.position, $0) })

        var labels: [(prefix: String, node: NodeRecord)] = []
        func visit(_ position: Int, indent: String, isLast: Bool, isRoot: Bool) {
            guard let node = byPosition[position] else { return }
            let branch = isRoot ? "" : (isLast ? "└─ " : "├─ ")
            labels.append((indent + branch, node))
            let childIndent = isRoot ? "" : indent + (isLast ? "   " : "│  ")
            let kids = children[position] ?? []
            for (index, kid) in kids.enumerated() {
                visit(kid, indent: isRoot ? "" : childIndent, isLast: index == kids.count - 1, isRoot: false)
            }
        }
        let roots = children[nil] ?? []
        for root in roots { visit(root, indent: "", isLast: false, isRoot: true) }

        func label(_ node: NodeRecord) -> String {
            if node.code == nil, node.name == nil, node.type == nil {
                return "(unrecognised) " + TextFormat.snippet(node.raw, width: 50)
            }
            return node.code ?? node.name ?? node.type ?? "node"
        }
        let labelWidth = min(52, labels.map { $0.prefix.count + label($0.node).count }.max() ?? 10)
        let typeWidth = min(18, nodes.map { ($0.type ?? "").count }.max() ?? 4)
        let statusWidth = min(10, nodes.map { ($0.status ?? "").count }.max() ?? 0)
        func tokenText(_ node: NodeRecord) -> String {
            let tokens = node.displayTokens
            return tokens.isZero ? "" : "\(TextFormat.count(tokens.total)) tok"
        }
        let tokenWidth = nodes.map { tokenText($0).count }.max() ?? 0

        var lines = ["Nodes (\(nodes.count))"]
        for (prefix, node) in labels {
            var columns = [
                TextFormat.cell(prefix + label(node), labelWidth),
                TextFormat.cell(node.type ?? "", typeWidth),
            ]
            if statusWidth > 0 { columns.append(TextFormat.cell(node.status ?? "", statusWidth)) }
            columns.append(TextFormat.cell(TextFormat.duration(node.durationMs), 11, alignRight: true))
            if tokenWidth > 0 { columns.append(TextFormat.cell(tokenText(node), tokenWidth, alignRight: true)) }
            var line = "  " + columns.joined(separator: "  ")
            if let nested = node.nestedJobId {
                line += "  → run \(nested.prefix(8))" + (node.nestedStatus.map { " \($0)" } ?? "")
            }
            if let error = node.error { line += "  ! " + TextFormat.snippet(error, width: 40) }
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        return lines
    }
}
