import Foundation
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// `/teams` and `/teams/{team}`: each team and version status (DRAFT and PUBLISHED apart), and a
/// team's trends over the days: runs by status, error rate, median and 95th percentile of time and
/// tokens, and its slowest steps.
extension ServePages {
    func teamsPage() throws(TracedeskError) -> String {
        let teams = try store.teamSummaries()
        return try page(title: "Teams", heading: "Teams", subtitle: "Each team and version status with recorded runs, busiest first",
                        current: .teams) { document, main in
            guard !teams.isEmpty else {
                document.element("p", in: main, attributes: ["class": "note"], text: "No runs recorded yet.")
                return
            }
            let table = document.element("table", in: main, attributes: ["class": "grid teams"])
            let head = document.element("tr", in: document.element("thead", in: table))
            for (title, numeric) in [("Team", false), ("Version", false), ("Runs", true), ("Errors", true), ("Running or waiting", true), ("AI units", true), ("Last run", false)] {
                document.element("th", in: head, attributes: numeric ? ["class": "num", "scope": "col"] : ["scope": "col"], text: title)
            }
            let body = document.element("tbody", in: table)
            for team in teams {
                let row = document.element("tr", in: body)
                let cell = document.element("td", in: row)
                document.element("a", in: cell, attributes: ["href": Self.teamPath(team.team, team.versionStatus)], text: team.team)
                document.element("td", in: row, text: team.versionStatus ?? "-")
                document.element("td", in: row, attributes: ["class": "num"], text: TextFormat.count(Int64(team.runs)))
                document.element("td", in: row, attributes: ["class": "num"], text: TextFormat.count(Int64(team.errors)))
                document.element("td", in: row, attributes: ["class": "num"], text: TextFormat.count(Int64(team.going)))
                document.element("td", in: row, attributes: ["class": "num"], text: Self.aiUnits(team))
                document.element("td", in: row, text: team.lastRunAt.map(format.instant) ?? "-")
            }
        }
    }

    /// A team's AI units, saying over how many of its runs they are known.
    static func aiUnits(_ team: TeamSummary) -> String {
        if team.runsWithAIUnits == 0 { return "-" }
        let units = TextFormat.count(team.aiUnits)
        return team.runsWithAIUnits == team.runs ? units : "\(units) (\(TextFormat.count(Int64(team.runsWithAIUnits))) of \(TextFormat.count(Int64(team.runs))) runs)"
    }

    static func runs(_ count: Int) -> String { "\(TextFormat.count(Int64(count))) run\(count == 1 ? "" : "s")" }

    static func teamPath(_ team: String, _ version: String?) -> String {
        "/teams/\(segment(team))" + (version.map { "?version=\(segment($0))" } ?? "?version=none")
    }

    /// The version status named by `?version=`: DRAFT, PUBLISHED, or `none` for runs whose bodies did not say.
    static func versionParameter(_ text: String?) throws(BadParameter) -> String? {
        switch text?.uppercased() {
        case nil, "", "PUBLISHED": return "PUBLISHED"
        case "DRAFT": return "DRAFT"
        case "NONE": return nil
        case let other?: throw BadParameter(name: "version", reason: "takes DRAFT, PUBLISHED or none, not '\(other)'")
        }
    }

    func teamPage(_ team: String, version: String?, days: Int) throws(TracedeskError) -> String {
        let now = Date().epochMilliseconds
        let since = now - Int64(days) * 86_400_000
        let recorded = try store.teamDays(team: team, versionStatus: version, since: since)
        // Every day from the first run in the window to today, so that quiet days show as such.
        var byDay: [TeamDay] = []
        if let first = recorded.first?.day {
            let byStart = Dictionary(recorded.map { ($0.day, $0) }, uniquingKeysWith: { first, _ in first })
            var day = first
            while day <= now {
                byDay.append(byStart[day] ?? TeamDay(day: day, counts: [:], durations: [], tokens: []))
                day += 86_400_000
            }
        }
        let steps = try store.slowestSteps(team: team, versionStatus: version)
        let summaries = try store.teamSummaries().filter { $0.team == team }
        guard !summaries.isEmpty else { throw TracedeskError.badInput("no runs of team \(team) in the history") }
        let label = { (day: TeamDay) in String(format.instant(day.day).prefix(10).dropFirst(5)) }
        return try page(title: team, eyebrow: "Team", heading: team,
                        subtitle: "\(version ?? "version status unknown") · the last \(days) days · \(Self.runs(byDay.map(\.runs).reduce(0, +)))",
                        current: .teams) { document, main in
            let versions = document.element("p", in: main, attributes: ["class": "counts"])
            for summary in summaries {
                let link = document.element("a", in: versions, attributes: ["href": Self.teamPath(team, summary.versionStatus)],
                                            text: "\(summary.versionStatus ?? "unknown"): \(Self.runs(summary.runs))")
                if summary.versionStatus == version { link.setAttribute("aria-current", "page") }
            }
            let runsLink = document.element("p", in: main)
            var items = [URLQueryItem(name: "team", value: team)]
            if let version { items.append(URLQueryItem(name: "version", value: version)) }
            var components = URLComponents()
            components.queryItems = items
            document.element("a", in: runsLink, attributes: ["href": "/?" + (components.percentEncodedQuery ?? "")], text: "This team's runs")
            guard !byDay.isEmpty else {
                document.element("p", in: main, attributes: ["class": "note"], text: "No runs in the last \(days) days.")
                return
            }
            let counts = TrendChart(days: byDay.map { TrendChart.Day(label: label($0), counts: $0.counts) })
            document.element("h2", in: main, text: "Runs per day")
            counts.renderCounts(in: main, of: document, label: "Runs per day by status, \(team) \(version ?? "")")
            document.element("h2", in: main, text: "Error rate")
            let rates = document.element("p", in: main)
            let total = byDay.map(\.runs).reduce(0, +), errors = byDay.map { $0.counts["ERROR", default: 0] }.reduce(0, +)
            document.text("\(TextFormat.count(Int64(errors))) of \(TextFormat.count(Int64(total))) runs ended in ERROR "
                          + "(\(total == 0 ? 0 : Int((Double(errors) * 100 / Double(total)).rounded()))%); per day: "
                          + byDay.map { "\(label($0)) \(Int(($0.errorRate * 100).rounded()))%" }.joined(separator: ", "), in: rates)
            document.element("h2", in: main, text: "Time taken")
            TrendChart(days: byDay.map { day in
                TrendChart.Day(label: label(day), median: day.durations.isEmpty ? nil : HistoryStore.percentile(day.durations, 0.5),
                               p95: day.durations.isEmpty ? nil : HistoryStore.percentile(day.durations, 0.95))
            }).renderPercentiles(in: main, of: document, label: "Median and 95th percentile of the time taken per day",
                                 format: { TextFormat.duration($0) })
            document.element("h2", in: main, text: "Tokens")
            TrendChart(days: byDay.map { day in
                TrendChart.Day(label: label(day), median: day.tokens.isEmpty ? nil : HistoryStore.percentile(day.tokens, 0.5),
                               p95: day.tokens.isEmpty ? nil : HistoryStore.percentile(day.tokens, 0.95))
            }).renderPercentiles(in: main, of: document, label: "Median and 95th percentile of tokens per run, per day",
                                 format: { TextFormat.count($0) })
            document.element("h2", in: main, text: "Slowest steps")
            guard !steps.isEmpty else {
                document.element("p", in: main, attributes: ["class": "note"], text: "The runs carry no step times.")
                return
            }
            let table = document.element("table", in: main, attributes: ["class": "grid steps"])
            let head = document.element("tr", in: document.element("thead", in: table))
            for (title, numeric) in [("Step", false), ("Type", false), ("Runs", true), ("Failed", true), ("Median", true), ("95th percentile", true)] {
                document.element("th", in: head, attributes: numeric ? ["class": "num", "scope": "col"] : ["scope": "col"], text: title)
            }
            let body = document.element("tbody", in: table)
            for step in steps {
                let row = document.element("tr", in: body)
                document.element("td", in: row, attributes: ["class": "mono"], text: step.code)
                document.element("td", in: row, text: step.type ?? "-")
                document.element("td", in: row, attributes: ["class": "num"], text: TextFormat.count(Int64(step.runs)))
                document.element("td", in: row, attributes: ["class": "num"], text: TextFormat.count(Int64(step.failures)))
                document.element("td", in: row, attributes: ["class": "num"], text: TextFormat.duration(step.medianMs))
                document.element("td", in: row, attributes: ["class": "num"], text: TextFormat.duration(step.p95Ms))
            }
        }
    }
}
