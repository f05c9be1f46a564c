import Foundation
import TracedeskHistory
import TracedeskModel

/// What `tracedesk show RUN` prints: the run's summary, its node tree, and what else it holds.
public struct RunDetailsText: Sendable {
    public var format: TextFormat
    /// The terminal's width, to keep node lines and snippets on one line.
    public var width: Int
    /// Which steps the node tree shows (`--all`, `--depth N`, else folded to a budget).
    public var folding: StepFolding

    public init(format: TextFormat = TextFormat(), width: Int = 120, folding: StepFolding = .standard) {
        self.format = format
        self.width = width
        self.folding = folding
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
        field("AI units", run.aiUnits.map(TextFormat.count) ?? (details.llmCalls.isEmpty ? nil : "unknown (a model the pod's rates do not type)"))
        field("Trace", run.traceId)
        field("Conversation", run.conversationId)
        field("Pod", run.pod)
        field("Redacted", run.redaction.map { "recorded redacted (\($0)): the history holds pseudonyms, not the values" })
        if let source = run.replayOf {
            let plan = run.replayPlan.flatMap { try? JSONDecoder().decode(ReplayPlan.Summary.self, from: Data($0.utf8)) }
            let pinned = plan.map { plan in
                ", \(plan.pinned.count) step\(plan.pinned.count == 1 ? "" : "s") pinned" + (plan.live.isEmpty ? "" : ", live: " + plan.live.joined(separator: ", "))
                    + (plan.models ?? [:]).sorted { $0.key < $1.key }.map { ", \($0.key) on \($0.value)" }.joined()
            } ?? ""
            field("Replay of", "run \(source.prefix(8))\(pinned) (tracedesk diff \(source.prefix(8)) \(run.jobId.prefix(8)))")
        }
        if !details.replays.isEmpty {
            field("Replays", details.replays.map { String($0.prefix(8)) }.joined(separator: ", "))
        }
        if let caller = details.caller {
            field("Called by", "run \(caller.jobId.prefix(8))\(caller.teamCode.map { " (\($0))" } ?? ""), step \(caller.step)")
        }
        let distinct = details.snapshots.count
        let received = details.snapshots.reduce(0) { $0 + $1.timesSeen }
        if run.source == .nested {
            field("Source", "nested: read from the output of the step that called it")
        } else if run.transport == .stream {
            field("Source", "\(run.source.rawValue) over the debug stream, \(details.streamEvents) event\(details.streamEvents == 1 ? "" : "s") received")
        } else {
            field("Source", "\(run.source.rawValue), \(distinct) distinct \(distinct == 1 ? "body" : "bodies"), \(received) received")
        }
        lines.append("")
        field("Message", run.message)
        if !run.parameters.isEmpty {
            field("Parameters", run.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        if run.status == .waiting {
            field("Waiting for", run.waiting.flatMap { $0.isEmpty ? nil : $0.summary } ?? run.waitingSummary ?? run.waitingToolCode ?? "unspecified")
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
        lines += nodeTree(details)
        if !details.llmCalls.isEmpty {
            lines.append("")
            lines += modelCalls(details)
        }
        lines.append("")
        lines.append("Supporting chunks: \(TextFormat.count(Int64(details.chunks.count)))   Citations: \(TextFormat.count(Int64(details.citations.count)))")
        lines += references(details.chunks, limit: 5, showScore: true, run: details.run.jobId)
        if !details.citations.isEmpty {
            lines.append("")
            lines.append("Citations")
            lines += references(details.citations, limit: 10, showScore: false, run: details.run.jobId)
        }
        if details.statusChanges.count > 1 {
            lines.append("")
            lines.append("Status history (when Tracedesk saw each status)")
            for change in details.statusChanges {
                lines.append("  " + TextFormat.cell(change.status.rawValue, 10) + format.instant(change.at))
            }
        }
        if let clocks = details.clockNote {
            lines.append("")
            lines.append(clocks)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The model calls, one line each: the step, the model and its type, Oracle's counts and the
    /// provider's when they differ, reasoning tokens, the finish reason and the AI units.
    func modelCalls(_ details: RunDetails) -> [String] {
        let codes = Dictionary(details.nodes.map { ($0.position, $0.code ?? $0.name ?? $0.type ?? "step") }, uniquingKeysWith: { first, _ in first })
        var lines = ["Model calls (\(details.llmCalls.count))"]
        for call in details.llmCalls {
            var parts = [codes[call.nodePosition] ?? "step \(call.nodePosition)"]
            parts.append([call.model, call.modelType.map { "(\($0))" }].compactMap { $0 }.joined(separator: " "))
            var counts = "\(TextFormat.count(call.inputTokens)) in, \(TextFormat.count(call.outputTokens)) out"
            if let prompt = call.providerPromptTokens, let completion = call.providerCompletionTokens,
               prompt != call.inputTokens || completion != call.outputTokens {
                counts += " (provider: \(TextFormat.count(prompt)) in, \(TextFormat.count(completion)) out)"
            }
            parts.append(counts)
            if let reasoning = call.reasoningTokens, reasoning > 0 { parts.append("\(TextFormat.count(reasoning)) reasoning") }
            if let reason = call.finishReason { parts.append(reason) }
            parts.append(call.aiUnits.map { "\(TextFormat.count($0)) AI units" } ?? "AI units unknown")
            lines.append("  " + parts.filter { !$0.isEmpty }.joined(separator: " · "))
        }
        return lines
    }

    /// A step's duration; for one under way, how long it had run when last seen.
    func durationText(_ node: NodeRecord, in details: RunDetails) -> String {
        if let duration = node.durationMs { return TextFormat.duration(duration) }
        if let open = details.openDuration(of: node) { return open > 0 ? "≥ " + TextFormat.duration(open) : "still going" }
        return TextFormat.duration(nil)
    }

    /// Numbered chunks or citations: title, page and score, the passage cut to the width, and the
    /// document's address on a line of its own (whole, so that a terminal can open it).
    func references(_ items: [DocumentReferenceRecord], limit: Int, showScore: Bool, run jobId: String) -> [String] {
        var lines: [String] = []
        for (index, item) in items.prefix(limit).enumerated() {
            var heading = item.title ?? item.source ?? (showScore ? "chunk" : "citation")
            if let page = item.page { heading += ", page \(page)" }
            if showScore, let score = item.score, score.isFinite { heading += String(format: " (score %.2f)", score) }
            let prefix = "  \(index + 1). \(heading)"
            if let text = item.text, !text.isEmpty {
                lines.append(prefix + ": " + TextFormat.snippet(text, width: max(20, width - prefix.count - 2)))
            } else {
                lines.append(prefix)
            }
            if let source = item.source, source != item.title { lines.append("     " + source) }
        }
        if items.count > limit {
            lines.append("  ... \(TextFormat.count(Int64(items.count - limit))) more (all of them: tracedesk show \(jobId.prefix(8)) --json, or the report)")
        }
        return lines
    }

    /// The nodes as a tree: code, type, status, duration, tokens, and any nested run. A step
    /// still under way shows how long it had run when last seen (`≥ 4.1 s`); a step that says it
    /// completed while a step under it failed is marked.
    func nodeTree(_ details: RunDetails) -> [String] {
        let nodes = details.nodes
        guard !nodes.isEmpty else {
            return ["Nodes: none (END_USER bodies carry no nodes; invoke in ADMIN mode to see the steps)"]
        }
        let tree = NodeTree(nodes)
        let folded = folding.fold(nodes, tree: tree)
        let shown = folded.rows.compactMap { row -> Int? in if case .step(let index) = row { index } else { nil } }
        // Prefixes drawn for the steps shown, so that a folded container's last step still closes its branch.
        var prefix: [Int: String] = [:]
        for (index, text) in zip(shown, NodeTree(shown.map { nodes[$0] }).prefixes()) { prefix[index] = text }
        let labels = shown.map { (prefix: prefix[$0] ?? "", node: nodes[$0]) }

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

        var lines = ["Nodes (\(TextFormat.count(Int64(nodes.count))))"]
        for row in folded.rows {
            guard case .step(let index) = row else {
                if case .folded(let after, _, let count, let steps) = row {
                    let more = "… \(TextFormat.count(Int64(count))) more step\(count == 1 ? "" : "s")"
                        + (steps > count ? " (\(TextFormat.count(Int64(steps))) with the steps under them)" : "")
                    lines.append("  " + (prefix[after] ?? "") + more)
                }
                continue
            }
            let node = nodes[index]
            var columns = [
                TextFormat.cell((prefix[index] ?? "") + label(node), labelWidth),
                TextFormat.cell(node.type ?? "", typeWidth),
            ]
            if statusWidth > 0 { columns.append(TextFormat.cell(node.status ?? "", statusWidth)) }
            columns.append(TextFormat.cell(durationText(node, in: details), 11, alignRight: true))
            if tokenWidth > 0 { columns.append(TextFormat.cell(tokenText(node), tokenWidth, alignRight: true)) }
            var line = "  " + columns.joined(separator: "  ")
            if let nested = node.nestedJobId {
                line += "  → run \(nested.prefix(8))" + (node.nestedStatus.map { " \($0)" } ?? "")
            }
            if let error = node.error { line += "  ! " + TextFormat.snippet(error, width: 40) }
            if let failed = tree.failureBelow[index] { line += "  ! \(label(nodes[failed])) failed under it" }
            if let hidden = folded.hiddenBelow[index] { line += "  (+\(TextFormat.count(Int64(hidden))) under it)" }
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        if folded.shownSteps < nodes.count {
            lines.append("  Showing \(TextFormat.count(Int64(folded.shownSteps))) of \(TextFormat.count(Int64(nodes.count))) steps: "
                         + "every step with: tracedesk show \(details.run.jobId.prefix(8)) --all (or --depth N for the first levels)")
        }
        return lines
    }
}
