import Foundation
import Testing
import TracedeskDocuments

/// The team page's trend charts: a value per day as two lines, median and 95th percentile.
@Suite("Trend charts")
struct TrendChartTests {
    /// The dots of a percentile chart of `days`, by their titles.
    func dots(_ days: [TrendChart.Day]) -> [(title: String, x: Double, y: Double)] {
        let document = HTMLDocument()
        TrendChart(days: days).renderPercentiles(in: document.body, of: document, label: "Time per run") { "\($0) ms" }
        return document.elements { $0.name == "circle" }.map { circle in
            (circle.textContent, Double(circle.attribute("cx") ?? "") ?? .nan, Double(circle.attribute("cy") ?? "") ?? .nan)
        }
    }

    @Test("a day whose median and 95th percentile are equal shows both dots, side by side")
    func equalPercentilesStayVisible() {
        let shown = dots([TrendChart.Day(label: "Dec 4", median: 1_200, p95: 1_200)])
        #expect(shown.map(\.title) == ["Dec 4: median 1200 ms", "Dec 4: p95 1200 ms"])
        #expect(shown.count == 2 && shown[0].y == shown[1].y)
        #expect(shown.count == 2 && abs(shown[0].x - shown[1].x) >= 4, "one dot would hide the other: \(shown)")
    }

    @Test("days keep their order, and a day without values has no dot")
    func daysInOrder() {
        let shown = dots([TrendChart.Day(label: "Dec 2", median: 100, p95: 400), TrendChart.Day(label: "Dec 3"),
                          TrendChart.Day(label: "Dec 4", median: 300, p95: 900)])
        let medians = shown.filter { $0.title.contains("median") }
        #expect(medians.map(\.title) == ["Dec 2: median 100 ms", "Dec 4: median 300 ms"])
        #expect(medians.count == 2 && medians[0].x < medians[1].x && medians[0].y > medians[1].y, "later and higher")
    }
}
