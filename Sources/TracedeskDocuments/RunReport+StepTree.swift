import Foundation
import TracedeskHistory
import TracedeskModel

/// The Steps section as trace views lay it out: a collapsible tree of the steps, each row with its
/// time drawn on the run's axis and its tokens drawn against the hungriest step's, and the step a
/// link picks shown beside the tree (on a wide screen) or under its row: its input, output,
/// prompt, model, tokens and error.
///
/// No script: a subtree folds with `<details>`, and a step is picked by following `#step-N`,
/// which the stylesheet shows with `:target` (browsers open the `<details>` around a target).
/// The fold button of a subtree is a `<summary>` of its own, drawn in the row's margin, so that
/// no link sits inside a summary (screen readers flatten a summary's content).
extension RunReport {
    func stepTree(in slot: HTMLElement, of document: HTMLDocument) {
        let nodes = details.nodes
        guard !nodes.isEmpty else { return }
        let tree = insights.tree
        let layout = StepTreeLayout(nodes: nodes, tree: tree, keepOpen: insights.failingPath, limit: Self.openStepLimit, window: stepWindow)
        let scale = StepTreeScale(details: details, layout: layout)
        // Written, not built: the tree grows with the run (HTMLWriter says why).
        document.fragment(in: slot) { writer in
            if let window = stepWindow { stepPages(window, of: nodes.count, writer: writer) }
            writer.element("div", attributes: ["class": "step-tree"]) {
                writer.element("div", attributes: ["class": "tree-row tree-head", "aria-hidden": "true"]) {
                    for title in ["Step", "Type", "Status", "When"] { writer.element("span", text: title) }
                    for title in ["Start", "Duration", "Tokens in / out"] { writer.element("span", attributes: ["class": "num"], text: title) }
                }
                writer.open("ol", attributes: ["class": "tree", "aria-label": "Steps"])
                // Depth first, in the order the steps ran, with a stack: a hostile tree may be deep.
                enum Visit { case enter(Int), leave }
                var stack = layout.roots.reversed().map(Visit.enter)
                while let visit = stack.popLast() {
                    guard case .enter(let index) = visit else {
                        writer.close() // ol
                        writer.close() // details
                        writer.close() // li
                        continue
                    }
                    let node = nodes[index]
                    let failureBelow = tree.failureBelow[index].map { nodes[$0] }
                    writer.open("li", attributes: ["class": Self.failedStatus(node.status) ? "tree-item failed"
                                                   : failureBelow != nil ? "tree-item failed-below" : "tree-item"])
                    stepRow(node, failureBelow: failureBelow, under: layout.tokensUnder[index], scale: scale, writer: writer)
                    stepDetail(node, failureBelow: failureBelow, under: layout.tokensUnder[index], writer: writer)
                    let children = layout.children[index]
                    guard !children.isEmpty else {
                        writer.close() // li
                        continue
                    }
                    let subtree: KeyValuePairs<String, String> = layout.startsOpen[index] ? ["class": "subtree", "open": "open"] : ["class": "subtree"]
                    writer.open("details", attributes: subtree)
                    writer.element("summary", attributes: ["class": "fold"]) {
                        writer.element("span", attributes: ["class": "visually-hidden"],
                                       text: "\(Self.stepLabel(node)): its \(children.count) step\(children.count == 1 ? "" : "s")")
                    }
                    writer.open("ol", attributes: ["class": "tree"])
                    stack.append(.leave)
                    stack += children.reversed().map(Visit.enter)
                }
                writer.close() // ol

                writer.element("div", attributes: ["class": "tree-row total"]) {
                    writer.element("span", text: "Run total")
                    for _ in 0..<4 { writer.element("span") }
                    writer.element("span", attributes: ["class": "num"], text: TextFormat.preciseDuration(run.timeTakenMs))
                    writer.element("span", attributes: ["class": "num"], text: Self.tokenTotal(run))
                }
                writer.element("div", attributes: ["class": "tree-notes note"]) {
                    if layout.rowsInView < layout.rowCount {
                        writer.element("p", text: "Subtrees open while the rows in view stay within \(Self.openStepLimit); "
                                       + "▸ opens the others, and a link to a step opens the subtrees around it.")
                    }
                    if nodes.indices.contains(where: { layout.shown[$0] && !Self.shownTokens(nodes[$0], under: layout.tokensUnder[$0]).own
                                                       && !Self.shownTokens(nodes[$0], under: layout.tokensUnder[$0]).usage.isZero }) {
                        writer.element("p", text: "Tokens in brackets are those of the steps under a step (a parallel branch, a nested run): "
                                       + "they are counted on those steps' rows already.")
                    }
                    if !layout.bookends.isEmpty {
                        // Grouped by the run they mark the ends of: the run itself, or the one a step called.
                        var groups: [(caller: Int?, bookends: [Int])] = []
                        for bookend in layout.bookends {
                            let caller = tree.parent[bookend]
                            if let group = groups.firstIndex(where: { $0.caller == caller }) { groups[group].bookends.append(bookend) }
                            else { groups.append((caller, [bookend])) }
                        }
                        writer.element("p") {
                            writer.text("Left out of the tree, as markers of the ends of a run (a link shows each): ")
                            for (number, group) in groups.enumerated() {
                                if number > 0 { writer.text("; ") }
                                for (index, bookend) in group.bookends.enumerated() {
                                    if index > 0 { writer.text(", ") }
                                    writer.element("a", attributes: ["href": RunReport.link(to: nodes[bookend]), "class": "mono"], text: nodes[bookend].label)
                                }
                                writer.text(group.caller.map { " under \(Self.stepLabel(nodes[$0]))" } ?? " of the run")
                            }
                            writer.text(".")
                        }
                    }
                }
            }
            // On a wide screen, the column beside the tree says what to do until a step is picked.
            writer.element("p", attributes: ["class": "pick note"], text: "Pick a step in the tree to see its input, output, prompt, model and error here.")
            // START and END have no row, but links (the failing path, the error) may lead to them.
            if !layout.bookends.isEmpty {
                writer.element("div", attributes: ["class": "bookend-details"]) {
                    for bookend in layout.bookends {
                        stepDetail(nodes[bookend], failureBelow: nil, under: .zero, writer: writer,
                                   caller: tree.parent[bookend].map { nodes[$0] })
                    }
                }
            }
        }
    }

    /// Where this page's steps stand among the run's, with links to the pages around it.
    private func stepPages(_ window: Range<Int>, of count: Int, writer: HTMLWriter) {
        let size = max(1, stepPageSize ?? window.count)
        func number(_ value: Int) -> String { TextFormat.count(Int64(value)) }
        writer.element("nav", attributes: ["class": "step-pages", "aria-label": "Pages of steps"]) {
            writer.element("p") {
                writer.text("Steps \(number(window.lowerBound + 1))–\(number(window.upperBound)) of \(number(count)), in the order they ran, "
                            + "with the steps they are in and the path to a failure; the figures above are the whole run's. ")
                var links: [(String, Int, String)] = []
                if window.lowerBound > 0 {
                    links.append(("first", 0, "first"))
                    links.append(("‹ previous \(number(size))", max(0, window.lowerBound - size), "prev"))
                }
                if window.upperBound < count {
                    links.append(("next \(number(min(size, count - window.upperBound))) ›", window.upperBound, "next"))
                    links.append(("last", Self.page(holding: count - 1, pageSize: size, of: count).lowerBound, "last"))
                }
                for (index, (label, start, relation)) in links.enumerated() {
                    if index > 0 { writer.text(" · ") }
                    writer.element("a", attributes: ["href": "?steps=\(start + 1)", "rel": relation], text: label)
                }
            }
        }
    }

    /// One row of the tree: the step's number and code, type and model, status, its bar on the
    /// run's time axis, start offset, duration and tokens.
    private func stepRow(_ node: NodeRecord, failureBelow: NodeRecord?, under: TokenUsage, scale: StepTreeScale, writer: HTMLWriter) {
        let failed = Self.failedStatus(node.status)
        writer.element("div", attributes: ["class": "tree-row", "data-position": String(node.position)]) {
            writer.element("span", attributes: ["class": "step"]) {
                writer.element("span", attributes: ["class": "step-number"], text: String(node.position + 1))
                writer.element("a", attributes: ["href": RunReport.link(to: node), "class": "mono"]) { writer.code(node.label) }
            }
            writer.element("span") {
                writer.text(node.type ?? "")
                if let model = node.model, !model.isEmpty { writer.element("span", attributes: ["class": "model note"], text: model) }
            }
            writer.element("span") {
                writer.text(node.status ?? "")
                if let failureBelow {
                    writer.element("span", attributes: ["class": "failed-below-note"], text: "\(failureBelow.label) failed under it")
                }
            }
            // The cell is the track; the bar is placed on it in percent of the run's time (a style
            // attribute: the report's policy allows inline styles, and an SVG on every row of a
            // 6,000-step tree would be five attributes more each).
            writer.element("span", attributes: ["class": "when"]) {
                if let bar = scale.timeBar(of: node, details: details) {
                    writer.element("span", attributes: [
                        "class": "bar \(failed ? "failed" : Self.barClass(node.status))",
                        "style": "margin-left:\(TextFormat.twoDecimals(bar.x))%;width:\(TextFormat.twoDecimals(bar.width))%",
                    ])
                }
            }
            let offset = node.startedAt.flatMap { start in scale.origin.map { start - $0 } }
            writer.element("span", attributes: ["class": "num"], text: offset.map { "+" + TextFormat.preciseDuration($0) } ?? "-")
            writer.element("span", attributes: ["class": "num"], text: durationText(node))
            let tokens = Self.shownTokens(node, under: under)
            writer.element("span", attributes: ["class": "num tokens"]) {
                if tokens.usage.isZero {
                    // A step that reports no tokens (a tool, a branch) has none to show: a dash, not a zero.
                    writer.text("-")
                } else if !tokens.own {
                    // A container (a call to another team, a parallel branch): the tokens of the steps
                    // under it, counted again on their rows, so bracketed.
                    writer.element("span", attributes: ["class": "rollup"],
                                   text: "(\(TextFormat.count(tokens.usage.input)) / \(TextFormat.count(tokens.usage.output)))")
                } else {
                    let tokens = tokens.usage
                    writer.element("span", attributes: ["class": "token-bar"]) {
                        writer.element("span", attributes: ["class": "bar", "style": "width:\(TextFormat.twoDecimals(scale.tokenShare(tokens) * 100))%"])
                    }
                    writer.text("\(TextFormat.count(tokens.input)) / \(TextFormat.count(tokens.output))")
                }
            }
        }
    }

    /// The tokens a step's row shows: its own, else those of the steps under it, else (a call to
    /// another team whose steps were not recorded) its nested run's; `own` says which.
    static func shownTokens(_ node: NodeRecord, under: TokenUsage) -> (usage: TokenUsage, own: Bool) {
        let own = TokenUsage(input: node.inputTokens, output: node.outputTokens)
        if !own.isZero { return (own, true) }
        return (under.isZero ? node.displayTokens : under, false)
    }

    /// The run's tokens, `8,331 / 787`; `unknown` when the bodies gave no counts.
    static func tokenTotal(_ run: RunRecord) -> String {
        guard run.inputTokens != nil || run.outputTokens != nil else { return "unknown" }
        return [run.inputTokens, run.outputTokens].map { $0.map(TextFormat.count) ?? "unknown" }.joined(separator: " / ")
    }

    /// `4.400 s`, `≥ 1.200 s (still going)`, `-`.
    private func durationText(_ node: NodeRecord) -> String {
        node.durationMs.map(TextFormat.preciseDuration)
            ?? details.openDuration(of: node).map { $0 > 0 ? "≥ " + TextFormat.preciseDuration($0) + " (still going)" : "still going" } ?? "-"
    }

    /// What the stylesheet colours a bar by: the status a step ended (or stands) in.
    static func barClass(_ status: String?) -> String {
        switch RunStatus(status ?? "") {
        case .complete: "done"
        case .waiting: "waiting"
        case .running: "running"
        case .error: "failed"
        default: status?.equalsIgnoringCase("SUCCEEDED") == true ? "done" : "other"
        }
    }

    /// The picked step: shown with `:target`, beside the tree on a wide screen, under its row otherwise.
    private func stepDetail(_ node: NodeRecord, failureBelow: NodeRecord?, under: TokenUsage, writer: HTMLWriter, caller: NodeRecord? = nil) {
        // The target, and inside it the panel that stays in view on a wide screen.
        writer.open("div", attributes: ["class": "step-detail", "id": RunReport.anchor(of: node)])
        writer.open("div", attributes: ["class": "panel"])
        writer.element("h3") {
            writer.element("span", attributes: ["class": "step-number"], text: String(node.position + 1))
            writer.element("span", attributes: ["class": "mono"], text: node.label)
        }
        // What the row says, on one line: the panel reads on its own.
        let (tokens, own) = Self.shownTokens(node, under: under)
        let meta = [node.type, node.status, durationText(node),
                    tokens.isZero ? nil : "\(TextFormat.count(tokens.input)) tokens in, \(TextFormat.count(tokens.output)) out" + (own ? "" : " (the steps under it)"),
                    caller.map { "a marker of the run under \(Self.stepLabel($0))" }]
        writer.element("p", attributes: ["class": "meta"], text: meta.compactMap { $0 }.joined(separator: " · "))
        let times = [node.startedAt.map { format.preciseInstant($0) }, node.endedAt.map { "to " + format.preciseInstant($0) }].compactMap { $0 }
        if !times.isEmpty { writer.element("p", attributes: ["class": "meta"], text: times.joined(separator: " ")) }
        let facts: [(String, String?)] = [
            ("Name", node.name == node.code ? nil : node.name),
            ("Model", node.model),
            ("Nested run", node.nestedJobId.map { job in
                [job, node.nestedStatus, node.nestedTraceId.map { "trace \($0)" }].compactMap { $0 }.joined(separator: " · ")
            }),
            ("Failed under it", failureBelow.map { Self.stepLabel($0) }),
        ]
        let shown = facts.compactMap { term, value in value.flatMap { $0.isEmpty ? nil : (term, $0) } }
        if !shown.isEmpty {
            writer.element("dl", attributes: ["class": "kv"]) {
                for (term, value) in shown {
                    writer.element("dt", text: term)
                    writer.element("dd", text: value)
                }
            }
        }
        if let retrieval = insights.retrievalStep, details.nodes[retrieval].position == node.position {
            retrievedChunks(writer: writer)
        }
        let calls = details.calls(ofStepAt: node.position)
        if !calls.isEmpty {
            modelCalls(calls, writer: writer)
        } else if let prompt = node.prompt {
            let count = prompt.messages.count
            writer.element("h4", text: "Prompt (\(count) message\(count == 1 ? "" : "s"))")
            for message in prompt.messages {
                writer.element("div", attributes: ["class": "message role-\(Self.roleClass(message.role))"]) {
                    writer.element("p", attributes: ["class": "role"], text: message.role)
                    writer.preformatted(message.text)
                }
            }
        }
        for (title, text) in [("Input", node.input), ("Output", node.output), ("Error", node.error)] {
            guard let text, !text.isEmpty else { continue }
            writer.element("h4", text: title)
            let pretty = Self.pretty(text)
            let attributes: KeyValuePairs<String, String> = ["class": title == "Input" ? "input" : title == "Output" ? "output" : "error"]
            // A call to another team outputs that run's whole status body, its steps too: folded,
            // since the steps are rows of this tree already.
            if title == "Output", node.nestedJobId != nil {
                let lines = pretty.utf8.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
                writer.element("details") {
                    writer.element("summary", text: "The status body of the run it called (\(TextFormat.count(Int64(lines))) lines)")
                    writer.preformatted(pretty, attributes: attributes)
                }
            } else {
                writer.preformatted(pretty, attributes: attributes)
            }
        }
        writer.close() // panel
        writer.close() // step-detail
    }

    /// A step's model calls, each on its own: the model and its type, Oracle's counts (billed)
    /// beside the provider's, reasoning tokens, AI units, the settings sent, the messages role by
    /// role, the answer, and the exact request and response folded away.
    private func modelCalls(_ calls: [LLMCallRecord], writer: HTMLWriter) {
        for (number, call) in calls.enumerated() {
            let title = calls.count == 1 ? "Model call" : "Model call \(number + 1) of \(calls.count)"
            writer.element("h4", text: title + (call.model.map { ": \($0)" } ?? ""))
            var facts: [(String, String)] = []
            if let type = call.modelType { facts.append(("Model type", type)) }
            if let time = call.durationMs { facts.append(("Time", TextFormat.duration(time))) }
            facts.append(("Tokens (Oracle, billed)", "\(TextFormat.count(call.inputTokens)) in, \(TextFormat.count(call.outputTokens)) out"))
            if let prompt = call.providerPromptTokens, let completion = call.providerCompletionTokens {
                facts.append(("Tokens (the provider's)", "\(TextFormat.count(prompt)) in, \(TextFormat.count(completion)) out"
                              + (call.providerTotalTokens.map { ", \(TextFormat.count($0)) in all" } ?? "")))
            }
            if let reasoning = call.reasoningTokens { facts.append(("Reasoning tokens", TextFormat.count(reasoning))) }
            facts.append(("AI units", call.aiUnits.map(TextFormat.count) ?? "unknown: the pod's rates do not type this model"))
            if let reason = call.finishReason { facts.append(("Finish reason", reason)) }
            for (name, value) in call.parameterValues.sorted(by: { $0.key < $1.key }) where value != .null {
                facts.append((name, value.stringValue ?? value.compactText))
            }
            writer.element("dl", attributes: ["class": "kv"]) {
                for (term, value) in facts {
                    writer.element("dt", text: term)
                    writer.element("dd", text: value)
                }
            }
            if !call.messages.isEmpty {
                writer.element("h5", text: "Prompt (\(call.messages.count) message\(call.messages.count == 1 ? "" : "s"))")
                for message in call.messages {
                    writer.element("div", attributes: ["class": "message role-\(Self.roleClass(message.role))"]) {
                        writer.element("p", attributes: ["class": "role"], text: message.role)
                        writer.preformatted(message.text)
                    }
                }
            }
            if let answer = call.responseText, !answer.isEmpty {
                writer.element("h5", text: "Response")
                writer.preformatted(answer, attributes: ["class": "output"])
            }
            if let tools = call.toolCalls, !tools.isEmpty {
                writer.element("h5", text: "Tool calls")
                writer.preformatted(Self.pretty(tools), attributes: ["class": "output"])
            }
            for (name, text) in [("request", call.request), ("response", call.response)] {
                guard let text, !text.isEmpty else { continue }
                writer.element("details") {
                    writer.element("summary", text: "The exact \(name) to the provider, as received")
                    writer.preformatted(Self.pretty(text))
                }
            }
        }
    }

    /// The chunks the retrieval step brought back, each linked to its row in Supporting chunks.
    private func retrievedChunks(writer: HTMLWriter) {
        let chunks = details.chunks
        writer.element("h4", text: "Retrieved \(TextFormat.count(Int64(chunks.count))) chunk\(chunks.count == 1 ? "" : "s")")
        writer.element("ol", attributes: ["class": "retrieved"]) {
            for chunk in chunks.prefix(Self.retrievedListLimit) {
                writer.element("li") {
                    writer.element("a", attributes: ["href": "#chunk-\(chunk.position)"], text: chunk.title ?? chunk.source ?? "chunk \(chunk.position + 1)")
                    if let score = chunk.score, score.isFinite { writer.element("span", attributes: ["class": "note"], text: " score " + TextFormat.decimals(score, 3)) }
                }
            }
        }
        if chunks.count > Self.retrievedListLimit {
            writer.element("p", attributes: ["class": "note"],
                           text: "and \(TextFormat.count(Int64(chunks.count - Self.retrievedListLimit))) more under Supporting chunks.")
        }
    }

    /// The retrieved chunks listed under their step; the rest are a link away.
    static let retrievedListLimit = 20

    /// `system`, `user`, `assistant`, `tool`, or `other`: a class for a message's role.
    static func roleClass(_ role: String) -> String {
        switch role.uppercased() {
        case "SYSTEM": "system"
        case "USER": "user"
        case "ASSISTANT": "assistant"
        case "TOOL": "tool"
        default: "other"
        }
    }
}

/// The scales of the tree's inline bars: the run's time axis, and the most tokens one step used.
struct StepTreeScale {
    /// The run's start, else its first step's: step offsets count from it.
    let origin: Int64?
    let axisStart: Int64
    let axisEnd: Int64
    /// The most tokens one step used itself (a nested run's total left out).
    let mostTokens: Int64

    init(details: RunDetails, layout: StepTreeLayout) {
        let nodes = details.nodes
        origin = details.run.startedAt ?? nodes.compactMap(\.startedAt).min()
        axisStart = origin ?? 0
        axisEnd = max(axisStart + 1, [details.run.endedAt, details.lastObservedAt, nodes.compactMap(\.endedAt).max()].compactMap { $0 }.max() ?? axisStart + 1)
        mostTokens = nodes.indices.filter { layout.shown[$0] }.map { TokenUsage(input: nodes[$0].inputTokens, output: nodes[$0].outputTokens).total }.max() ?? 0
    }

    /// Where a step's bar starts and how wide it is, in percent of the axis; `nil` when it has no start.
    func timeBar(of node: NodeRecord, details: RunDetails) -> (x: Double, width: Double)? {
        guard let start = node.startedAt else { return nil }
        let end = node.endedAt ?? details.openDuration(of: node).map { start + $0 } ?? start
        let span = Double(axisEnd - axisStart)
        let x = max(0, min(100, Double(start - axisStart) / span * 100))
        return (x, max(0.6, min(100 - x, Double(max(0, end - start)) / span * 100)))
    }

    /// A step's tokens as a share of the most one step used, at least a sliver.
    func tokenShare(_ tokens: TokenUsage) -> Double {
        guard mostTokens > 0 else { return 0 }
        return max(0.01, min(1, Double(tokens.total) / Double(mostTokens)))
    }
}
