import Foundation
import TracedeskModel
import TracedeskHistory

/// The waterfall of a run's steps as inline SVG: one row per step, indented by nesting, a bar from
/// its start to its end, and the time spent waiting for a person or a timer shaded.
///
/// Rows are capped (`maximumRows`): a larger run shows its outer levels only, and says so; the step
/// table lists every step.
struct TimelineChart {
    /// One row of the chart.
    struct Row {
        var node: NodeRecord
        /// Start and end in ms from the run's start; `nil` when the step carries no times.
        var start: Int64?
        var end: Int64?
        /// True while the step had not ended when the run was last seen.
        var open: Bool
        /// A step under this one failed, though this one says it completed.
        var failureBelow: String?
    }

    static let maximumRows = 400
    static let width = 1000.0
    static let labelWidth = 290.0
    static let rowHeight = 20.0
    static let axisHeight = 26.0

    let rows: [Row]
    let hiddenCount: Int
    let deepestShown: Int?
    /// The run's span in ms (at least 1).
    let span: Int64
    /// Intervals (ms from the start) in which the run waited.
    let waiting: [(start: Int64, end: Int64)]

    init(_ details: RunDetails) {
        let run = details.run
        let nodes = details.nodes
        let starts = nodes.compactMap(\.startedAt)
        let origin = run.startedAt ?? starts.min() ?? 0
        let lastNodeInstant = nodes.compactMap { $0.endedAt ?? $0.startedAt }.max()
        // A step still open is drawn to the last instant the run was seen (and marked open), so
        // the chart reaches that far too.
        let end = max(run.endedAt ?? 0, lastNodeInstant ?? 0, run.timeTakenMs.map { origin + $0 } ?? 0,
                      details.lastObservedAt ?? 0, origin + 1)
        span = end - origin

        // The START and END of a nested run mark its ends, as the step tree says, without a row
        // of their own; the run's own START and END stay, at the ends of the chart.
        let candidates = nodes.filter { !(RunInsights.isBookend($0) && $0.depth > 0) }
        var shown = candidates
        var deepest: Int?
        if candidates.count > Self.maximumRows {
            let maximumDepth = candidates.map(\.depth).max() ?? 0
            var limit = 0
            for depth in 0...maximumDepth where candidates.count(where: { $0.depth <= depth }) <= Self.maximumRows {
                limit = depth
            }
            shown = Array(candidates.filter { $0.depth <= limit }.prefix(Self.maximumRows))
            deepest = limit
        }
        deepestShown = deepest
        hiddenCount = candidates.count - shown.count
        let tree = NodeTree(shown)
        rows = shown.enumerated().map { index, node in
            let start = node.startedAt.map { $0 - origin }
            let endOffset = node.endedAt.map { $0 - origin } ?? node.durationMs.flatMap { duration in start.map { $0 + duration } }
            let open = start != nil && endOffset == nil
            let seen = details.openDuration(of: node).flatMap { duration in start.map { $0 + duration } }
            return Row(node: node, start: start, end: endOffset ?? (open ? seen ?? end - origin : nil), open: open,
                       failureBelow: tree.failureBelow[index].map { shown[$0].label })
        }
        // A wait with no end is shaded to the last instant the run was seen; when nothing was
        // seen after it began (an imported body), it is a mark at its start: its length is unknown.
        waiting = nodes.compactMap { node in
            guard Self.waits(node), let start = node.startedAt else { return nil }
            let stop = node.endedAt ?? details.openDuration(of: node).map { start + $0 } ?? start
            return stop >= start ? (start - origin, stop - origin) : nil
        }
    }

    /// Whether a step is time spent waiting for a person or a timer.
    static func waits(_ node: NodeRecord) -> Bool {
        node.status?.uppercased() == "WAITING" || ["HUMAN", "WAIT"].contains(node.type?.uppercased() ?? "")
    }

    /// Appends the chart (and its legend and any note on hidden rows) to `parent`.
    /// Draws the chart; each bar links to its step with `link` (the report's: another page's step goes there).
    func render(in parent: HTMLElement, of document: HTMLDocument, link stepLink: (NodeRecord) -> String = RunReport.link(to:)) {
        guard !rows.isEmpty else {
            document.element("p", in: parent, attributes: ["class": "note"], text: "No steps recorded (an END_USER run, or not started).")
            return
        }
        let plotWidth = Self.width - Self.labelWidth - 70
        let height = Self.axisHeight + Double(rows.count) * Self.rowHeight + 6
        func x(_ offset: Int64) -> Double { Self.labelWidth + plotWidth * Double(offset) / Double(span) }
        let svg = document.element("svg", in: parent, attributes: [
            "viewBox": "0 0 \(Int(Self.width)) \(Int(height.rounded(.up)))", "role": "group",
            "aria-label": "Timeline of \(rows.count) steps over \(TextFormat.duration(span))",
        ])
        for tick in 0...4 {
            let offset = span * Int64(tick) / 4
            let tickX = Self.format(x(offset))
            document.element("line", in: svg, attributes: [
                "class": "gridline", "x1": tickX, "x2": tickX, "y1": "18", "y2": Self.format(height),
            ])
            document.element("text", in: svg, attributes: [
                "class": "axis", "x": tickX, "y": "13", "text-anchor": tick == 0 ? "start" : tick == 4 ? "end" : "middle",
            ], text: TextFormat.duration(offset))
        }
        for interval in waiting {
            let shade = document.element("rect", in: svg, attributes: [
                "class": "waiting", "x": Self.format(x(interval.start)), "y": Self.format(Self.axisHeight - 4),
                "width": Self.format(max(x(interval.end) - x(interval.start), 3)), "height": Self.format(height - Self.axisHeight + 4),
            ])
            document.element("title", in: shade, text: interval.end > interval.start
                             ? "waiting \(TextFormat.duration(interval.end - interval.start))"
                             : "waiting from +\(TextFormat.duration(interval.start)); for how long, the bodies do not say")
        }
        for (index, row) in rows.enumerated() {
            let top = Self.axisHeight + Double(index) * Self.rowHeight
            let link = document.element("a", in: svg, attributes: ["href": stepLink(row.node)])
            let indent = 6 + Double(min(row.node.depth, 12)) * 12
            let room = Int((Self.labelWidth - indent - 10) / 7.4)
            document.element("text", in: link, attributes: [
                "class": "label", "x": Self.format(indent), "y": Self.format(top + 14),
            ], text: Self.truncated(row.node.label, to: room))
            guard let start = row.start, let end = row.end else { continue }
            let barX = x(start)
            let barWidth = max(x(end) - barX, 2)
            let status = RunReport.statusClass(row.open ? "RUNNING" : row.node.status)
            let marks = (row.open ? " open" : "") + (row.failureBelow != nil ? " failed-below" : "")
            let bar = document.element("rect", in: link, attributes: [
                "class": "bar \(status)\(marks)", "x": Self.format(barX), "y": Self.format(top + 4),
                "width": Self.format(barWidth), "height": Self.format(Self.rowHeight - 8), "rx": "2",
            ])
            // An SVG <title> is the bar's tooltip.
            let length = (row.open ? "≥ " : "") + TextFormat.duration(end - start)
            document.element("title", in: bar, text: "\(row.node.label) (\(row.node.type ?? "step")): \(row.node.status ?? "?"), "
                             + "starts at +\(TextFormat.duration(start)), "
                             + (row.open ? "still going after \(TextFormat.duration(end - start)) when last seen" : "takes \(length)")
                             + (row.failureBelow.map { "; \($0) failed under it" } ?? ""))
            document.element("text", in: link, attributes: [
                "class": "axis", "x": Self.format(barX + barWidth + 4), "y": Self.format(top + 14),
            ], text: row.open ? length + " …" : length)
        }
        let legend = document.element("p", in: parent, attributes: ["class": "legend"])
        for (status, label) in [("COMPLETE", "complete"), ("ERROR", "error"), ("RUNNING", "running"), ("WAITING", "waiting")] {
            let item = document.element("span", in: legend)
            document.element("span", in: item, attributes: ["class": "swatch \(status)"])
            document.text(label, in: item)
        }
        if rows.contains(where: { $0.failureBelow != nil }) {
            let item = document.element("span", in: legend)
            document.element("span", in: item, attributes: ["class": "swatch failed-below"])
            document.text("a step under it failed", in: item)
        }
        if rows.contains(where: \.open) {
            let item = document.element("span", in: legend)
            document.element("span", in: item, attributes: ["class": "swatch open"])
            document.text("still going when last seen", in: item)
        }
        if !waiting.isEmpty {
            let item = document.element("span", in: legend)
            document.element("span", in: item, attributes: ["class": "swatch shade"])
            document.text("time spent waiting", in: item)
        }
        if hiddenCount > 0 {
            document.element("p", in: parent, attributes: ["class": "note"],
                             text: Self.hiddenNote(shown: rows.count, deepest: deepestShown ?? 0, hidden: hiddenCount))
        }
    }

    /// What a chart of a large run leaves out, in words.
    static func hiddenNote(shown: Int, deepest: Int, hidden: Int) -> String {
        let hiddenSteps = "\(TextFormat.count(Int64(hidden))) step\(hidden == 1 ? "" : "s")"
        let are = hidden == 1 ? "is" : "are"
        if deepest == 0 {
            return "Showing the \(TextFormat.count(Int64(shown))) top-level steps only; the \(hiddenSteps) inside them \(are) in the step tree below."
        }
        return "Showing the \(TextFormat.count(Int64(shown))) steps down to \(deepest) level\(deepest == 1 ? "" : "s") below the top; "
            + "the \(hiddenSteps) nested deeper \(are) in the step tree below."
    }

    static func truncated(_ text: String, to length: Int) -> String {
        text.count <= length ? text : String(text.prefix(max(length - 1, 1))) + "…"
    }

    static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
