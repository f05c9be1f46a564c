import Crypto
import Foundation
import _CryptoExtras

extension SimulatedPod {
    static let jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    static let assertionAudiences: Set<String> = ["oauth.idm.oracle.com", "https://identity.oraclecloud.com/"]

    // MARK: Bearer tokens on the agent endpoints

    static func bearer(_ authorization: String?) -> String? {
        guard let authorization, authorization.lowercased().hasPrefix("bearer ") else { return nil }
        let token = authorization.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    static func invalidToken(_ description: String) -> PodResponse {
        PodResponse.json(401, .object([("title", .string("Unauthorized")), ("status", .int(401)),
                                       ("detail", .string(description))]),
                         headers: [("WWW-Authenticate", #"Bearer error="invalid_token", error_description="\#(description)""#)])
    }

    /// 401 unless the request carries a live access token.
    func checkToken(_ authorization: String?) -> PodResponse? {
        guard let token = Self.bearer(authorization) else { return Self.invalidToken("The request has no bearer token.") }
        guard let issued = accessTokens[token] else { return Self.invalidToken("The access token is not valid.") }
        if issued.expiresAt <= wallClock.now() {
            accessTokens[token] = nil
            return Self.invalidToken("The access token expired.")
        }
        return nil
    }

    // MARK: POST /oauth2/v1/token

    /// The token endpoint: form-encoded, the client authenticated by HTTP Basic or form fields.
    public func token(form: [String: String], authorization: String?) -> PodResponse {
        guard let grant = form["grant_type"], !grant.isEmpty else {
            return .oauthError(400, "invalid_request", "grant_type is missing")
        }
        let credentials = Self.clientCredentials(authorization: authorization, form: form)
        guard let clientId = credentials.id, let client = configuration.clients.first(where: { $0.id == clientId }) else {
            return .oauthError(401, "invalid_client", "unknown client or no client authentication")
        }
        // A confidential client must prove its secret; a public one may only use PKCE.
        if let secret = client.secret {
            guard credentials.secret == secret else { return .oauthError(401, "invalid_client", "client authentication failed") }
        } else if grant != "authorization_code" && grant != "refresh_token" {
            return .oauthError(401, "invalid_client", "a public client may only use the authorization code grant with PKCE")
        }
        let scope = form["scope"] ?? DemoCredentials.scope
        if let problem = Self.scopeProblem(scope) { return .oauthError(400, "invalid_scope", problem) }

        switch grant {
        case "client_credentials":
            return issue(subject: clientId, clientId: clientId, scope: scope, refresh: false)
        case "password":
            guard let user = form["username"], let password = form["password"] else {
                return .oauthError(400, "invalid_request", "username and password are required")
            }
            guard configuration.users[user] == password else {
                return .oauthError(400, "invalid_grant", "the user name or password is wrong")
            }
            return issue(subject: user, clientId: clientId, scope: scope, refresh: scope.contains("offline_access"))
        case "refresh_token":
            guard let presented = form["refresh_token"] else { return .oauthError(400, "invalid_request", "refresh_token is required") }
            guard let previous = refreshTokens[presented], previous.clientId == clientId else {
                return .oauthError(400, "invalid_grant", "the refresh token is not valid")
            }
            refreshTokens[presented] = nil // rotated: each refresh token works once
            guard previous.expiresAt > wallClock.now() else { return .oauthError(400, "invalid_grant", "the refresh token expired") }
            return issue(subject: previous.subject, clientId: clientId,
                         scope: form["scope"] == nil ? previous.scope : scope, refresh: true)
        case Self.jwtBearerGrant:
            guard let assertion = form["assertion"] else { return .oauthError(400, "invalid_request", "assertion is required") }
            switch verifyAssertion(assertion, client: client) {
            case .failure(let problem): return .oauthError(400, "invalid_grant", problem.reason)
            case .success(let subject): return issue(subject: subject, clientId: clientId, scope: scope, refresh: scope.contains("offline_access"))
            }
        case "authorization_code":
            guard let code = form["code"], let verifier = form["code_verifier"], let redirect = form["redirect_uri"] else {
                return .oauthError(400, "invalid_request", "code, code_verifier and redirect_uri are required")
            }
            guard let pending = authorizationCodes.removeValue(forKey: code), pending.expiresAt > wallClock.now() else {
                return .oauthError(400, "invalid_grant", "the authorization code is not valid or expired")
            }
            guard pending.clientId == clientId, pending.redirectURI == redirect else {
                return .oauthError(400, "invalid_grant", "the code was issued to another client or redirect_uri")
            }
            guard Self.s256(verifier) == pending.challenge else {
                return .oauthError(400, "invalid_grant", "code_verifier does not match the code_challenge")
            }
            return issue(subject: pending.subject, clientId: clientId, scope: pending.scope, refresh: pending.scope.contains("offline_access"))
        default:
            return .oauthError(400, "unsupported_grant_type", "grant_type \(grant) is not supported")
        }
    }

    private func issue(subject: String, clientId: String, scope: String, refresh: Bool) -> PodResponse {
        let now = wallClock.now()
        let lifetime = configuration.tokenLifetime
        let expiresAt = now + Int64(lifetime) * 1000
        let access = accessTokenText(subject: subject, clientId: clientId, scope: scope, issuedAt: now, expiresAt: expiresAt)
        accessTokens[access] = IssuedToken(subject: subject, clientId: clientId, scope: scope, expiresAt: expiresAt)
        var members: [(String, PodJSON)] = [
            ("access_token", .string(access)), ("token_type", .string("Bearer")),
            ("expires_in", .int(Int64(lifetime))), ("scope", .string(scope)),
        ]
        if refresh {
            let token = random.token(bytes: 32)
            let refreshLifetime = configuration.refreshTokenLifetime
            refreshTokens[token] = IssuedToken(subject: subject, clientId: clientId, scope: scope,
                                               expiresAt: now + Int64(refreshLifetime) * 1000)
            members += [("refresh_token", .string(token)), ("refresh_expires_in", .int(Int64(refreshLifetime)))]
        }
        logger.info("token", metadata: ["client": "\(clientId)", "subject": "\(subject)"])
        return .json(200, .object(members), headers: [("Cache-Control", "no-store")])
    }

    /// An access token shaped like an identity domain's: a JWT (HS256 with the pod's own key) whose
    /// claims say who, for which client and scope, and until when, so a client can show them.
    private func accessTokenText(subject: String, clientId: String, scope: String, issuedAt: Int64, expiresAt: Int64) -> String {
        let header = PodJSON.object([("alg", .string("HS256")), ("typ", .string("JWT")), ("kid", .string("simulator"))])
        let claims = PodJSON.object([
            ("iss", .string("https://identity.simulator.oraclecloud.com/")), ("sub", .string(subject)),
            ("client_id", .string(clientId)), ("scope", .string(scope)), ("aud", .string(DemoCredentials.scope)),
            ("iat", .int(issuedAt / 1000)), ("exp", .int(expiresAt / 1000)), ("jti", .string(random.uuid())),
        ])
        let signingInput = Self.base64URL(Data(header.text.utf8)) + "." + Self.base64URL(Data(claims.text.utf8))
        let key = SymmetricKey(data: Data("tracedesk-simulator-\(configuration.seed)".utf8))
        let signature = HMAC<SHA256>.authenticationCode(for: Data(signingInput.utf8), using: key)
        return signingInput + "." + Self.base64URL(Data(signature))
    }

    // MARK: The JWT user assertion

    struct AssertionProblem: Error {
        var reason: String
    }

    /// Checks an RS256 user assertion: signature against the client's public key, then `iss`
    /// (the client), `sub` (a known user), `aud` and `exp`. Returns the user.
    func verifyAssertion(_ assertion: String, client: PodConfiguration.Client) -> Result<String, AssertionProblem> {
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let headerData = Self.decodeBase64URL(parts[0]), let claimsData = Self.decodeBase64URL(parts[1]),
              let signature = Self.decodeBase64URL(parts[2]),
              let header = PodJSON.parse(headerData), let claims = PodJSON.parse(claimsData) else {
            return .failure(.init(reason: "the assertion is not a JWT"))
        }
        guard header["alg"]?.string == "RS256" else { return .failure(.init(reason: "the assertion must be signed with RS256")) }
        guard let pem = client.assertionPublicKey, let key = try? _RSA.Signing.PublicKey(pemRepresentation: pem) else {
            return .failure(.init(reason: "no public key is registered for client \(client.id)"))
        }
        let signed = Data("\(parts[0]).\(parts[1])".utf8)
        guard key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: signed, padding: .insecurePKCS1v1_5) else {
            return .failure(.init(reason: "the assertion's signature does not verify"))
        }
        guard claims["iss"]?.string == client.id else { return .failure(.init(reason: "the assertion's iss is not the client id")) }
        guard let subject = claims["sub"]?.string, configuration.users[subject] != nil else {
            return .failure(.init(reason: "the assertion's sub is not a known user"))
        }
        let audiences: [String]
        switch claims["aud"] {
        case .string(let one)?: audiences = [one]
        case .array(let many)?: audiences = many.compactMap(\.string)
        default: audiences = []
        }
        guard audiences.contains(where: Self.assertionAudiences.contains) else {
            return .failure(.init(reason: "the assertion's aud must name oauth.idm.oracle.com or https://identity.oraclecloud.com/"))
        }
        guard let exp = claims["exp"]?.int, exp * 1000 > wallClock.now() else {
            return .failure(.init(reason: "the assertion expired"))
        }
        return .success(subject)
    }

    // MARK: GET /oauth2/v1/authorize

    /// The authorization endpoint of the code grant: the demo user consents at once and the
    /// browser is sent to the client's loopback `redirect_uri` with a code (PKCE S256 required).
    public func authorize(query: [String: String]) -> PodResponse {
        guard query["response_type"] == "code" else { return .oauthError(400, "unsupported_response_type", "response_type must be code") }
        guard let clientId = query["client_id"], configuration.clients.contains(where: { $0.id == clientId }) else {
            return .oauthError(400, "invalid_request", "unknown client_id")
        }
        guard let redirect = query["redirect_uri"], let url = URL(string: redirect),
              url.scheme == "http", ["127.0.0.1", "localhost", "::1", "[::1]"].contains(url.host ?? "") else {
            return .oauthError(400, "invalid_request", "redirect_uri must be a loopback http URL")
        }
        guard let challenge = query["code_challenge"], query["code_challenge_method"] == "S256" else {
            return .oauthError(400, "invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256")
        }
        let user = query["login_hint"].flatMap { configuration.users[$0] != nil ? $0 : nil } ?? DemoCredentials.user
        let code = random.token(bytes: 18)
        authorizationCodes[code] = PendingCode(clientId: clientId, redirectURI: redirect, challenge: challenge, subject: user,
                                               scope: query["scope"] ?? DemoCredentials.scope, expiresAt: wallClock.now() + 60_000)
        var components = URLComponents(string: redirect)!
        components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "code", value: code)]
            + (query["state"].map { [URLQueryItem(name: "state", value: $0)] } ?? [])
        return PodResponse(status: 302, headers: [("Location", components.string ?? redirect)])
    }

    // MARK: Helpers

    static func clientCredentials(authorization: String?, form: [String: String]) -> (id: String?, secret: String?) {
        if let authorization, authorization.lowercased().hasPrefix("basic "),
           let data = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
           let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") {
            let id = String(text[..<colon]).removingPercentEncoding ?? String(text[..<colon])
            let secret = String(text[text.index(after: colon)...]).removingPercentEncoding ?? String(text[text.index(after: colon)...])
            return (id, secret)
        }
        return (form["client_id"], form["client_secret"])
    }

    static func scopeProblem(_ scope: String) -> String? {
        for word in scope.split(separator: " ") where word != "offline_access" {
            if !(word.hasPrefix("urn:opc:resource:fusion:") && word.hasSuffix("fusion-ai/")) {
                return "scope \(word) is not granted to this client; use urn:opc:resource:fusion:{pod}:fusion-ai/"
            }
        }
        return nil
    }

    static func s256(_ verifier: String) -> String {
        base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
