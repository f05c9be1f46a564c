import Foundation
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// The pages that are reports with the site's bar above them: a run, two runs diffed, a
/// recorded comparison. The report is the one `tracedesk report` writes, built the same way.
extension ServePages {
    /// `/runs/{jobId}`: the run's report, with its caller, its nested runs, the team's previous and
    /// next runs, a "diff with" form, and the report to download. A run still going follows the history.
    ///
    /// A run of more than `stepsPerPage` steps is drawn a page of steps at a time: `firstStep`
    /// (1-based, `?steps=N`) picks the page that holds it; its bodies are left to the download.
    func runPage(_ reference: String, firstStep: Int? = nil) throws(TracedeskError) -> String {
        let (recorded, caller) = try store.resolve(reference)
        let paged = recorded.nodeCount > settings.stepsPerPage
        var report = try RunReport(of: recorded, from: store, embeddingBodies: !paged)
        if let redactor = settings.redactor { report = report.redacted(by: redactor) }
        if paged {
            report.stepPageSize = settings.stepsPerPage
            report.stepWindow = RunReport.page(holding: (firstStep ?? 1) - 1, pageSize: settings.stepsPerPage, of: report.details.nodes.count)
        }
        let run = report.details.run
        let nested = report.details.nodes.compactMap { node in node.nestedJobId.map { (node.label, $0, node.nestedStatus) } }
        let neighbours = run.source == .nested ? (older: nil, newer: nil) : try store.neighbours(of: run)
        let team = run.teamCode ?? run.workflowCode
        var recent: [RunRecord] = []
        if let team { recent = try shown(try store.runs(matching: RunQuery(team: team, limit: 25)).filter { $0.jobId != run.jobId }) }
        // Runs asked the same prompt first: a diff of two different questions says little.
        let samePrompt = recent.filter { $0.message == run.message }
        recent = samePrompt + recent.filter { $0.message != run.message }
        let live = run.status.isTerminal ? nil : "run:\(run.jobId)"
        let chrome = chrome(current: .runs, live: live) { document, bar in
            if let caller {
                document.element("a", in: bar, attributes: ["href": "/runs/\(Self.segment(caller.jobId))", "rel": "up"],
                                 text: "Called by \(caller.jobId.prefix(8)) (\(caller.teamCode ?? "?"), step \(caller.step))")
            }
            if !nested.isEmpty {
                // The runs this one called, on a line of their own, labelled.
                let line = document.element("span", in: bar, attributes: ["class": "nested-runs"])
                document.text("Runs it called: ", in: line)
                for (number, (step, jobId, status)) in nested.enumerated() {
                    if number > 0 { document.text(" · ", in: line) }
                    document.element("a", in: line, attributes: ["href": "/runs/\(Self.segment(jobId))", "class": "nested-run"],
                                     text: "\(step) → \(jobId.prefix(8))\(status.map { " \($0)" } ?? "")")
                }
            }
            if let older = neighbours.older {
                document.element("a", in: bar, attributes: ["href": "/runs/\(Self.segment(older.jobId))", "rel": "prev"],
                                 text: "Older run of \(team ?? "the team")")
            }
            if let newer = neighbours.newer {
                document.element("a", in: bar, attributes: ["href": "/runs/\(Self.segment(newer.jobId))", "rel": "next"],
                                 text: "Newer run of \(team ?? "the team")")
            }
            document.element("a", in: bar, attributes: ["href": "/runs/\(Self.segment(run.jobId))/report.html", "download": "",
                                                        "class": "download"], text: "Download the report")
            if !recent.isEmpty {
                let form = document.element("form", in: bar, attributes: ["method": "get", "action": "/diff", "class": "diff-with"])
                document.element("input", in: form, attributes: ["type": "hidden", "name": "a", "value": run.jobId])
                let label = document.element("label", in: form)
                document.text("Diff with ", in: label)
                let select = document.element("select", in: label, attributes: ["name": "b"])
                for other in recent {
                    let prompt = other.message == run.message ? "same prompt" : "other prompt: " + TextFormat.snippet(other.message ?? "", width: 40)
                    document.element("option", in: select, attributes: ["value": other.jobId],
                                     text: "\(other.jobId.prefix(8)) \(other.status) \(other.versionStatus ?? "") \(other.startedAt.map(format.instant) ?? "") · \(prompt)")
                }
                document.element("button", in: form, attributes: ["type": "submit"], text: "Diff")
            }
        }
        return try report.html(templates: settings.templates, chrome: chrome)
    }

    /// `/runs/{jobId}/report.html`: the file `tracedesk report` writes, as a download.
    func runReportFile(_ reference: String) throws(TracedeskError) -> (name: String, html: String) {
        let run = try store.run(reference)
        var report = try RunReport(of: run, from: store)
        if let redactor = settings.redactor { report = report.redacted(by: redactor) }
        return (RunReport.defaultFileName(for: run), try report.html(templates: settings.templates))
    }

    /// `/diff/{a}/{b}`: what `tracedesk diff A B -o` writes.
    func diffPage(_ a: String, _ b: String) throws(TracedeskError) -> String {
        let now = Date().epochMilliseconds
        let first = try shown(try store.details(of: store.run(a), now: now)), second = try shown(try store.details(of: store.run(b), now: now))
        let comparison = Comparison.of(first, second)
        // Keyed by pod data: a run diffed with itself gives one key twice, which a literal would trap on.
        let links = Dictionary([first.run, second.run].map { ($0.jobId, "/runs/\(Self.segment($0.jobId))") },
                               uniquingKeysWith: { earlier, _ in earlier })
        let chrome = chrome(current: .runs) { document, bar in
            document.element("a", in: bar, attributes: ["href": "/diff/\(Self.segment(second.run.jobId))/\(Self.segment(first.run.jobId))"],
                             text: "Swap A and B")
        }
        return try ComparisonReport(comparison: comparison, runReportLinks: links, twoRuns: true).html(templates: settings.templates, chrome: chrome)
    }

    /// `/comparisons/{id}`: a recorded comparison's report, its runs linked to their pages.
    func comparisonPage(_ id: Int64) throws(TracedeskError) -> String {
        let (record, json) = try store.comparison(id)
        guard let json, var comparison = Comparison.stored(json) else {
            throw TracedeskError.badInput("comparison #\(id) has no result: it \(record.verdict == "failed" ? "failed before any verdict" : "did not finish")")
        }
        if let redactor = settings.redactor { comparison = try comparison.redacted(by: redactor, store: store) }
        let runs = try store.comparisonRuns(id)
        let links = Dictionary(runs.map { ($0.jobId, "/runs/\(Self.segment($0.jobId))") }, uniquingKeysWith: { first, _ in first })
        let chrome = chrome(current: .comparisons)
        return try ComparisonReport(comparison: comparison, runReportLinks: links).html(templates: settings.templates, chrome: chrome)
    }

    /// `/comparisons`: every recorded comparison, newest first.
    func comparisonsPage() throws(TracedeskError) -> String {
        let comparisons = try store.comparisons()
        return try page(title: "Comparisons", heading: "Comparisons",
                        subtitle: "DRAFT against PUBLISHED (or any two versions) on the same prompts, as tracedesk compare recorded them",
                        current: .comparisons) { document, main in
            guard !comparisons.isEmpty else {
                document.element("p", in: main, attributes: ["class": "note"], text: "No comparison recorded yet: tracedesk compare TEAM records one.")
                return
            }
            let table = document.element("table", in: main, attributes: ["class": "grid comparisons"])
            let head = document.element("tr", in: document.element("thead", in: table))
            for title in ["#", "Team", "A", "B", "Suite", "Prompts × repeats", "Runs", "Verdict", "When"] {
                document.element("th", in: head, attributes: ["scope": "col"], text: title)
            }
            let body = document.element("tbody", in: table)
            for comparison in comparisons {
                let row = document.element("tr", in: body)
                let cell = document.element("td", in: row)
                document.element("a", in: cell, attributes: ["href": "/comparisons/\(comparison.id)"], text: "#\(comparison.id)")
                document.element("td", in: row, text: comparison.team)
                document.element("td", in: row, text: Comparison.label(spec: comparison.baseline, versions: comparison.baselineVersions))
                document.element("td", in: row, text: Comparison.label(spec: comparison.candidate, versions: comparison.candidateVersions))
                document.element("td", in: row, text: comparison.suite.map { settings.redactor?.redact($0) ?? $0 } ?? "-")
                document.element("td", in: row, text: "\(comparison.promptCount) × \(comparison.repeats)")
                document.element("td", in: row, attributes: ["class": "num"], text: String(comparison.runs))
                let verdict = document.element("td", in: row)
                document.element("span", in: verdict, attributes: ["class": "badge verdict-\(comparison.verdict ?? "none")"],
                                 text: comparison.verdict ?? "unfinished")
                document.element("td", in: row, text: format.instant(comparison.createdAt))
            }
        }
    }
}
