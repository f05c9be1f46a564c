import Crypto
import Foundation
import Testing
import _CryptoExtras
@testable import FusionSimulator

@Suite("The token endpoint: every grant, good and bad credentials, expiry")
struct TokenEndpointTests {
    let fixture: PodFixture

    init() throws { fixture = try PodFixture(tokenLifetime: 120) }

    func token(_ form: [String: String], authorization: String? = PodFixture.basic()) async throws -> (PodResponse, PodJSON) {
        let answer = await fixture.pod.token(form: form, authorization: authorization)
        return (answer, try fixture.json(answer))
    }

    /// The claims of an access token (a JWT).
    func claims(_ token: String?) throws -> PodJSON {
        let part = try #require(token?.split(separator: ".").dropFirst().first)
        let data = try #require(SimulatedPod.decodeBase64URL(String(part)))
        return try #require(PodJSON.parse(data))
    }

    @Test("client_credentials with HTTP Basic or form fields; a wrong secret is invalid_client")
    func clientCredentials() async throws {
        let (answer, body) = try await token(["grant_type": "client_credentials", "scope": DemoCredentials.scope])
        #expect(answer.status == 200)
        #expect(body["token_type"]?.string == "Bearer")
        #expect(body["expires_in"]?.int == 120)
        #expect(body["refresh_token"] == nil)
        #expect(try claims(body["access_token"]?.string)["sub"]?.string == DemoCredentials.clientId)

        let (form, _) = try await token(["grant_type": "client_credentials", "client_id": DemoCredentials.clientId,
                                         "client_secret": DemoCredentials.clientSecret], authorization: nil)
        #expect(form.status == 200)

        let (wrong, error) = try await token(["grant_type": "client_credentials"], authorization: PodFixture.basic(DemoCredentials.clientId, "nope"))
        #expect(wrong.status == 401)
        #expect(error["error"]?.string == "invalid_client")
        #expect(wrong.headers.contains { $0.0 == "WWW-Authenticate" })
        let (unknown, _) = try await token(["grant_type": "client_credentials"], authorization: PodFixture.basic("who", "x"))
        #expect(unknown.status == 401)
    }

    @Test("password: the user's token, a refresh token with offline_access; a wrong password is invalid_grant")
    func password() async throws {
        let (answer, body) = try await token(["grant_type": "password", "username": DemoCredentials.user,
                                              "password": DemoCredentials.password, "scope": "\(DemoCredentials.scope) offline_access"])
        #expect(answer.status == 200)
        #expect(body["refresh_token"]?.string != nil)
        #expect(try claims(body["access_token"]?.string)["sub"]?.string == DemoCredentials.user)
        let (bad, error) = try await token(["grant_type": "password", "username": DemoCredentials.user, "password": "guess"])
        #expect(bad.status == 400 && error["error"]?.string == "invalid_grant")
        let (missing, missingError) = try await token(["grant_type": "password", "username": DemoCredentials.user])
        #expect(missing.status == 400 && missingError["error"]?.string == "invalid_request")
    }

    @Test("refresh_token rotates: the new refresh token works, the old one no longer does")
    func refreshRotation() async throws {
        let (_, first) = try await token(["grant_type": "password", "username": DemoCredentials.user,
                                          "password": DemoCredentials.password, "scope": "offline_access"])
        let original = try #require(first["refresh_token"]?.string)
        let (answer, second) = try await token(["grant_type": "refresh_token", "refresh_token": original])
        #expect(answer.status == 200)
        let rotated = try #require(second["refresh_token"]?.string)
        #expect(rotated != original)
        #expect(try claims(second["access_token"]?.string)["sub"]?.string == DemoCredentials.user)
        let (reused, error) = try await token(["grant_type": "refresh_token", "refresh_token": original])
        #expect(reused.status == 400 && error["error"]?.string == "invalid_grant")
        let (again, _) = try await token(["grant_type": "refresh_token", "refresh_token": rotated])
        #expect(again.status == 200)
    }

    /// An RS256 user assertion signed with `samples/keys/demo-assertion-private.pem` (or another key).
    func assertion(iss: String = DemoCredentials.clientId, sub: String = DemoCredentials.user,
                   aud: [String] = ["oauth.idm.oracle.com", "https://identity.oraclecloud.com/"],
                   expiresIn seconds: Int64 = 300, key: _RSA.Signing.PrivateKey? = nil) throws -> String {
        let pem = try String(contentsOf: PodFixture.repository.appendingPathComponent("samples/keys/demo-assertion-private.pem"), encoding: .utf8)
        let signingKey = try key ?? _RSA.Signing.PrivateKey(pemRepresentation: pem)
        let now = fixture.wallClock.now() / 1000
        let header = PodJSON.object([("alg", .string("RS256")), ("typ", .string("JWT")), ("kid", .string("demo"))])
        let claims = PodJSON.object([("iss", .string(iss)), ("sub", .string(sub)), ("jti", .string(UUID().uuidString)),
                                     ("iat", .int(now)), ("exp", .int(now + seconds)), ("aud", .array(aud.map(PodJSON.string)))])
        let input = SimulatedPod.base64URL(Data(header.text.utf8)) + "." + SimulatedPod.base64URL(Data(claims.text.utf8))
        let signature = try signingKey.signature(for: Data(input.utf8), padding: .insecurePKCS1v1_5)
        return input + "." + SimulatedPod.base64URL(signature.rawRepresentation)
    }

    @Test("the JWT user assertion: a good one gives the user's token; each bad claim or signature is refused")
    func jwtAssertion() async throws {
        let grant = SimulatedPod.jwtBearerGrant
        let (answer, body) = try await token(["grant_type": grant, "assertion": try assertion(), "scope": DemoCredentials.scope])
        #expect(answer.status == 200, "\(answer.body)")
        #expect(try claims(body["access_token"]?.string)["sub"]?.string == DemoCredentials.user)

        let otherKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let refused: [(String, String)] = [
            (try assertion(key: otherKey), "signature does not verify"),
            (try assertion(iss: "someone-else"), "iss"),
            (try assertion(sub: "nobody"), "sub"),
            (try assertion(aud: ["https://example.com"]), "aud"),
            (try assertion(expiresIn: -10), "expired"),
            ("not.a.jwt", "not a JWT"),
        ]
        for (text, reason) in refused {
            let (bad, error) = try await token(["grant_type": grant, "assertion": text])
            #expect(bad.status == 400, "\(reason)")
            #expect(error["error"]?.string == "invalid_grant")
            #expect(error["error_description"]?.string?.contains(reason) == true, "\(reason): \(bad.body)")
        }
    }

    @Test("authorization_code with PKCE: the authorize redirect, the exchange, and what it refuses")
    func authorizationCode() async throws {
        let verifier = "a-very-long-code-verifier-0123456789-abcdefghijklmnop"
        let challenge = SimulatedPod.s256(verifier)
        let redirect = "http://127.0.0.1:53682/callback"
        let query = ["response_type": "code", "client_id": DemoCredentials.publicClientId, "redirect_uri": redirect,
                     "code_challenge": challenge, "code_challenge_method": "S256", "state": "xyz", "scope": "\(DemoCredentials.scope) offline_access"]
        let authorize = await fixture.pod.authorize(query: query)
        #expect(authorize.status == 302)
        let location = try #require(authorize.headers.first { $0.0 == "Location" }?.1)
        let items = URLComponents(string: location)?.queryItems ?? []
        #expect(location.hasPrefix(redirect + "?"))
        #expect(items.first { $0.name == "state" }?.value == "xyz")
        let code = try #require(items.first { $0.name == "code" }?.value)

        let exchange = ["grant_type": "authorization_code", "client_id": DemoCredentials.publicClientId,
                        "code": code, "redirect_uri": redirect]
        var wrong = exchange
        wrong["code_verifier"] = "another-verifier"
        let (mismatch, mismatchError) = try await token(wrong, authorization: nil)
        #expect(mismatch.status == 400 && mismatchError["error_description"]?.string?.contains("code_verifier") == true)

        // The failed attempt used the code up, as a one-time code must be.
        let second = await fixture.pod.authorize(query: query)
        let freshCode = try #require(URLComponents(string: second.headers.first { $0.0 == "Location" }!.1)?.queryItems?.first { $0.name == "code" }?.value)
        var good = exchange
        good["code"] = freshCode
        good["code_verifier"] = verifier
        let (answer, body) = try await token(good, authorization: nil)
        #expect(answer.status == 200, "\(answer.body)")
        #expect(body["refresh_token"]?.string != nil)
        let (reused, _) = try await token(good, authorization: nil)
        #expect(reused.status == 400)

        var remote = query
        remote["redirect_uri"] = "https://evil.example.com/cb"
        #expect(await fixture.pod.authorize(query: remote).status == 400)
        var plain = query
        plain["code_challenge_method"] = nil
        #expect(await fixture.pod.authorize(query: plain).status == 400)
        let (publicClient, _) = try await token(["grant_type": "client_credentials", "client_id": DemoCredentials.publicClientId], authorization: nil)
        #expect(publicClient.status == 401, "a public client may not use client_credentials")
    }

    @Test("unknown grants and scopes are refused with RFC 6749 errors")
    func unsupported() async throws {
        let (grant, grantError) = try await token(["grant_type": "implicit"])
        #expect(grant.status == 400 && grantError["error"]?.string == "unsupported_grant_type")
        let (scope, scopeError) = try await token(["grant_type": "client_credentials", "scope": "urn:other:thing"])
        #expect(scope.status == 400 && scopeError["error"]?.string == "invalid_scope")
        let (missing, missingError) = try await token([:])
        #expect(missing.status == 400 && missingError["error"]?.string == "invalid_request")
    }

    @Test("tokens expire: after their lifetime the agent endpoints answer 401")
    func expiry() async throws {
        let bearer = try await fixture.bearer()
        let (jobId, _) = try await fixture.start("PRODUCT_COMPARISON_ADVISOR_COE")
        #expect(await fixture.status("PRODUCT_COMPARISON_ADVISOR_COE", jobId, bearer: bearer).status == 200)
        fixture.wallClock.advance(byMilliseconds: 120_000)
        let expired = await fixture.status("PRODUCT_COMPARISON_ADVISOR_COE", jobId, bearer: bearer)
        #expect(expired.status == 401)
        #expect(expired.body.contains("expired"))
        #expect(await fixture.status("PRODUCT_COMPARISON_ADVISOR_COE", jobId, bearer: "Bearer forged").status == 401)
        #expect(await fixture.status("PRODUCT_COMPARISON_ADVISOR_COE", jobId, bearer: "").status == 401)
    }
}
