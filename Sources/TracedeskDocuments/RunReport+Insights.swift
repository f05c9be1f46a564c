import Foundation
import TracedeskHistory
import TracedeskModel

/// The report's first section: what the run spent its time and tokens on, at a glance.
extension RunReport {
    func insights(in slot: HTMLElement, of document: HTMLDocument) {
        let nodes = details.nodes
        let cards = document.element("div", in: slot, attributes: ["class": "insights"])

        if !insights.failingPath.isEmpty { failingPath(insights.failingPath, in: cards, of: document) }

        // Where the wall time went: the critical path, step by step.
        if !insights.criticalPath.isEmpty {
            let card = card("Where the time went", in: cards, of: document)
            let wall = insights.wallMs
            var lead = "The critical path: \(insights.criticalPath.count) step\(insights.criticalPath.count == 1 ? "" : "s")"
            lead += " one after another, \(TextFormat.preciseDuration(insights.pathMs))"
            if let wall { lead += " of the run's \(TextFormat.preciseDuration(wall))" }
            if insights.besidePath > 0 {
                lead += "; \(insights.besidePath) step\(insights.besidePath == 1 ? "" : "s") ran beside it on parallel branches and added nothing"
            }
            document.element("p", in: card, text: lead + ".")
            let list = document.element("ol", in: card, attributes: ["class": "bars"])
            let scale = max(wall ?? 0, insights.pathMs, 1)
            let path = insights.criticalPath
            // A long path (a loop's thousand iterations) is shown by its longest steps, in order,
            // with the rest and the gaps summed: a card, not a second step list.
            let shown = path.count <= Self.pathStepLimit ? Set(path.indices)
                : Set(path.indices.sorted { path[$0].durationMs > path[$1].durationMs }.prefix(Self.pathStepLimit - 2))
            for (index, step) in path.enumerated() where shown.contains(index) {
                if step.gapBeforeMs >= 1, path.count <= Self.pathStepLimit {
                    bar(label: "between steps", value: TextFormat.preciseDuration(step.gapBeforeMs),
                        fraction: Double(step.gapBeforeMs) / Double(scale), kind: "gap", link: nil, in: list, of: document)
                }
                let node = nodes[step.node]
                bar(label: Self.stepLabel(node), note: note(of: step.node), value: TextFormat.preciseDuration(step.durationMs),
                    fraction: Double(step.durationMs) / Double(scale),
                    kind: Self.failedStatus(node.status) ? "failed" : "time", link: link(to: node), in: list, of: document)
            }
            if path.count > Self.pathStepLimit {
                let others = path.indices.filter { !shown.contains($0) }
                let othersMs = others.reduce(Int64(0)) { TokenUsage.adding($0, path[$1].durationMs) }
                bar(label: "\(TextFormat.count(Int64(others.count))) other steps on the path", value: TextFormat.preciseDuration(othersMs),
                    fraction: Double(othersMs) / Double(scale), kind: "gap", link: nil, in: list, of: document)
                let gapsMs = path.reduce(Int64(0)) { TokenUsage.adding($0, $1.gapBeforeMs) }
                if gapsMs >= 1 {
                    bar(label: "between steps, in all", value: TextFormat.preciseDuration(gapsMs),
                        fraction: Double(gapsMs) / Double(scale), kind: "gap", link: nil, in: list, of: document)
                }
            }
        }

        if !insights.slowest.isEmpty {
            let card = card("Slowest steps", in: cards, of: document)
            let list = document.element("ol", in: card, attributes: ["class": "bars"])
            // A run still going has no total to measure against: its bars are drawn against the slowest.
            let slowestMs = max(1, insights.slowest.first?.value ?? 1)
            for item in insights.slowest {
                let node = nodes[item.node]
                let share = insights.wallMs == nil ? "" : " (\(Self.percent(item.share)))"
                let fraction = insights.wallMs == nil ? Double(item.value) / Double(slowestMs) : item.share
                let loop = insights.iterations[item.node].map { "\(node.type ?? "LOOP"), \(TextFormat.count(Int64($0))) iteration\($0 == 1 ? "" : "s")" }
                bar(label: Self.stepLabel(node), note: note(of: item.node, loop), value: TextFormat.preciseDuration(item.value) + share, fraction: fraction,
                    kind: "time", link: link(to: node), in: list, of: document)
            }
        }

        if !insights.tokens.isEmpty {
            let card = card("Where the tokens went", in: cards, of: document)
            let list = document.element("ol", in: card, attributes: ["class": "bars"])
            for item in insights.tokens {
                let node = nodes[item.node]
                bar(label: Self.stepLabel(node), note: note(of: item.node, node.model), value: "\(TextFormat.count(item.value)) (\(Self.percent(item.share)))", fraction: item.share,
                    kind: "tokens", link: link(to: node), in: list, of: document)
            }
        }

        // Waiting, polling: what the client saw.
        let card = card("What the client saw", in: cards, of: document)
        let facts = document.element("dl", in: card, attributes: ["class": "kv"])
        func fact(_ term: String, _ value: String) {
            document.element("dt", in: facts, text: term)
            document.element("dd", in: facts, text: value)
        }
        fact("Waiting for a person", waitingText(insights: insights, clocksDiffer: details.clockNote != nil))
        if run.transport == .stream {
            fact("Followed", "over the debug stream: \(TextFormat.count(Int64(details.streamEvents))) events, no polling")
        } else {
            fact("Status requests", "\(TextFormat.count(Int64(insights.requests))) answered with \(TextFormat.count(Int64(insights.distinctBodies))) distinct bod\(insights.distinctBodies == 1 ? "y" : "ies")")
        }
        fact("Answers retried", insights.failedRequests == 0 ? "none" : "\(TextFormat.count(Int64(insights.failedRequests))) (not HTTP 200)")
        if let delay = insights.pollingDelay {
            // The run ended between two polls: the client learnt of it at most their distance late.
            fact("Polling delay", delay.lastUnderWay.map { "at most \(TextFormat.preciseDuration(delay.withinMs)) (last \($0) answer to first \(run.status.rawValue))" }
                 ?? "none: the first answer said \(run.status.rawValue)")
        }
        if details.clockNote != nil {
            // Said in full once, by the status history it is about.
            let note = document.element("p", in: card, attributes: ["class": "note"], text: "The pod's clock and this machine's differ here: ")
            document.element("a", in: note, attributes: ["href": "#status-history"], text: "see the status history")
            document.text(".", in: note)
        }
    }

    /// Time waiting against working, each measured on one clock: the pod's steps and the pod's
    /// wall time, or (when the pod's steps do not say) the bodies Tracedesk saw, and the wall time
    /// only when the two clocks agree.
    func waitingText(insights: RunInsights, clocksDiffer: Bool) -> String {
        if let steps = insights.stepsWaitingMs, steps > 0 {
            var text = TextFormat.preciseDuration(steps) + (insights.waitingStep.map { " (\(details.nodes[$0].label))" } ?? "")
            if let wall = insights.wallMs { text += ", working \(TextFormat.preciseDuration(max(0, wall - steps)))" }
            if let seen = insights.waitingMs, clocksDiffer { text += "; seen WAITING by Tracedesk for \(TextFormat.preciseDuration(seen))" }
            return text
        }
        if let seen = insights.waitingMs {
            let working = clocksDiffer ? nil : insights.wallMs.map { max(0, $0 - seen) }
            return TextFormat.preciseDuration(seen) + " as Tracedesk saw it" + (working.map { ", working \(TextFormat.preciseDuration($0))" } ?? "")
        }
        return run.status == .waiting ? "now, since the last body" : "never"
    }

    private func card(_ title: String, in cards: HTMLElement, of document: HTMLDocument) -> HTMLElement {
        let card = document.element("div", in: cards, attributes: ["class": "card"])
        document.element("h3", in: card, text: title)
        return card
    }

    /// A failed run: the steps from the top to the one that failed, with its error and input.
    private func failingPath(_ path: [Int], in cards: HTMLElement, of document: HTMLDocument) {
        let nodes = details.nodes
        let card = document.element("div", in: cards, attributes: ["class": "card failing"])
        document.element("h3", in: card, text: "Where it failed")
        let trail = document.element("ul", in: card, attributes: ["class": "trail"])
        for index in path {
            let node = nodes[index]
            let item = document.element("li", in: trail)
            document.element("a", in: item, attributes: ["href": link(to: node), "class": "mono"], text: Self.stepLabel(node))
            // A step above the failure may say COMPLETED: the path says why it is on it.
            let above = index != path.last && !Self.failedStatus(node.status)
            let meta = [node.type, node.status, above ? "a step under it failed" : nil].compactMap { $0 }.joined(separator: " · ")
            if !meta.isEmpty { document.element("span", in: item, attributes: ["class": "meta"], text: " " + meta) }
        }
        guard let failed = path.last.map({ nodes[$0] }) else { return }
        if let error = failed.error, !error.isEmpty {
            document.element("pre", in: card, attributes: ["class": "error"], text: Self.pretty(error))
        }
        if let input = failed.input, !input.isEmpty {
            let inputDetails = document.element("details", in: card)
            document.element("summary", in: inputDetails, text: "Its input")
            document.element("pre", in: inputDetails, attributes: ["class": "input"], text: Self.pretty(input))
        }
    }

    /// One row of a bar list: a label (a link to the step), a bar drawn as SVG (attributes, not
    /// styles, so any Content Security Policy draws it), and the figure.
    private func bar(label: String, note: String? = nil, value: String, fraction: Double, kind: String, link: String?,
                     in list: HTMLElement, of document: HTMLDocument) {
        let item = document.element("li", in: list, attributes: ["class": "bar-row \(kind)"])
        let name = document.element("span", in: item, attributes: ["class": "bar-label"])
        // Long step codes wrap at their underscores.
        if let link {
            document.text(label, in: document.element("a", in: name, attributes: ["href": link, "class": "mono"]), breakingAfter: ["_"])
        } else {
            document.text(label, in: name)
        }
        if let note, !note.isEmpty { document.element("span", in: name, attributes: ["class": "note"], text: " " + note) }
        let width = max(0.5, min(100, fraction * 100))
        let svg = document.element("svg", in: item, attributes: ["class": "bar-meter", "viewBox": "0 0 100 10", "preserveAspectRatio": "none",
                                                                  "aria-hidden": "true", "focusable": "false"])
        document.element("rect", in: svg, attributes: ["class": "track", "width": "100", "height": "10"])
        document.element("rect", in: svg, attributes: ["class": "fill", "width": String(format: "%.2f", width), "height": "10"])
        document.element("span", in: item, attributes: ["class": "bar-value num"], text: value)
    }

    /// The id of a step's panel: `step-22` for the step numbered 22 (its position + 1), so that a
    /// step named by its number is found by it.
    static func anchor(of node: NodeRecord) -> String {
        "step-\(node.position + 1)"
    }

    /// A link to a step's panel: following it picks the step.
    static func link(to node: NodeRecord) -> String {
        "#" + anchor(of: node)
    }

    /// The link to a step from this page: its anchor, or, when the page draws another window of
    /// steps, the page that holds it (`?steps=N`, the first step's number there) and its anchor.
    func link(to node: NodeRecord) -> String {
        guard let window = stepWindow, let page = pageSteps, !page.contains(node.position) else { return Self.link(to: node) }
        let holding = Self.page(holding: node.position, pageSize: stepPageSize ?? max(1, window.count), of: details.nodes.count)
        return "?steps=\(holding.lowerBound + 1)" + Self.link(to: node)
    }

    /// The critical path is listed step by step up to this many steps; past it, by its longest steps.
    static let pathStepLimit = 12

    /// `12 SUMMARISE`: the step's number in the step tree, since parallel branches repeat codes.
    static func stepLabel(_ node: NodeRecord) -> String {
        "\(node.position + 1) \(node.label)"
    }

    /// For a step of a nested run, the step that called that run ("in FETCH_PERIOD_STATUS"): two
    /// teams may have steps of one code, and a ranked list shows no tree to tell them apart.
    func nestedIn(_ index: Int) -> String? {
        RunInsights.ancestors(of: index, in: insights.tree).first { details.nodes[$0].nestedJobId != nil }
            .map { "in \(details.nodes[$0].label)" }
    }

    /// A ranked step's note: the step that called its run, then `extra` (its model).
    func note(of index: Int, _ extra: String? = nil) -> String? {
        let parts = [nestedIn(index), extra].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }

    static func percent(_ share: Double) -> String {
        share >= 0.095 ? String(format: "%.0f%%", share * 100) : share >= 0.001 ? String(format: "%.1f%%", share * 100) : "<0.1%"
    }

    static func failedStatus(_ status: String?) -> Bool {
        guard let status else { return false }
        return status.equalsIgnoringCase("ERROR") || status.equalsIgnoringCase("FAILED")
    }
}
