import ArgumentParser
import Foundation
import TracedeskModel
import TracedeskUseCases

/// `tracedesk auth check`: get a token and say who it is for, never the token itself.
struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Check credentials.",
        subcommands: [Check.self]
    )

    struct Check: TracedeskCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Get a token and print who it is for, its scope and when it expires (never the token).",
            discussion: """
                Example:
                  TRACEDESK_CLIENT_SECRET=demo-secret tracedesk auth check \\
                    --pod http://127.0.0.1:8765 \\
                    --token-url http://127.0.0.1:8765/oauth2/v1/token \\
                    --client-id tracedesk-demo
                """
        )

        @OptionGroup var podOptions: PodOptions
        @OptionGroup var auth: AuthOptions

        func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
            try await CheckAuth(pod: podAccess(podOptions, auth)).run(in: context)
        }
    }
}
