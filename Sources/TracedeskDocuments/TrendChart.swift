import Foundation
import TracedeskModel

/// A team's trends as inline SVG, built as elements like the report's timeline: runs per day
/// stacked by status, and a value per day (its median and 95th percentile) as two lines.
///
/// Days are columns, oldest on the left. Every mark has a `<title>` (its figures, as a tooltip and
/// for screen readers), and the chart's `aria-label` says what it shows.
public struct TrendChart {
    /// One day: its label (`03-12`) and what is drawn for it.
    public struct Day {
        public var label: String
        /// Runs by status, for the stacked bars.
        public var counts: [String: Int]
        /// The median and 95th percentile of the day's values (ms or tokens), for the lines.
        public var median: Int64?
        public var p95: Int64?

        public init(label: String, counts: [String: Int] = [:], median: Int64? = nil, p95: Int64? = nil) {
            self.label = label
            self.counts = counts
            self.median = median
            self.p95 = p95
        }
    }

    public static let statuses = ["COMPLETE", "ERROR", "WAITING", "RUNNING"]
    static let width = 960.0
    static let height = 180.0
    static let left = 56.0
    static let bottom = 22.0
    static let top = 10.0

    public let days: [Day]

    public init(days: [Day]) {
        self.days = days
    }

    /// Stacked bars of runs per day by status.
    public func renderCounts(in parent: HTMLElement, of document: HTMLDocument, label: String) {
        let totals = days.map { $0.counts.values.reduce(0, +) }
        // A multiple of 3, so that the three gridlines fall on whole numbers of runs.
        let maximum = max(((totals.max() ?? 0) + 2) / 3 * 3, 3)
        let svg = frame(in: parent, of: document, label: label, maximum: Double(maximum), format: { TextFormat.count(Int64($0)) })
        let slot = plotWidth / Double(max(days.count, 1))
        for (index, day) in days.enumerated() {
            var base = 0.0
            let known = Self.statuses.map { ($0, day.counts[$0, default: 0]) }
            let other = day.counts.filter { !Self.statuses.contains($0.key) }.values.reduce(0, +)
            for (status, count) in known + [("other", other)] where count > 0 {
                let height = plotHeight * Double(count) / Double(maximum)
                let bar = document.element("rect", in: svg, attributes: [
                    "class": "bar \(status)", "x": Self.format(Self.left + Double(index) * slot + (slot - barWidth(slot)) / 2),
                    "y": Self.format(Self.top + plotHeight - base - height), "width": Self.format(barWidth(slot)),
                    "height": Self.format(height),
                ])
                document.element("title", in: bar, text: "\(day.label): \(TextFormat.count(Int64(count))) \(status)")
                base += height
            }
        }
        axisLabels(in: svg, of: document, slot: slot)
        legend(in: parent, of: document, items: Self.statuses.map { ($0, $0.lowercased()) })
    }

    /// The median and 95th percentile per day, as two lines with a dot per day.
    public func renderPercentiles(in parent: HTMLElement, of document: HTMLDocument, label: String, format: @escaping (Int64) -> String) {
        let values = days.flatMap { [$0.median, $0.p95] }.compactMap { $0 }
        let maximum = max(Double(values.max() ?? 0), 1)
        let svg = frame(in: parent, of: document, label: label, maximum: maximum, format: { format(Int64($0)) })
        let slot = plotWidth / Double(max(days.count, 1))
        // The median a little left of the day's middle and the 95th percentile a little right: on a
        // day of one run (or of runs alike) the two are equal, and one dot would hide the other.
        let apart = min(4, slot / 6)
        for (name, pick) in [("median", { (day: Day) in day.median }), ("p95", { (day: Day) in day.p95 })] {
            var points: [String] = []
            for (index, day) in days.enumerated() {
                guard let value = pick(day) else { continue }
                let x = Self.left + Double(index) * slot + slot / 2 + (name == "median" ? -apart : apart)
                let y = Self.top + plotHeight - plotHeight * Double(value) / maximum
                points.append("\(Self.format(x)),\(Self.format(y))")
                let dot = document.element("circle", in: svg, attributes: [
                    "class": "bar \(name == "median" ? "RUNNING" : "WAITING")", "cx": Self.format(x), "cy": Self.format(y), "r": "3",
                ])
                document.element("title", in: dot, text: "\(day.label): \(name) \(format(value))")
            }
            if points.count > 1 {
                document.element("polyline", in: svg, attributes: ["class": "line \(name)", "points": points.joined(separator: " ")])
            }
        }
        axisLabels(in: svg, of: document, slot: slot)
        legend(in: parent, of: document, items: [("median", "median"), ("p95", "95th percentile")])
    }

    var plotWidth: Double { Self.width - Self.left - 10 }

    /// A bar's width in a day's slot: most of it, but never a wall.
    func barWidth(_ slot: Double) -> Double { max(min(slot * 0.7, 36), 1) }
    var plotHeight: Double { Self.height - Self.top - Self.bottom }

    private func frame(in parent: HTMLElement, of document: HTMLDocument, label: String, maximum: Double,
                       format: (Double) -> String) -> HTMLElement {
        let svg = document.element("svg", in: parent, attributes: [
            "class": "chart", "viewBox": "0 0 \(Int(Self.width)) \(Int(Self.height))", "role": "group", "aria-label": label,
        ])
        for step in 0...3 {
            let value = maximum * Double(step) / 3
            let y = Self.format(Self.top + plotHeight - plotHeight * Double(step) / 3)
            document.element("line", in: svg, attributes: ["class": "gridline", "x1": Self.format(Self.left), "x2": Self.format(Self.width - 10),
                                                           "y1": y, "y2": y])
            document.element("text", in: svg, attributes: ["class": "axis", "x": Self.format(Self.left - 6), "y": y,
                                                           "text-anchor": "end", "dominant-baseline": "middle"], text: format(value))
        }
        return svg
    }

    private func axisLabels(in svg: HTMLElement, of document: HTMLDocument, slot: Double) {
        // At most about twelve day labels, evenly spaced.
        let every = max(1, Int((Double(days.count) / 12).rounded(.up)))
        for (index, day) in days.enumerated() where index % every == 0 {
            document.element("text", in: svg, attributes: [
                "class": "label", "x": Self.format(Self.left + Double(index) * slot + slot / 2), "y": Self.format(Self.height - 6),
                "text-anchor": "middle",
            ], text: day.label)
        }
    }

    private func legend(in parent: HTMLElement, of document: HTMLDocument, items: [(String, String)]) {
        let legend = document.element("p", in: parent, attributes: ["class": "legend"])
        for (swatch, label) in items {
            let item = document.element("span", in: legend)
            document.element("span", in: item, attributes: ["class": "swatch \(swatch)"])
            document.text(label, in: item)
        }
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
