import ArgumentParser
import Foundation
import TracedeskDocuments
import TracedeskModel
import TracedeskServe
import TracedeskUseCases

/// `tracedesk serve`: the history as a local web UI.
struct ServeCommand: TracedeskCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Browse the history in a web browser: runs, a run, diffs, comparisons, team trends, live.",
        discussion: """
            Read-only: no page changes the history or calls a pod. A run recorded by another \
            tracedesk process appears at once in an open page. Listens on loopback; another \
            --host needs --token (or TRACEDESK_SERVE_TOKEN), which every request must carry.

            Examples:
              tracedesk serve
              tracedesk serve --port 0 --open
              tracedesk serve --host 0.0.0.0 --token "$(openssl rand -hex 16)"
            """
    )

    @OptionGroup var history: HistoryOptions
    @OptionGroup var reportOptions: ReportOptions

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(parsing: .unconditional, help: "The port (0 picks a free one).")
    var port = 8370

    @Option(help: ArgumentHelp("A token every request must carry (required with a --host other than loopback).", valueName: "token"))
    var token: String?

    @Flag(help: "Open the page in a browser once listening.")
    var open = false

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port takes 0 to 65535") }
    }

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let templates = try ReportTemplates.load(folder: reportOptions.templates.map(context.absolutePath))
        return try await ServeHistory(history: history.location,
                                      settings: ServeSettings(host: host, port: port, token: token, templates: templates),
                                      openBrowser: open).run(in: context)
    }
}
