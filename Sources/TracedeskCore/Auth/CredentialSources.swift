import Foundation

/// Where the credentials for a pod come from, in DESIGN.md's order: `--token-file`, then
/// `$TRACEDESK_TOKEN`, then an OAuth client (`--token-url`, `--client-id`, `--grant`...).
/// Secrets are read only from files or environment variables, never taken from flags.
public struct CredentialSources: Sendable {
    public var tokenFile: String?
    public var tokenURL: String?
    public var clientId: String?
    public var scope: String?
    public var grant: String?
    public var user: String?
    public var clientSecretFile: String?
    public var passwordFile: String?
    public var refreshTokenFile: String?
    public var privateKeyFile: String?
    public var keyId: String?
    /// The loopback port of the authorization code grant's redirect (default: any free port).
    public var redirectPort: Int?
    /// The profile of `config.toml`, consulted after flags and the environment.
    public var profile: Profile?
    public var environment: [String: String]

    public init(tokenFile: String? = nil, tokenURL: String? = nil, clientId: String? = nil, scope: String? = nil,
                grant: String? = nil, user: String? = nil, clientSecretFile: String? = nil, passwordFile: String? = nil,
                refreshTokenFile: String? = nil, privateKeyFile: String? = nil, keyId: String? = nil,
                redirectPort: Int? = nil, profile: Profile? = nil, environment: [String: String]) {
        self.tokenFile = tokenFile
        self.tokenURL = tokenURL
        self.clientId = clientId
        self.scope = scope
        self.grant = grant
        self.user = user
        self.clientSecretFile = clientSecretFile
        self.passwordFile = passwordFile
        self.refreshTokenFile = refreshTokenFile
        self.privateKeyFile = privateKeyFile
        self.keyId = keyId
        self.redirectPort = redirectPort
        self.profile = profile
        self.environment = environment
    }

    public static let grants = ["client_credentials", "password", "refresh_token", "jwt", "authorization_code"]

    /// The OAuth settings these sources describe, or `nil` when a static token is given instead.
    public func oauthSettings(pod: URL) throws(TracedeskError) -> OAuthSettings? {
        if tokenFile != nil || !(environment["TRACEDESK_TOKEN"] ?? "").isEmpty { return nil }
        guard let tokenURLText = tokenURL ?? environment["TRACEDESK_TOKEN_URL"] ?? profile?.tokenURL,
              let clientId = clientId ?? environment["TRACEDESK_CLIENT_ID"] ?? profile?.clientId else {
            throw .badInput("no credentials: give --token-file, set TRACEDESK_TOKEN, or name an OAuth client with --token-url and --client-id (or a --profile)")
        }
        guard let url = URL(string: tokenURLText), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw .badInput("--token-url \(tokenURLText) is not an http(s) URL")
        }
        let secret = try secretValue(file: clientSecretFile, variable: "TRACEDESK_CLIENT_SECRET", profileFile: profile?.clientSecretFile, what: "client secret")
        let grantName = grant ?? environment["TRACEDESK_GRANT"] ?? profile?.grant ?? "client_credentials"
        let user = self.user ?? environment["TRACEDESK_USER"] ?? profile?.user
        let chosen: OAuthSettings.Grant
        switch grantName {
        case "client_credentials":
            chosen = .clientCredentials
        case "password":
            guard let user else { throw .badInput("--grant password needs --user") }
            guard let password = try secretValue(file: passwordFile, variable: "TRACEDESK_PASSWORD", profileFile: profile?.passwordFile, what: "password") else {
                throw .badInput("--grant password needs the password in TRACEDESK_PASSWORD or --password-file")
            }
            chosen = .password(user: user, password: password)
        case "refresh_token":
            guard let token = try secretValue(file: refreshTokenFile, variable: "TRACEDESK_REFRESH_TOKEN", profileFile: profile?.refreshTokenFile, what: "refresh token") else {
                throw .badInput("--grant refresh_token needs --refresh-token-file or TRACEDESK_REFRESH_TOKEN")
            }
            chosen = .refreshToken(token)
        case "jwt":
            guard let user else { throw .badInput("--grant jwt needs --user (the Fusion user the assertion names)") }
            guard let keyFile = privateKeyFile ?? profile?.privateKey, let key = try Self.read(keyFile, what: "private key") else {
                throw .badInput("--grant jwt needs --private-key FILE (the client's PEM private key)")
            }
            chosen = .jwtAssertion(user: user, privateKeyPEM: key, keyId: keyId ?? profile?.keyId)
        case "authorization_code":
            chosen = .authorizationCode(redirectPort: redirectPort)
        default:
            throw .badInput("--grant takes \(Self.grants.joined(separator: ", ")), not \(grantName)")
        }
        var defaultScope = OAuthSettings.defaultScope(pod: pod)
        // A browser sign-in should happen once: ask for a refresh token to renew it silently.
        if case .authorizationCode = chosen { defaultScope += " offline_access" }
        return OAuthSettings(tokenURL: url, clientId: clientId, clientSecret: secret,
                             scope: scope ?? environment["TRACEDESK_SCOPE"] ?? profile?.scope ?? defaultScope, grant: chosen)
    }

    /// The token provider these sources describe.
    public func tokenProvider(pod: URL, transport: any HTTPTransport, cache: TokenCache?,
                              present: @escaping @Sendable (URL) async -> Void = { _ in }) throws(TracedeskError) -> any TokenProvider {
        if let tokenFile {
            guard let token = try Self.read(tokenFile, what: "token"), !token.isEmpty else { throw .badInput("\(tokenFile): the token file is empty") }
            return StaticTokenProvider(token)
        }
        if let token = environment["TRACEDESK_TOKEN"], !token.isEmpty { return StaticTokenProvider(token) }
        guard let settings = try oauthSettings(pod: pod) else { throw .badInput("no credentials") }
        return OAuthTokenProvider(settings: settings, transport: transport, cache: cache, present: present)
    }

    private func secretValue(file: String?, variable: String, profileFile: String?, what: String) throws(TracedeskError) -> String? {
        if let file { return try Self.read(file, what: what) }
        if let value = environment[variable], !value.isEmpty { return value }
        if let profileFile { return try Self.read(profileFile, what: what) }
        return nil
    }

    static func read(_ path: String, what: String) throws(TracedeskError) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { throw .badInput("\(path): cannot read the \(what) file") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
