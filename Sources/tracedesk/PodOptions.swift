import ArgumentParser
import Foundation
import TracedeskCore

/// `--pod`, `--api`, `--profile` and friends, shared by every command that calls a pod.
struct PodOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The pod's base URL (default: $TRACEDESK_POD, else the profile's).", valueName: "url"))
    var pod: String?

    @Option(help: ArgumentHelp("The agent API's path version: v1 (as in the CoE article; the default) or v2.", valueName: "v1|v2"))
    var api: String?

    @Option(help: ArgumentHelp("A profile of $XDG_CONFIG_HOME/tracedesk/config.toml (default: its 'default').", valueName: "name"))
    var profile: String?

    @Option(help: ArgumentHelp("Retries of a failed call (5xx, 429, network) before giving up, with backoff.", valueName: "n"))
    var retries: Int = 5

    @Option(help: ArgumentHelp("A PEM bundle of CA certificates to trust besides the system's (a private CA); TLS is always verified.", valueName: "file"),
            completion: .file(extensions: ["pem", "crt"]))
    var cacert: String?

    @Option(help: ArgumentHelp("Save every HTTP exchange in this folder (no Authorization header, secrets redacted); tracedesk import reads them.", valueName: "dir"),
            completion: .directory)
    var record: String?

    /// A client for one team on this pod, authenticated by `auth`.
    func client(team: String, auth: AuthOptions) throws -> AgentClient {
        guard retries >= 0 else { throw TracedeskError.badInput("--retries takes 0 or more") }
        let chosen = try loadProfile()
        let pod = try podURL(profile: chosen)
        var transport = try baseTransport()
        if let record { transport = try RecordingTransport(inner: transport, folder: URL(fileURLWithPath: record)) }
        return AgentClient(pod: pod, api: try apiVersion(profile: chosen), team: team, transport: transport,
                           tokens: try auth.tokenProvider(pod: pod, transport: transport, profile: chosen),
                           retry: RetryPolicy(maxAttempts: retries + 1))
    }

    /// URLSession, or, with `--cacert`, a transport that also trusts the given CA.
    func baseTransport() throws -> any HTTPTransport {
        guard let cacert else { return URLSessionTransport() }
        return try TrustingTransport(caBundle: cacert, environment: ProcessInfo.processInfo.environment)
    }

    func loadProfile() throws -> Profile? {
        try Profile.load(named: profile, environment: ProcessInfo.processInfo.environment)
    }

    /// The pod URL, checked: `--pod`, else `$TRACEDESK_POD`, else the profile's.
    func podURL(profile: Profile?) throws -> URL {
        guard let text = pod ?? ProcessInfo.processInfo.environment["TRACEDESK_POD"] ?? profile?.pod, !text.isEmpty else {
            throw TracedeskError.badInput("no pod: give --pod URL, set TRACEDESK_POD, or use a --profile")
        }
        guard let url = URL(string: text), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw TracedeskError.badInput("--pod \(text) is not an http(s) URL")
        }
        return url
    }

    func apiVersion(profile: Profile?) throws -> AgentClient.APIVersion {
        let text = api ?? ProcessInfo.processInfo.environment["TRACEDESK_API"] ?? profile?.api ?? "v1"
        guard let version = AgentClient.APIVersion(rawValue: text) else { throw TracedeskError.badInput("--api takes v1 or v2, not \(text)") }
        return version
    }
}

/// How to authenticate: a token, or an OAuth client. Secrets only from files or the environment.
struct AuthOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A file holding a bearer token (else $TRACEDESK_TOKEN).", valueName: "path"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("The identity domain's token endpoint, e.g. https://idcs-....identity.oraclecloud.com/oauth2/v1/token.", valueName: "url"))
    var tokenURL: String?

    @Option(help: ArgumentHelp("The OAuth client id.", valueName: "id"))
    var clientId: String?

    @Option(help: ArgumentHelp("The scope (default urn:opc:resource:fusion:{pod}:fusion-ai/).", valueName: "scope"))
    var scope: String?

    @Option(help: ArgumentHelp("client_credentials (default), password, refresh_token, jwt, or authorization_code (sign in with a browser).", valueName: "grant"))
    var grant: String?

    @Option(help: ArgumentHelp("The loopback port for the authorization_code redirect (default: any free port).", valueName: "port"))
    var redirectPort: Int?

    @Option(help: ArgumentHelp("The Fusion user, for the password and jwt grants.", valueName: "name"))
    var user: String?

    @Option(help: ArgumentHelp("A file holding the client secret (else $TRACEDESK_CLIENT_SECRET).", valueName: "path"))
    var clientSecretFile: String?

    @Option(help: ArgumentHelp("A file holding the password (else $TRACEDESK_PASSWORD).", valueName: "path"))
    var passwordFile: String?

    @Option(help: ArgumentHelp("A file holding a refresh token (else $TRACEDESK_REFRESH_TOKEN).", valueName: "path"))
    var refreshTokenFile: String?

    @Option(help: ArgumentHelp("The client's PEM private key, for the jwt grant.", valueName: "path"))
    var privateKey: String?

    @Option(help: ArgumentHelp("The key id (kid) of the JWT assertion.", valueName: "kid"))
    var keyId: String?

    var sources: CredentialSources {
        CredentialSources(tokenFile: tokenFile, tokenURL: tokenURL, clientId: clientId, scope: scope, grant: grant, user: user,
                          clientSecretFile: clientSecretFile, passwordFile: passwordFile, refreshTokenFile: refreshTokenFile,
                          privateKeyFile: privateKey, keyId: keyId, redirectPort: redirectPort,
                          environment: ProcessInfo.processInfo.environment)
    }

    func tokenProvider(pod: URL, transport: any HTTPTransport, profile: Profile?) throws -> any TokenProvider {
        let cache = TokenCache(folder: TokenCache.defaultFolder(environment: ProcessInfo.processInfo.environment))
        var sources = self.sources
        sources.profile = profile
        return try sources.tokenProvider(pod: pod, transport: transport, cache: cache) { url in
            Terminal.error("sign in with a browser: open this URL (waiting up to 5 minutes for the redirect)\n  \(url.absoluteString)")
        }
    }
}
