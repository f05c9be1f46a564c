import ArgumentParser
import Foundation
import TracedeskCore

/// `tracedesk demo`: the whole flow on the embedded simulator, for a newcomer.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Show the whole flow on a simulated pod: invoke teams, follow them, record them, write their reports.",
        discussion: """
            Starts the simulator in this process on a free loopback port, invokes several teams \
            in ADMIN mode (one waits for an approver, and the demo approves), compares a team's \
            DRAFT against its PUBLISHED version, records every run in the history and writes the \
            HTML reports. No pod, no network.

            Examples:
              tracedesk demo
              tracedesk demo --out /tmp/tracedesk-demo --db /tmp/demo.sqlite
            """
    )

    @OptionGroup var history: HistoryOptions
    @OptionGroup var reportOptions: ReportOptions

    @Option(help: ArgumentHelp("The folder for the reports (created if missing).", valueName: "dir"), completion: .directory)
    var out = "tracedesk-demo"

    @Option(help: ArgumentHelp("The folder of scenario files.", valueName: "dir"), completion: .directory)
    var scenarios: String?

    @Option(help: "How much faster than real time the simulated runs advance.")
    var speed: Double = 8

    func validate() throws {
        guard speed > 0, speed <= 10_000 else { throw ValidationError("--speed takes a number above 0 (at most 10000)") }
    }

    func run() async throws {
        let templates = try reportOptions.load()
        let folder = URL(fileURLWithPath: (out as NSString).expandingTildeInPath)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw TracedeskError.badInput("--out \(out): cannot create the folder (\(error.localizedDescription))")
        }
        let store = try history.openStore()
        let tour = DemoTour(store: store, outputFolder: folder, scenarioFolder: try ScenarioFolder.locate(scenarios),
                            templates: templates, speed: speed, say: { Terminal.write($0) })
        let (visits, comparison) = try await tour.run()

        var lines = ["", "Reports (open them in a browser; each is one file that works offline):"]
        for visit in visits {
            lines.append("  \(visit.run.status.padding(toLength: 10, withPad: " ", startingAt: 0)) \(visit.reportPath)")
        }
        let job = visits.first.map { String($0.run.jobId.prefix(8)) } ?? "last"
        let next = [
            ("tracedesk runs", "the history, newest first"),
            ("tracedesk show \(job)", "one run's steps in the terminal"),
            ("tracedesk report last -o run.html", "the report of any recorded run"),
            ("tracedesk diff \(job) last", "two recorded runs compared"),
            ("tracedesk simulator", "this simulated pod, to try invoke, poll and resume by hand"),
        ]
        let width = next.map(\.0.count).max() ?? 0
        if let (comparison, path) = comparison {
            lines.append("  \(comparison.verdict.rawValue.uppercased().padding(toLength: 10, withPad: " ", startingAt: 0)) \(path)  (DRAFT against PUBLISHED)")
        }
        lines += ["", "Next:"] + next.map { "  \($0.0.padding(toLength: width, withPad: " ", startingAt: 0))   \($0.1)" } + [""]
        Terminal.write(lines.joined(separator: "\n"))
    }
}
