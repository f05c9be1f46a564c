import ArgumentParser
import Foundation
import TracedeskExport
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

/// `tracedesk export`: recorded runs to other tools.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Send recorded runs to other tools.",
        subcommands: [OTLP.self]
    )

    /// `tracedesk export otlp`: runs as OpenTelemetry spans over OTLP/HTTP protobuf.
    struct OTLP: TracedeskCommand {
        static let configuration = CommandConfiguration(
            commandName: "otlp",
            abstract: "Send runs as OpenTelemetry spans (OTLP/HTTP protobuf) to Phoenix, Jaeger, Tempo or an OpenTelemetry Collector.",
            discussion: """
                With no RUN, every run the filters select (as 'runs' lists them, without a limit). \
                One root span per run, one span per step under its parent, a nested run's steps under \
                the step that called it; OpenTelemetry GenAI and OpenInference attributes \
                (docs/otlp.md). Span ids are derived from the jobId, so exporting twice adds nothing \
                to a backend that keeps the first copy of a span.

                The endpoint: --endpoint (a base URL gets /v1/traces), else \
                OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, else \
                http://localhost:4318/v1/traces. Headers: OTEL_EXPORTER_OTLP_HEADERS, --header-file \
                and --header (a key given with --header is visible to every user in the process list: \
                keep keys in the variable or the file).

                Examples:
                  tracedesk export otlp --endpoint http://127.0.0.1:6006
                  tracedesk export otlp last --dry-run
                  OTEL_EXPORTER_OTLP_HEADERS="api_key=$KEY" tracedesk export otlp \\
                    --team XX_WORKER_CARD --since 7d --project payroll --timeout 60
                """
        )

        @OptionGroup var history: HistoryOptions
        @OptionGroup var redaction: RedactionOptions

        @Argument(help: ArgumentHelp("Runs to export: jobIds, prefixes, or 'last' (default: every run the filters select).", valueName: "run"),
                  completion: .custom(HistoryOptions.completeRun))
        var runs: [String] = []

        @Option(help: ArgumentHelp("Only runs of this team.", valueName: "team"), completion: .custom(HistoryOptions.completeTeam))
        var team: String?

        @Option(help: ArgumentHelp("Only runs in this status: RUNNING, WAITING, COMPLETE or ERROR.", valueName: "status"), completion: HistoryOptions.statusCompletion)
        var status: String?

        @Option(help: ArgumentHelp("Only runs started since: 30m, 12h, 3d, 2w, today, a date or an ISO 8601 instant.", valueName: "when"))
        var since: String?

        @Option(help: ArgumentHelp("The OTLP/HTTP traces endpoint, or a backend's base URL.", valueName: "url"))
        var endpoint: String?

        @Option(name: .customLong("header"), help: ArgumentHelp("A header for the backend, NAME=VALUE (repeatable): an API key.", valueName: "name=value"))
        var headers: [String] = []

        @Option(help: ArgumentHelp("Headers for the backend, one NAME=VALUE a line: keys stay out of the process list.", valueName: "file"))
        var headerFile: String?

        @Option(help: ArgumentHelp("The project the spans belong to (openinference.project.name).", valueName: "name"))
        var project = "tracedesk"

        @Option(parsing: .unconditional, help: ArgumentHelp("Give up after this many seconds: every call and retry wait within it (exit 3).", valueName: "seconds"))
        var timeout: Double?

        @Option(parsing: .unconditional, help: ArgumentHelp("Cut texts longer than this many bytes (inputs, outputs, chunks).", valueName: "bytes"))
        var maxValueBytes = 32 * 1024

        @Flag(help: "Print the spans as JSON; send nothing.")
        var dryRun = false

        func validate() throws {
            if !runs.isEmpty, team != nil || status != nil || since != nil {
                throw ValidationError("name runs, or select them with --team, --status and --since, not both")
            }
            if let status, !["RUNNING", "WAITING", "COMPLETE", "ERROR"].contains(status.uppercased()) {
                throw ValidationError("--status takes RUNNING, WAITING, COMPLETE or ERROR, not '\(status)'")
            }
            if let since, SinceParser.parse(since) == nil {
                throw ValidationError("--since takes an age (30m, 12h, 3d, 2w), today, yesterday, a date or an ISO 8601 instant, not '\(since)'")
            }
            guard (256...16 << 20).contains(maxValueBytes) else { throw ValidationError("--max-value-bytes takes 256 to 16777216") }
            if let timeout, !(timeout > 0 && timeout <= 31_536_000) {
                throw ValidationError("--timeout takes a number of seconds above 0 (at most a year), not \(timeout)")
            }
            if project.isEmpty { throw ValidationError("--project takes a name") }
        }

        func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
            let selection: ExportRuns.Selection = runs.isEmpty
                ? .matching(RunQuery(team: team, status: status.map(RunStatus.init),
                                     since: since.flatMap { SinceParser.parse($0, now: Date(milliseconds: context.clock.now()), timeZone: context.timeZone) }))
                : .named(runs)
            if !headers.isEmpty {
                try context.warn("--header puts its value in the process list, where every user of this machine can read it: "
                                 + "keep keys in OTEL_EXPORTER_OTLP_HEADERS or a --header-file")
            }
            let fromFile = try headerFile.map { path throws(TracedeskError) in try OTLPDestination.headerLines(fromFile: context.absolutePath(path)) } ?? []
            var export = ExportRuns(history: history.location, selection: selection, endpoint: endpoint, headers: fromFile + headers,
                                    project: project, spanOptions: SpanOptions(maximumValueBytes: maxValueBytes), dryRun: dryRun,
                                    timeout: timeout.map { .milliseconds(Int64(($0 * 1000).rounded())) })
            export.redaction = try redaction.rules(in: context)
            return try await export.run(in: context)
        }
    }
}

/// `--otlp` and its settings, for the commands that follow runs: export each run when it ends.
struct LiveExportOptions: ParsableArguments {
    @Flag(help: "Export each run to an OpenTelemetry backend when it ends (see 'tracedesk export otlp --help').")
    var otlp = false

    @Option(help: ArgumentHelp("With --otlp: the OTLP/HTTP traces endpoint or a backend's base URL (else the OTEL_ variables).", valueName: "url"))
    var otlpEndpoint: String?

    @Option(name: .customLong("otlp-header"), help: ArgumentHelp("With --otlp: a header, NAME=VALUE (repeatable).", valueName: "name=value"))
    var otlpHeaders: [String] = []

    @Option(help: ArgumentHelp("With --otlp: the project (openinference.project.name).", valueName: "name"))
    var otlpProject = "tracedesk"

    /// The live export these options ask for, if any (`--otlp-endpoint` implies `--otlp`).
    var export: LiveExport? {
        guard otlp || otlpEndpoint != nil else { return nil }
        return LiveExport(endpoint: otlpEndpoint, headers: otlpHeaders, project: otlpProject)
    }
}
