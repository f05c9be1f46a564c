import ArgumentParser
import Foundation
import TracedeskModel
import TracedeskUseCases

/// `tracedesk demo`: the whole flow on the embedded simulator, for a newcomer.
struct DemoCommand: TracedeskCommand {
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

    @Option(help: ArgumentHelp("The folder of scenario files (default: the built-in scenarios).", valueName: "dir"), completion: .directory)
    var scenarios: String?

    @Option(parsing: .unconditional, help: "How much faster than real time the simulated runs advance.")
    var speed: Double = 8

    func validate() throws {
        guard speed > 0, speed <= 10_000 else { throw ValidationError("--speed takes a number above 0 (at most 10000)") }
    }

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        try await RunDemo(history: history.location, outputFolder: out, scenarios: scenarios, speed: speed,
                          templatesFolder: reportOptions.templates).run(in: context)
    }
}
