import Foundation
import TracedeskClient
import TracedeskModel

/// `tracedesk auth check`: get a token and say who it is for, its scope and when it expires,
/// never the token itself.
public struct CheckAuth: Sendable {
    public var pod: PodAccess

    public init(pod: PodAccess) {
        self.pod = pod
    }

    public func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let settings = try pod.settings(in: context)
        let podURL = try settings.podURL()
        let provider = try pod.tokenProvider(settings: settings, pod: podURL, transport: try pod.transport(in: context), in: context)
        let format = TextFormat(timeZone: context.timeZone)
        let profile = settings.profile.map { "Profile   \($0.name)\n" } ?? ""
        if let oauth = provider as? OAuthTokenProvider {
            // A check asks the identity domain, never the cache: a revoked secret must show.
            let info = try await oauth.info(fresh: true)
            try context.output.write("""
                \(profile)Token for \(info.subject ?? "an unnamed subject")
                Scope     \(info.scope ?? "-")
                Expires   \(format.instant(info.expiresAt.epochMilliseconds))
                Refresh   \(info.hasRefreshToken ? "yes (refreshed ahead of expiry)" : "no")

                """)
        } else {
            let token = try await provider.token(forceRefresh: false)
            let claims = JWTAssertion.claims(of: token)
            let expiry = claims?["exp"]?.int64Value.map { format.instant($0.multipliedReportingOverflow(by: 1000).overflow ? nil : $0 * 1000) } ?? "unknown (not a JWT)"
            try context.output.write("""
                \(profile)Static token for \(claims?.first(["sub", "user_id"])?.stringValue ?? "an unknown subject")
                Scope     \(claims?["scope"]?.stringValue ?? "-")
                Expires   \(expiry)

                """)
        }
        return .success
    }
}
