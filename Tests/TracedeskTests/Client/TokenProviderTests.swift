import Foundation
import FusionSimulator
import Synchronization
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
import TracedeskClient
import TracedeskCommandLine
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases
#endif

@Suite("Token providers: every grant against the simulated identity domain, cached and refreshed")
struct TokenProviderTests {
    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("tracedesk-tokens-\(UUID().uuidString)")
    }

    @Test("client_credentials: a token, cached in a 0600 file and reused by the next process")
    func clientCredentialsCached() async throws {
        let transport = try SimulatorTransport()
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let cache = TokenCache(folder: folder)
        let first = try await transport.oauth(cache: cache).token(forceRefresh: false)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files.count == 1 && files[0].hasSuffix(".json"))
        let mode = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(files[0]).path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let requestsBefore = transport.requests.count
        let second = try await transport.oauth(cache: cache).token(forceRefresh: false)
        #expect(second == first, "a fresh cached token is reused")
        #expect(transport.requests.count == requestsBefore, "without asking the identity domain")
    }

    @Test("password with offline_access: refreshed ahead of expiry with the (rotated) refresh token")
    func refreshAheadOfExpiry() async throws {
        let transport = try SimulatorTransport(tokenLifetime: 300)
        let provider = OAuthTokenProvider(
            settings: OAuthSettings(tokenURL: SimulatorTransport.tokenURL, clientId: DemoCredentials.clientId,
                                    clientSecret: DemoCredentials.clientSecret, scope: "\(DemoCredentials.scope) offline_access",
                                    grant: .password(user: DemoCredentials.user, password: DemoCredentials.password)),
            transport: transport, cache: nil, now: { [clock = transport.wallClock] in Date(milliseconds: clock.now()) })
        let first = try await provider.token(forceRefresh: false)
        transport.wallClock.advance(byMilliseconds: 200_000)
        #expect(try await provider.token(forceRefresh: false) == first, "still 100 s to go")
        transport.wallClock.advance(byMilliseconds: 50_000)
        let second = try await provider.token(forceRefresh: false)
        #expect(second != first, "within 60 s of expiry: refreshed")
        let grants = transport.requests.compactMap { String(decoding: $0.body ?? Data(), as: UTF8.self).firstMatch(of: /grant_type=([a-z_]+)/).map { String($0.1) } }
        #expect(grants == ["password", "refresh_token"])
        let info = try await provider.info()
        #expect(info.subject == DemoCredentials.user)
        #expect(info.hasRefreshToken)
    }

    @Test("the JWT user assertion, signed with the demo key; a wrong secret is refused as authentication")
    func jwtAndRefusals() async throws {
        let transport = try SimulatorTransport()
        let key = try String(contentsOf: SimulatorTransport.scenarios.deletingLastPathComponent().appendingPathComponent("keys/demo-assertion-private.pem"), encoding: .utf8)
        let jwt = transport.oauth(.jwtAssertion(user: "jordan.lee", privateKeyPEM: key, keyId: "demo"))
        #expect(try await jwt.info().subject == "jordan.lee")

        await #expect(throws: TracedeskError.self) { try await transport.oauth(secret: "wrong").token(forceRefresh: false) }
        do {
            _ = try await transport.oauth(secret: "wrong").token(forceRefresh: false)
        } catch {
            #expect(error.kind == .authenticationRefused)
            #expect(error.message.contains("invalid_client"))
            #expect(!error.message.contains("wrong"), "a secret never appears in a message")
        }
        do {
            _ = try await transport.oauth(.password(user: DemoCredentials.user, password: "guess")).token(forceRefresh: false)
        } catch {
            #expect(error.kind == .authenticationRefused && error.message.contains("invalid_grant"))
        }
        #expect(throws: TracedeskError.self) {
            _ = try JWTAssertion.make(clientId: "c", user: "u", privateKeyPEM: "not a key", keyId: nil)
        }
    }

    @Test("authorization_code with PKCE: the user signs in in a browser, the code comes back to a loopback port")
    func authorizationCode() async throws {
        let transport = try SimulatorTransport()
        let shown = Locked<[URL]>([])
        let provider = OAuthTokenProvider(
            settings: OAuthSettings(tokenURL: SimulatorTransport.tokenURL, clientId: DemoCredentials.publicClientId, clientSecret: nil,
                                    scope: "\(DemoCredentials.scope) offline_access", grant: .authorizationCode(redirectPort: nil)),
            transport: transport, cache: nil, now: { [clock = transport.wallClock] in Date(milliseconds: clock.now()) },
            present: { url in
                shown.withLock { $0.append(url) }
                // The browser, a process of its own: the identity domain's page redirects it to the loopback port.
                Task.detached {
                    let query = Dictionary((URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? [])
                        .map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
                    let page = await transport.pod.authorize(query: query)
                    guard let location = page.headers.first(where: { $0.0 == "Location" })?.1, let target = URL(string: location) else { return }
                    _ = try? await URLSession.shared.data(from: target)
                }
            })
        let info = try await provider.info()
        #expect(info.subject == DemoCredentials.user)
        #expect(info.hasRefreshToken, "offline_access: later runs refresh without a browser")
        let url = try #require(shown.withLock { $0.first })
        #expect(url.path == "/oauth2/v1/authorize")
        let items = URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []
        #expect(items.first { $0.name == "code_challenge_method" }?.value == "S256")
        #expect(items.first { $0.name == "redirect_uri" }?.value?.hasPrefix("http://127.0.0.1:") == true)
        let exchange = String(decoding: transport.requests.last?.body ?? Data(), as: UTF8.self)
        #expect(exchange.contains("grant_type=authorization_code") && exchange.contains("code_verifier="))
        #expect(transport.requests.last?.headers["Authorization"] == nil, "a public client sends no secret")
    }

    @Test("a sign-in that comes back with an error or a foreign state is refused")
    func loopbackRefusals() async throws {
        let receiver = try LoopbackReceiver()
        Task.detached {
            _ = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(receiver.port)/favicon.ico")!)
            _ = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(receiver.port)/callback?code=abc&state=other")!)
        }
        do {
            _ = try await receiver.waitForCode(state: "mine", timeout: .seconds(20))
            Issue.record("a foreign state was accepted")
        } catch {
            #expect(error.kind == .authenticationRefused)
            #expect(error.message.contains("another state"))
        }
    }

    @Test("a static token cannot be refreshed: a 401 is final")
    func staticToken() async throws {
        let provider = StaticTokenProvider("  abc\n")
        #expect(try await provider.token(forceRefresh: false) == "abc")
        await #expect(throws: TracedeskError.self) { try await provider.token(forceRefresh: true) }
    }

    @Test("credentials are found in their documented order, secrets only in files and the environment")
    func credentialSources() throws {
        let pod = URL(string: "https://fa-abcd-saasfaprod1.fa.ocs.oraclecloud.com")!
        let environment = ["TRACEDESK_CLIENT_SECRET": "s3cret", "TRACEDESK_PASSWORD": "pw"]
        let oauth = try #require(try PodSettings(flags: [.tokenURL: "https://idcs.example.com/oauth2/v1/token", .clientId: "cid",
                                                                 .grant: "password", .user: "casey"], environment: environment).oauthSettings(pod: pod))
        #expect(oauth.clientSecret == "s3cret")
        #expect(oauth.scope == "urn:opc:resource:fusion:fa-abcd-saasfaprod1:fusion-ai/")
        guard case .password("casey", "pw") = oauth.grant else { Issue.record("password grant expected"); return }
        #expect(try PodSettings(flags: [.tokenURL: "https://x/t", .clientId: "c"], environment: ["TRACEDESK_TOKEN": "t"]).oauthSettings(pod: pod) == nil,
                "a static token comes first")
        #expect(throws: TracedeskError.badInput("no credentials: give --token-file, set TRACEDESK_TOKEN, or name an OAuth client with --token-url and --client-id (or a --profile)")) {
            try PodSettings(environment: [:]).oauthSettings(pod: pod)
        }
        #expect(throws: TracedeskError.badInput("--grant password needs the password in TRACEDESK_PASSWORD or --password-file")) {
            try PodSettings(flags: [.tokenURL: "https://x/t", .clientId: "c", .grant: "password", .user: "u"], environment: [:]).oauthSettings(pod: pod)
        }
        #expect(throws: TracedeskError.badInput("--grant takes client_credentials, password, refresh_token, jwt, authorization_code, not magic")) {
            try PodSettings(flags: [.tokenURL: "https://x/t", .clientId: "c", .grant: "magic"], environment: [:]).oauthSettings(pod: pod)
        }
    }
}
