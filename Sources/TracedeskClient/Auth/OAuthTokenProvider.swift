import Foundation
import TracedeskModel

/// Gets, caches and refreshes tokens from the identity domain for one client and grant.
///
/// A cached token is used until 60 seconds before it expires; then the refresh token (when the
/// grant gave one, and rotated when the domain rotates it) or the grant itself gets a new one.
/// After a 401 from the pod, `token(forceRefresh: true)` skips the cache once.
public actor OAuthTokenProvider: TokenProvider {
    /// What `tracedesk auth check` shows of a token: never the token itself.
    public struct TokenInfo: Sendable, Equatable {
        public var subject: String?
        public var scope: String?
        public var expiresAt: Date
        public var hasRefreshToken: Bool
    }

    private let settings: OAuthSettings
    private let transport: any HTTPTransport
    private let cache: TokenCache?
    private let now: @Sendable () -> Date
    private let present: @Sendable (URL) async -> Void
    private var current: TokenCache.Entry?

    /// Refresh this long before a token expires.
    static let refreshAhead: Int64 = 60_000

    /// `present` shows the user the sign-in URL of the authorization code grant.
    public init(settings: OAuthSettings, transport: any HTTPTransport, cache: TokenCache?,
                now: @escaping @Sendable () -> Date = { Date() }, present: @escaping @Sendable (URL) async -> Void = { _ in }) {
        self.settings = settings
        self.transport = transport
        self.cache = cache
        self.now = now
        self.present = present
        self.current = cache?.load(settings.cacheKey)
    }

    public func token(forceRefresh: Bool) async throws(TracedeskError) -> String {
        let instant = now().epochMilliseconds
        if !forceRefresh, let current, current.expiresAt - Self.refreshAhead > instant {
            return current.accessToken
        }
        if let refresh = current?.refreshToken {
            if let entry = try? await request(grant: .refreshToken(refresh)) { return remember(entry) }
        }
        return remember(try await request(grant: settings.grant))
    }

    /// Gets a token (from the cache if fresh, unless `fresh`) and says who it is for and until when.
    public func info(fresh: Bool = false) async throws(TracedeskError) -> TokenInfo {
        _ = try await token(forceRefresh: fresh)
        guard let current else { throw TracedeskError(.authenticationRefused, "no token was issued") }
        let claims = JWTAssertion.claims(of: current.accessToken)
        return TokenInfo(subject: claims?.first(["sub", "user_id", "username"])?.stringValue,
                         scope: current.scope ?? claims?["scope"]?.stringValue,
                         expiresAt: Date(milliseconds: current.expiresAt),
                         hasRefreshToken: current.refreshToken != nil)
    }

    private func remember(_ entry: TokenCache.Entry) -> String {
        current = entry
        cache?.store(entry, for: settings.cacheKey)
        return entry.accessToken
    }

    private func request(grant: OAuthSettings.Grant) async throws(TracedeskError) -> TokenCache.Entry {
        var form: [(String, String)] = []
        switch grant {
        case .clientCredentials:
            form = [("grant_type", "client_credentials")]
        case .password(let user, let password):
            form = [("grant_type", "password"), ("username", user), ("password", password)]
        case .refreshToken(let token):
            form = [("grant_type", "refresh_token"), ("refresh_token", token)]
        case .jwtAssertion(let user, let key, let keyId):
            let assertion = try JWTAssertion.make(clientId: settings.clientId, user: user, privateKeyPEM: key, keyId: keyId, now: now())
            form = [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)]
        case .authorizationCode(let port):
            form = try await authorizationCode(port: port)
        }
        // The code grant's scope went with the sign-in; every other grant names it here.
        if case .authorizationCode = grant {} else { form.append(("scope", settings.scope)) }
        var headers = ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"]
        if let secret = settings.clientSecret {
            let pair = "\(Self.formEscape(settings.clientId)):\(Self.formEscape(secret))"
            headers["Authorization"] = "Basic " + Data(pair.utf8).base64EncodedString()
        } else {
            form.append(("client_id", settings.clientId))
        }
        let body = form.map { "\(Self.formEscape($0.0))=\(Self.formEscape($0.1))" }.joined(separator: "&")
        let response: HTTPResponseData
        do {
            response = try await transport.send(HTTPRequestData(method: "POST", url: settings.tokenURL, headers: headers, body: Data(body.utf8)))
        } catch let error as TracedeskError {
            throw error
        } catch {
            throw TracedeskError(.podUnavailable, "cannot reach the identity domain at \(settings.tokenURL.absoluteString): \(NetworkFailure.describe(error))")
        }
        let json = JSONValue(parsing: response.body)
        guard response.status == 200, let token = json?["access_token"]?.stringValue else {
            let secretFields: Set<String> = ["password", "refresh_token", "assertion", "code", "code_verifier", "client_secret"]
            let secrets = [headers["Authorization"], settings.clientSecret].compactMap { $0 } + form.filter { secretFields.contains($0.0) }.map(\.1)
            let error = json?["error"]?.stringValue.map { Self.said($0, secrets: secrets) }
                ?? (response.status == 401 ? "invalid_client (401)" : "HTTP \(response.status)")
            let detail = json?["error_description"]?.stringValue.map { " (\(Self.said($0, secrets: secrets)))" } ?? ""
            let kind: TracedeskError.Kind = (400...499).contains(response.status) ? .authenticationRefused : .podUnavailable
            throw TracedeskError(kind, "the identity domain refused the \(grant.name) grant for client \(settings.clientId): \(error)\(detail)")
        }
        // A bearer token is a printable word of some length: an empty, numeric or spaced answer is no token.
        guard Self.isPlausibleToken(token) else {
            throw TracedeskError(.authenticationRefused, "the identity domain answered the \(grant.name) grant with an access_token that is not a token "
                                 + "(\(token.isEmpty ? "empty" : "\(token.count) characters, not a bearer token's")); refused")
        }
        return TokenCache.Entry(
            accessToken: token,
            expiresAt: Self.expiry(of: json?["expires_in"], now: now().epochMilliseconds),
            refreshToken: json?["refresh_token"]?.stringValue ?? (grant.name == "refresh_token" ? nil : current?.refreshToken),
            scope: json?["scope"]?.stringValue ?? settings.scope)
    }

    /// When a token issued at `now` expires: `expires_in` seconds later (an hour when absent or
    /// not a number), at most ten years; 0 or less means expired at once, to be used only this time.
    static func expiry(of expiresIn: JSONValue?, now: Int64) -> Int64 {
        let seconds: Double = switch expiresIn {
        case nil, .some(.null): 3600
        case .some(let value): value.doubleValue ?? value.stringValue.flatMap(Double.init) ?? 3600
        }
        guard seconds.isFinite, seconds > 0 else { return now }
        return now + Int64(min(seconds, 315_360_000) * 1000)
    }

    /// Sends the user to sign in, waits for the code on a loopback port, and returns the exchange form.
    private func authorizationCode(port: Int?) async throws(TracedeskError) -> [(String, String)] {
        let receiver = try LoopbackReceiver(port: port ?? 0)
        let verifier = PKCE.verifier()
        let state = PKCE.verifier(length: 24)
        var components = URLComponents(url: settings.authorizeURL, resolvingAgainstBaseURL: false)!
        components.queryItems = [
            URLQueryItem(name: "response_type", value: "code"), URLQueryItem(name: "client_id", value: settings.clientId),
            URLQueryItem(name: "redirect_uri", value: receiver.redirectURI), URLQueryItem(name: "scope", value: settings.scope),
            URLQueryItem(name: "state", value: state), URLQueryItem(name: "code_challenge", value: PKCE.challenge(for: verifier)),
            URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        guard let url = components.url else { throw .badInput("cannot build the sign-in URL from \(settings.authorizeURL)") }
        await present(url)
        let code = try await receiver.waitForCode(state: state, timeout: .seconds(300))
        return [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", receiver.redirectURI),
                ("code_verifier", verifier)]
    }

    /// Whether `token` can be a bearer token: at least 16 characters of RFC 6750's token68
    /// alphabet (letters, digits, `-._~+/` and trailing `=`), not all of them digits.
    static func isPlausibleToken(_ token: String) -> Bool {
        guard token.utf8.count >= 16, token.utf8.count <= 64 << 10, !token.allSatisfy(\.isNumber) else { return false }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=".unicodeScalars)
        return token.unicodeScalars.allSatisfy { allowed.contains($0) }
    }

    /// What an identity domain said, fit for one line: control characters dropped, at most 200
    /// characters, and anything Tracedesk sent it (a secret, the Basic credentials, a password)
    /// masked, so that a server echoing the request cannot make Tracedesk print a secret.
    static func said(_ text: String, secrets: [String]) -> String {
        var line = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) }))
        for secret in secrets where secret.utf8.count >= 6 {
            line = line.replacingOccurrences(of: secret, with: "[redacted]")
            if let basic = secret.hasPrefix("Basic ") ? String(secret.dropFirst(6)) : nil, let decoded = Data(base64Encoded: basic) {
                for part in String(decoding: decoded, as: UTF8.self).split(separator: ":") where part.utf8.count >= 6 {
                    line = line.replacingOccurrences(of: String(part), with: "[redacted]")
                }
            }
        }
        return TextFormat.snippet(line, width: 200)
    }

    static func formEscape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
