import ArgumentParser
import Foundation
import TracedeskCore

/// `tracedesk auth check`: get a token and say who it is for, never the token itself.
struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Check credentials.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Get a token and print who it is for, its scope and when it expires (never the token).",
            discussion: """
                Example:
                  TRACEDESK_CLIENT_SECRET=demo-secret tracedesk auth check --pod http://127.0.0.1:8765 \\
                    --token-url http://127.0.0.1:8765/oauth2/v1/token --client-id tracedesk-demo
                """
        )

        @OptionGroup var podOptions: PodOptions
        @OptionGroup var auth: AuthOptions

        func run() async throws {
            let profile = try podOptions.loadProfile()
            let pod = try podOptions.podURL(profile: profile)
            let provider = try auth.tokenProvider(pod: pod, transport: try podOptions.baseTransport(), profile: profile)
            let format = TextFormat()
            if let oauth = provider as? OAuthTokenProvider {
                let info = try await oauth.info()
                Terminal.write("""
                    \(profile.map { "Profile   \($0.name)\n" } ?? "")Token for \(info.subject ?? "an unnamed subject")
                    Scope     \(info.scope ?? "-")
                    Expires   \(format.instant(info.expiresAt.epochMilliseconds))
                    Refresh   \(info.hasRefreshToken ? "yes (refreshed ahead of expiry)" : "no")

                    """)
            } else {
                let token = try await provider.token(forceRefresh: false)
                let claims = JWTAssertion.claims(of: token)
                let expiry = claims?["exp"]?.int64Value.map { format.instant($0 * 1000) } ?? "unknown (not a JWT)"
                Terminal.write("""
                    Static token for \(claims?.first(["sub", "user_id"])?.stringValue ?? "an unknown subject")
                    Scope     \(claims?["scope"]?.stringValue ?? "-")
                    Expires   \(expiry)

                    """)
            }
        }
    }
}
