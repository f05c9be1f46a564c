import ArgumentParser
import Foundation
import TracedeskCore

/// `tracedesk diff RUN_A RUN_B`: two recorded runs compared.
struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two recorded runs: status, time, tokens, aligned steps, answers word by word, chunks and citations.",
        discussion: """
            The runs may be of any origin (invoked, polled, imported) and of any team. Steps are \
            aligned on their code and type, nested steps included.

            Examples:
              tracedesk diff c73c 1fd6
              tracedesk diff c73c 1fd6 -o diff.html
            """
    )

    @OptionGroup var history: HistoryOptions
    @OptionGroup var reportOptions: ReportOptions

    @Argument(help: ArgumentHelp("The first run (A): a jobId, a prefix of one, or 'last'.", valueName: "run-a"),
              completion: .custom(HistoryOptions.completeRun))
    var runA: String

    @Argument(help: ArgumentHelp("The second run (B).", valueName: "run-b"), completion: .custom(HistoryOptions.completeRun))
    var runB: String

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write the comparison report to this file ('-' for standard output).", valueName: "file"))
    var output: String?

    @Flag(help: "Print the difference as JSON.")
    var json = false

    func run() async throws {
        let templates = try reportOptions.load()
        let store = try history.openStore()
        let a = try store.details(of: store.run(runA)), b = try store.details(of: store.run(runB))
        let comparison = Comparison.of(a, b)
        if output == "-" {
            Terminal.write(try ComparisonReport(comparison: comparison).html(templates: templates))
            return
        }
        if let output {
            let path = try CompareOutput.write(comparison, to: output, store: store, templates: templates)
            Terminal.error("report written to \(path)")
        }
        if json {
            try Terminal.write(Terminal.json(comparison.prompts[0].diff))
        } else {
            Terminal.write(comparison.prompts[0].diff.map { $0.summaryLines.joined(separator: "\n") + "\n" } ?? "")
        }
    }
}
