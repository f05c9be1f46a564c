import Foundation
import TracedeskCompare
import TracedeskDocuments
import TracedeskModel

/// `tracedesk demo`: the whole flow on the embedded simulator, for a newcomer.
public struct RunDemo: Sendable {
    public var history: HistoryLocation
    /// The folder for the reports (created if missing).
    public var outputFolder: String
    public var scenarios: String?
    public var speed: Double
    public var templatesFolder: String?

    public init(history: HistoryLocation, outputFolder: String, scenarios: String?, speed: Double, templatesFolder: String?) {
        self.history = history
        self.outputFolder = outputFolder
        self.scenarios = scenarios
        self.speed = speed
        self.templatesFolder = templatesFolder
    }

    public func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let templates = try ReportTemplates.load(folder: templatesFolder.map(context.absolutePath))
        let folder = URL(fileURLWithPath: context.absolutePath(outputFolder))
        try ReportFile.createPrivateFolder(folder)
        let store = try history.openForWriting(in: context)
        let tour = DemoTour(store: store, outputFolder: folder, scenarios: try ScenarioSource(scenarios, in: context),
                            templates: templates, speed: speed, context: context)
        let (visits, comparison) = try await tour.run()

        var lines = ["", "Reports (open them in a browser; each is one file that works offline):"]
        for visit in visits {
            lines.append("  \(visit.run.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(visit.reportPath)")
        }
        let job = visits.first.map { String($0.run.jobId.prefix(8)) } ?? "last"
        // Commands to paste: this binary as the user can run it, and this history when it is not the default one.
        let tracedesk = context.invocation
        let db = history.database.map { " --db " + TextFormat.shellWord($0) } ?? ""
        // The conversation of two turns, by the first characters of its id, as a user types it.
        let conversation = visits.first { $0.stop.continuesConversation }?.run.conversationId.map { id in
            [("\(tracedesk) runs --conversation \(id.prefix(8))\(db)", "the turns of one conversation")]
        } ?? []
        let next = [
            ("\(tracedesk) runs\(db)", "the history, newest first"),
            ("\(tracedesk) show \(job)\(db)", "one run's steps in the terminal"),
        ] + conversation + [
            ("\(tracedesk) report \(job) -o run.html\(db)", "the report of any recorded run, to a file of your choice"),
            diffSuggestion(comparison?.0, fallback: job, tracedesk: tracedesk, db: db),
            ("\(tracedesk) serve --open\(db)", "browse every run, the comparison and the teams in a browser"),
            ("\(tracedesk) simulator", "this simulated pod, to try invoke, poll and resume by hand"),
        ]
        let width = next.map(\.0.count).max() ?? 0

        if let (comparison, path) = comparison {
            lines.append("  \(comparison.verdict.rawValue.uppercased().padding(toLength: 10, withPad: " ", startingAt: 0)) \(path)  (A PUBLISHED against B DRAFT)")
        }
        lines += ["", "Next:"] + next.map { "  \($0.0.padding(toLength: width, withPad: " ", startingAt: 0))   \($0.1)" }
        if tracedesk != "tracedesk" {
            lines += ["", "(tracedesk is not on your PATH: scripts/install puts a release build in ~/.local/bin; see the README's Install)"]
        }
        lines.append("")
        try context.output.write(lines.joined(separator: "\n"))
        return .success
    }

    /// A diff worth running: the same prompt's PUBLISHED and DRAFT runs from the comparison.
    func diffSuggestion(_ comparison: Comparison?, fallback job: String, tracedesk: String, db: String) -> (String, String) {
        if let prompt = comparison?.prompts.first, let a = prompt.a.runs.first?.jobId, let b = prompt.b.runs.first?.jobId {
            return ("\(tracedesk) diff \(a.prefix(8)) \(b.prefix(8))\(db)", "one prompt on PUBLISHED and on DRAFT, step by step")
        }
        return ("\(tracedesk) diff \(job) last\(db)", "two recorded runs compared")
    }
}
