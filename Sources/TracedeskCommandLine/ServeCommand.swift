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
            --host needs a token (TRACEDESK_SERVE_TOKEN, --token-file, or --token, which other \
            users can read in the process list), which every request must then carry.

            Examples:
              tracedesk serve
              tracedesk serve --port 0 --open
              openssl rand -hex 16 > ~/.tracedesk-token && chmod 600 ~/.tracedesk-token
              tracedesk serve --host 0.0.0.0 --token-file ~/.tracedesk-token
            """
    )

    @OptionGroup var history: HistoryOptions
    @OptionGroup var reportOptions: ReportOptions

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(parsing: .unconditional, help: "The port (0 picks a free one).")
    var port = 8370

    @Option(help: ArgumentHelp("A token every request must carry (required beyond loopback); visible in the process list: prefer --token-file.", valueName: "token"))
    var token: String?

    @Option(help: ArgumentHelp("A file holding the token (its first line).", valueName: "file"))
    var tokenFile: String?

    @OptionGroup var redaction: RedactionOptions

    @Flag(help: "Open the page in a browser once listening.")
    var open = false

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port takes 0 to 65535") }
        if token != nil, tokenFile != nil { throw ValidationError("give --token or --token-file, not both") }
    }

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let templates = try ReportTemplates.load(folder: reportOptions.templates.map(context.absolutePath))
        var token = self.token
        if token != nil {
            try context.warn("--token puts the token in the process list, where every user of this machine can read it: "
                             + "prefer TRACEDESK_SERVE_TOKEN or --token-file")
        }
        if let tokenFile {
            let path = context.absolutePath(tokenFile)
            guard let data = FileManager.default.contents(atPath: path), data.count < 4096,
                  let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first else {
                throw .badInput("--token-file \(tokenFile): cannot be read, or holds no token")
            }
            token = line.trimmingCharacters(in: .whitespaces)
        }
        var settings = ServeSettings(host: host, port: port, token: token, templates: templates)
        settings.redactor = try redaction.rules(in: context).map { rules throws(TracedeskError) in try Redactor(rules: rules) }
        return try await ServeHistory(history: history.location, settings: settings, openBrowser: open).run(in: context)
    }
}
