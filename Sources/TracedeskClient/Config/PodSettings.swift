import Foundation
import TracedeskModel

/// Where a pod is and how to sign in to it, from flags, the environment and a profile, in that
/// order (`PodSetting`); and the client, token provider and OAuth settings they describe.
///
/// Credentials are tried in DESIGN order: `--token-file`, then `$TRACEDESK_TOKEN`, then an OAuth
/// client (`--token-url`, `--client-id`, `--grant`...). Secrets are read only from files or
/// environment variables, never taken from flags.
public struct PodSettings: Sendable {
    /// Values given as flags.
    public var flags: [PodSetting: String]
    public var environment: [String: String]
    /// The profile of `config.toml`, consulted after flags and the environment.
    public var profile: Profile?

    public init(flags: [PodSetting: String] = [:], environment: [String: String], profile: Profile? = nil) {
        self.flags = flags.filter { !$0.value.isEmpty }
        self.environment = environment
        self.profile = profile
    }

    public static let grants = ["client_credentials", "password", "refresh_token", "jwt", "authorization_code"]

    /// The setting's value: its flag, else its environment variable, else the profile's.
    public func value(_ setting: PodSetting) -> String? {
        if let flag = flags[setting] { return flag }
        if let variable = environment[setting.environmentVariable], !variable.isEmpty { return variable }
        return profile?[setting]
    }

    /// Where the setting's value comes from, to name in a message about it: `--pod`,
    /// `TRACEDESK_POD`, or `pod of [profiles.NAME] in PATH` (a value from a file is not a flag).
    public func source(of setting: PodSetting) -> String {
        if flags[setting] != nil { return setting.flag }
        if let variable = environment[setting.environmentVariable], !variable.isEmpty { return setting.environmentVariable }
        if let profile, profile[setting] != nil { return "\(setting.profileKey) of [profiles.\(profile.name)] in \(profile.origin)" }
        return setting.flag
    }

    /// A secret: from the file a flag names, else its environment variable, else the file the profile names.
    public func secret(_ secret: PodSecret) throws(TracedeskError) -> String? {
        if let file = flags[secret.fileSetting] { return try Self.read(file, what: secret.words) }
        if let value = environment[secret.environmentVariable], !value.isEmpty { return value }
        if let file = environment[secret.fileSetting.environmentVariable], !file.isEmpty { return try Self.read(file, what: secret.words) }
        if let file = profile?[secret.fileSetting] { return try Self.read(file, what: secret.words) }
        return nil
    }

    /// The pod URL, checked: `--pod`, else `$TRACEDESK_POD`, else the profile's.
    public func podURL() throws(TracedeskError) -> URL {
        guard let text = value(.pod) else {
            throw .badInput("no pod: give --pod URL, set TRACEDESK_POD, or use a --profile")
        }
        guard let url = URL(string: text), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw .badInput("\(source(of: .pod)) \(text) is not an http(s) URL")
        }
        return url
    }

    /// The API path version: `--api`, else `$TRACEDESK_API`, else the profile's, else v1.
    public func apiVersion() throws(TracedeskError) -> AgentClient.APIVersion {
        let text = value(.api) ?? "v1"
        guard let version = AgentClient.APIVersion(rawValue: text) else { throw .badInput("\(source(of: .api)) takes v1 or v2, not \(text)") }
        return version
    }

    /// The OAuth settings these sources describe, or `nil` when a static token is given instead.
    public func oauthSettings(pod: URL) throws(TracedeskError) -> OAuthSettings? {
        if value(.tokenFile) != nil || !(environment[PodSecret.token.environmentVariable] ?? "").isEmpty { return nil }
        guard let tokenURLText = value(.tokenURL), let clientId = value(.clientId) else {
            throw .badInput("no credentials: give --token-file, set TRACEDESK_TOKEN, or name an OAuth client with --token-url and --client-id (or a --profile)")
        }
        guard let url = URL(string: tokenURLText), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw .badInput("\(source(of: .tokenURL)) \(tokenURLText) is not an http(s) URL")
        }
        let clientSecret = try secret(.clientSecret)
        let grantName = value(.grant) ?? "client_credentials"
        let user = value(.user)
        let chosen: OAuthSettings.Grant
        switch grantName {
        case "client_credentials":
            chosen = .clientCredentials
        case "password":
            guard let user else { throw .badInput("--grant password needs --user") }
            guard let password = try secret(.password) else {
                throw .badInput("--grant password needs the password in TRACEDESK_PASSWORD or --password-file")
            }
            chosen = .password(user: user, password: password)
        case "refresh_token":
            guard let token = try secret(.refreshToken) else {
                throw .badInput("--grant refresh_token needs --refresh-token-file or TRACEDESK_REFRESH_TOKEN")
            }
            chosen = .refreshToken(token)
        case "jwt":
            guard let user else { throw .badInput("--grant jwt needs --user (the Fusion user the assertion names)") }
            guard let keyFile = value(.privateKey), let key = try Self.read(keyFile, what: "private key") else {
                throw .badInput("--grant jwt needs --private-key FILE (the client's PEM private key)")
            }
            chosen = .jwtAssertion(user: user, privateKeyPEM: key, keyId: value(.keyId))
        case "authorization_code":
            var port: Int?
            if let text = value(.redirectPort) {
                guard let number = Int(text), (0...65_535).contains(number) else { throw .badInput("\(source(of: .redirectPort)) takes 0 to 65535, not \(text)") }
                port = number
            }
            chosen = .authorizationCode(redirectPort: port)
        default:
            throw .badInput("\(source(of: .grant)) takes \(Self.grants.joined(separator: ", ")), not \(grantName)")
        }
        // A confidential client's grants authenticate the client itself: without its secret the
        // identity domain can only answer 401, which would read like a wrong secret.
        if clientSecret == nil, chosen.needsClientSecret {
            throw .badInput("--grant \(grantName) needs the client secret of \(clientId): set TRACEDESK_CLIENT_SECRET or give --client-secret-file"
                            + (profile.map { " (or client_secret_file in profile \($0.name))" } ?? ""))
        }
        var defaultScope = OAuthSettings.defaultScope(pod: pod)
        // A browser sign-in should happen once: ask for a refresh token to renew it silently.
        if case .authorizationCode = chosen { defaultScope += " offline_access" }
        return OAuthSettings(tokenURL: url, clientId: clientId, clientSecret: clientSecret,
                             scope: value(.scope) ?? defaultScope, grant: chosen)
    }

    /// The token provider these sources describe.
    public func tokenProvider(pod: URL, transport: any HTTPTransport, cache: TokenCache?,
                              present: @escaping @Sendable (URL) async -> Void = { _ in }) throws(TracedeskError) -> any TokenProvider {
        if let tokenFile = value(.tokenFile) {
            guard let token = try Self.read(tokenFile, what: "token"), !token.isEmpty else { throw .badInput("\(tokenFile): the token file is empty") }
            return StaticTokenProvider(token)
        }
        if let token = environment[PodSecret.token.environmentVariable], !token.isEmpty { return StaticTokenProvider(token) }
        guard let settings = try oauthSettings(pod: pod) else { throw .badInput("no credentials") }
        return OAuthTokenProvider(settings: settings, transport: transport, cache: cache, present: present)
    }

    static func read(_ path: String, what: String) throws(TracedeskError) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { throw .badInput("\(path): cannot read the \(what) file") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension OAuthSettings.Grant {
    /// Whether the grant authenticates a confidential client, and so needs its secret.
    var needsClientSecret: Bool {
        switch self {
        case .clientCredentials, .password, .jwtAssertion: true
        case .refreshToken, .authorizationCode: false
        }
    }
}
