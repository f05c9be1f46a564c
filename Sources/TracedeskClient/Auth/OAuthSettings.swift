import Foundation
import TracedeskModel

/// How to get tokens from the pod's identity domain (OCI IAM): which endpoint, which client,
/// which grant. Secrets come from files or the environment, never from command-line flags.
public struct OAuthSettings: Sendable {
    /// The grants of `docs/fusion-api.md`, with what each needs.
    public enum Grant: Sendable {
        case clientCredentials
        case password(user: String, password: String)
        case refreshToken(String)
        /// An RS256 user assertion signed with the client's private key (PEM).
        case jwtAssertion(user: String, privateKeyPEM: String, keyId: String?)
        /// The user signs in in a browser; the code comes back to a loopback port (PKCE S256).
        case authorizationCode(redirectPort: Int?)

        var name: String {
            switch self {
            case .clientCredentials: "client_credentials"
            case .password: "password"
            case .refreshToken: "refresh_token"
            case .jwtAssertion: "jwt"
            case .authorizationCode: "authorization_code"
            }
        }

        /// The user the grant acts for, where it names one.
        var user: String? {
            switch self {
            case .password(let user, _), .jwtAssertion(let user, _, _): user
            default: nil
            }
        }
    }

    public var tokenURL: URL
    public var clientId: String
    public var clientSecret: String?
    public var scope: String
    public var grant: Grant

    public init(tokenURL: URL, clientId: String, clientSecret: String?, scope: String, grant: Grant) {
        self.tokenURL = tokenURL
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.scope = scope
        self.grant = grant
    }

    /// The scope of Fusion's agent API on a pod: `urn:opc:resource:fusion:{pod host's first label}:fusion-ai/`.
    public static func defaultScope(pod: URL) -> String {
        let label = pod.host?.split(separator: ".").first.map(String.init) ?? "pod"
        return "urn:opc:resource:fusion:\(label):fusion-ai/"
    }

    /// The authorization endpoint beside the token endpoint: `.../oauth2/v1/authorize`.
    public var authorizeURL: URL {
        tokenURL.deletingLastPathComponent().appendingPathComponent("authorize")
    }

    /// What the token cache is keyed by: one cached token per endpoint, client, grant, user and scope.
    var cacheKey: String {
        [tokenURL.absoluteString, clientId, grant.name, grant.user ?? "", scope].joined(separator: "\n")
    }
}
