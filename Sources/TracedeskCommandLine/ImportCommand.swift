import ArgumentParser
import Foundation
import TracedeskModel
import TracedeskUseCases

/// `tracedesk import FILE…`: record status bodies captured elsewhere.
struct ImportCommand: TracedeskCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Record status bodies captured elsewhere.",
        discussion: """
            A file holds one status body (a JSON object), an array of them, several one after \
            another (JSON lines), exchanges recorded with --record, or is a run report written by \
            'tracedesk report' (its embedded bodies are read). '-' reads standard input. Each body is kept verbatim; importing \
            the same body twice changes nothing. If any file cannot be read, nothing is recorded.

            Example:
              tracedesk import samples/bodies/*.json
              curl -s ... | tracedesk import - --team MY_TEAM
              tracedesk import XX_TEAM-c73c1580.html
            """
    )

    @OptionGroup var history: HistoryOptions

    @Argument(help: ArgumentHelp("Files of status bodies, or '-' for standard input.", valueName: "file"),
              completion: .file(extensions: ["json", "jsonl", "ndjson", "html"]))
    var files: [String]

    @Option(help: ArgumentHelp("The team of bodies that carry no workflowCode.", valueName: "team"), completion: .custom(HistoryOptions.completeTeam))
    var team: String?

    @Flag(help: "Print what was recorded as JSON.")
    var json = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one file to import, or '-' for standard input") }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("'-' (standard input) can be named once") }
    }

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        try ImportBodies(history: history.location, files: files, team: team, json: json).run(in: context)
    }
}
