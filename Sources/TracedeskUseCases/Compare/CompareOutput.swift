import Foundation
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// The verdict table of `compare` and the report files of `compare`, `diff` and the demo.
public enum CompareOutput {
    /// The comparison as a table of prompts, then the verdict and its reasons.
    public static func table(_ comparison: Comparison) -> String {
        // AI units are a column once a side of a prompt has them (the pod's rates were known).
        let units = comparison.prompts.contains { $0.a.medianAIUnits != nil || $0.b.medianAIUnits != nil }
        var table = TextTable(columns: [
            .init("PROMPT"), .init("VERDICT"), .init("TIME A → B (median)"), .init("TOKENS A → B (median)"),
        ] + (units ? [.init("AI UNITS A → B")] : []) + [.init("EXPECT B vs A"), .init("STEPS +/−/~")])
        for prompt in comparison.prompts {
            table.add([TextFormat.snippet(prompt.name, width: 32), prompt.verdict.rawValue, prompt.timeCell, prompt.tokenCell]
                      + (units ? [prompt.aiUnitCell] : []) + [prompt.expectationCell, prompt.stepCell])
        }
        var lines = ["Comparison\(comparison.id.map { " #\($0)" } ?? "") of \(comparison.team)\(comparison.suite.map { ", suite \"\($0)\"" } ?? ""): "
                     + "A \(comparison.label(baseline: true)) against B \(comparison.label(baseline: false)), \(comparison.repeats) repeat\(comparison.repeats == 1 ? "" : "s")", ""]
        lines += table.lines()
        lines.append("")
        let regressions = comparison.regressions
        lines.append("Verdict: \(comparison.verdict.rawValue)" + (regressions > 0 ? " (\(regressions) of \(comparison.prompts.count) prompts)" : ""))
        for prompt in comparison.prompts {
            for reason in prompt.reasons { lines.append("  \(prompt.name): \(reason)") }
            for note in prompt.notes { lines.append("  \(prompt.name): note: \(note)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Where a comparison report went: its file, and the folder of its runs' reports beside it
    /// (none when they are inside the file, or there were no runs).
    public struct Written: Sendable {
        public var path: String
        public var runsFolder: String?

        /// `report written to PATH (each run's own report in FOLDER/)`, for the terminal.
        public var note: String {
            "report written to \(path)" + (runsFolder.map { " (each run's own report in \($0)/, beside it: keep the two together)" } ?? "")
        }
    }

    /// Writes the comparison report to `path` (in a folder: `compare-TEAM.html` in it) and every
    /// run's own report into `PATH-runs/`, linked; `selfContained`, every run's report inside the
    /// one file instead. With `redactor`, the comparison and every run's report are redacted by
    /// it, so the pseudonyms of the two sides and of the runs agree.
    @discardableResult
    public static func write(_ comparison: Comparison, to path: String, store: HistoryStore, templates: ReportTemplates,
                             twoRuns: Bool = false, selfContained: Bool = false, redactor: Redactor? = nil) throws(TracedeskError) -> Written {
        let comparison = try redactor.map { redactor throws(TracedeskError) in try comparison.redacted(by: redactor, store: store) } ?? comparison
        let url = try ReportFile.location(path, defaultName: "compare-\(ReportFile.fileNamePart(String(comparison.team.prefix(100)))).html")
        if selfContained {
            var embedded: [String: String] = [:]
            for jobId in comparison.prompts.flatMap({ $0.a.runs + $0.b.runs }).compactMap(\.jobId) where embedded[jobId] == nil {
                var report = try RunReport(of: try store.run(jobId), from: store)
                if let redactor { report = report.redacted(by: redactor) }
                embedded[jobId] = try report.html(templates: templates)
            }
            let html = try ComparisonReport(comparison: comparison, twoRuns: twoRuns, embeddedRunReports: embedded).html(templates: templates)
            return Written(path: try ReportFile.write(html, to: url.path))
        }
        let folderName = url.deletingPathExtension().lastPathComponent + "-runs"
        let folder = url.deletingLastPathComponent().appendingPathComponent(folderName)
        var links: [String: String] = [:]
        let jobIds = comparison.prompts.flatMap { $0.a.runs + $0.b.runs }.compactMap(\.jobId)
        if !jobIds.isEmpty {
            try ReportFile.createPrivateFolder(folder)
            for jobId in jobIds {
                let run = try store.run(jobId)
                let name = RunReport.defaultFileName(for: run)
                try ReportFile.writeRunReport(of: run, from: store, to: folder.appendingPathComponent(name).path, templates: templates,
                                              redactor: redactor)
                links[jobId] = "\(folderName)/\(name)"
            }
        }
        let html = try ComparisonReport(comparison: comparison, runReportLinks: links, twoRuns: twoRuns).html(templates: templates)
        return Written(path: try ReportFile.write(html, to: url.path), runsFolder: jobIds.isEmpty ? nil : folder.standardizedFileURL.path)
    }
}
