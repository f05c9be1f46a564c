import ArgumentParser
import Foundation
import TracedeskModel
import TracedeskUseCases

/// `tracedesk invoke TEAM MESSAGE`: run a team in ADMIN mode, follow it, record every body.
struct InvokeCommand: TracedeskCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoke",
        abstract: "Invoke a team (ADMIN mode), follow it to the end with live progress, and record it.",
        discussion: """
            Every status body is recorded the moment it arrives. A run that waits for a human is \
            shown with what it waits for and the command that answers it.

            Examples:
              tracedesk invoke PRODUCT_COMPARISON_ADVISOR_COE \\
                "Compare M1000034 of org IMO and M1000040 of Org SBI" \\
                --pod http://127.0.0.1:8765 \\
                --token-url http://127.0.0.1:8765/oauth2/v1/token \\
                --client-id tracedesk-demo
              tracedesk invoke XX_GL_JOURNAL_APPROVAL "Post the reversal" \\
                --param journal=JE-2026-03-0417 --on-waiting stop
              tracedesk invoke XX_GL_JOURNAL_APPROVAL "Post the reversal" \\
                --param journal=JE-2026-03-0417 --stream
            """
    )

    @OptionGroup var history: HistoryOptions
    @OptionGroup var podOptions: PodOptions
    @OptionGroup var auth: AuthOptions
    @OptionGroup var follow: FollowOptions

    @Argument(help: ArgumentHelp("The team code.", valueName: "team"), completion: .custom(HistoryOptions.completeTeam))
    var team: String

    @Argument(help: ArgumentHelp("The message (prompt).", valueName: "message"))
    var message: String

    @Option(parsing: .unconditional, help: ArgumentHelp("The team version (default: the newest of the status asked).", valueName: "n"))
    var version: Int?

    @Flag(help: "Run the DRAFT version instead of the PUBLISHED one.")
    var draft = false

    @Option(name: .customLong("param"), help: ArgumentHelp("A parameter, NAME=VALUE (repeatable).", valueName: "name=value"))
    var parameters: [String] = []

    @Option(help: ArgumentHelp("Continue this conversation.", valueName: "id"))
    var conversation: String?

    @Flag(help: "Invoke as an end user (no nodes, traceId or timings): see what end users get.")
    var endUser = false

    @Option(help: ArgumentHelp("A label to find the run by later.", valueName: "text"))
    var label: String?

    @Flag(help: "Follow the run over the v2 debug endpoint (Server-Sent Events): each step as it starts and ends, one request.")
    var stream = false

    func validate() throws {
        try ParameterFlags.validate(parameters)
        if let version, version < 1 { throw ValidationError("--version takes a positive number") }
        if stream {
            // The debug endpoint is v2 and ADMIN only, and its stream ends at a wait: flags that ask otherwise are refused, not ignored.
            if endUser { throw ValidationError("--end-user cannot go over the debug stream, which always runs in ADMIN mode; drop --stream or --end-user") }
            if let api = podOptions.api, api.lowercased() != "v2" {
                throw ValidationError("--api \(api) cannot go over the debug stream, which is a v2 endpoint; drop --stream or --api")
            }
        }
        if message.utf8.count > InvokeRequest.maximumMessageBytes {
            throw ValidationError("the message is longer than \(InvokeRequest.maximumMessageBytes >> 10) KiB; a team reads documents with its tools")
        }
    }

    func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let settings = try follow.settings(profile: podOptions.profile, in: context)
        let pod = try podAccess(podOptions, auth, timeout: settings.timeout, redaction: settings.redaction, in: context)
        let request = InvokeRequest(message: message, conversational: true, conversationId: conversation, version: version,
                                    status: draft ? .draft : .published, invocationMode: endUser ? .endUser : .admin,
                                    parameters: ParameterFlags.values(parameters))
        return try await InvokeTeam(history: history.location, pod: pod, follow: settings,
                                    team: team, request: request, label: label, stream: stream).run(in: context)
    }
}
