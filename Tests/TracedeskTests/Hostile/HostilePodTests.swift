import Foundation
import FusionSimulator
import InProcessPod
import Testing
@testable import TracedeskClient
import TracedeskCommandLine
import TracedeskModel
import TracedeskUseCases

/// A pod (or identity domain) that answers to hurt: redirects elsewhere, absurd waits and
/// lifetimes, another job's body, names that would steer a request (issue 15).
@Suite("A hostile pod")
struct HostilePodTests {
    static let pod = URL(string: "https://fa-good.example.com")!

    func answer(_ status: Int, _ headers: [String: String] = [:], _ body: String = "") -> HTTPResponseData {
        HTTPResponseData(status: status, headers: headers, body: Data(body.utf8))
    }

    // MARK: Redirects

    @Test("a redirect to another origin is refused before anything is sent there, token or secret")
    func crossOriginRedirects() async throws {
        for location in ["https://evil.example.com/steal", "http://fa-good.example.com/x", "https://fa-good.example.com:8443/x"] {
            let backend = CapturingTransport(host: "fa-good.example.com", answers: [answer(307, ["Location": location])])
            let client = AgentClient(pod: Self.pod, team: "XX_TEAM", transport: RedirectPolicy(inner: backend),
                                     tokens: StaticTokenProvider("secret-token"), retry: RetryPolicy(maxAttempts: 1))
            let error = await #expect(throws: TracedeskError.self) { _ = try await client.invoke(InvokeRequest(message: "hi")) }
            #expect(error?.kind == .podUnavailable)
            #expect(error?.message.contains("redirected (307) to another origin") == true, "\(location): \(error?.message ?? "")")
            #expect(error?.isTransient == false)
            #expect(backend.requests.count == 1, "nothing went to \(location)")
        }
        // The token endpoint's 307 would carry the client's secret as Basic auth.
        let identity = CapturingTransport(host: "idcs.example.com", answers: [answer(307, ["Location": "https://evil.example.com/token"])])
        let provider = OAuthTokenProvider(
            settings: OAuthSettings(tokenURL: URL(string: "https://idcs.example.com/oauth2/v1/token")!, clientId: "c",
                                    clientSecret: "s3cret", scope: "urn:x", grant: .clientCredentials),
            transport: RedirectPolicy(inner: identity), cache: nil)
        let refused = await #expect(throws: TracedeskError.self) { _ = try await provider.token(forceRefresh: true) }
        #expect(refused?.message.contains("another origin, https://evil.example.com:443") == true, "\(refused?.message ?? "")")
        #expect(identity.requests.count == 1)
    }

    @Test("same origin: 307 and 308 repeat the POST with its body; 301 and 302 never turn it into a GET")
    func sameOriginRedirects() async throws {
        let moved = CapturingTransport(host: "fa-good.example.com", answers: [
            answer(308, ["Location": "/api/fusion-ai/orchestrator/agent/v1/XX_TEAM/invokeAsync2"]),
            answer(200, [:], #"{"jobId": "j-1", "status": "RUNNING"}"#),
        ])
        let client = AgentClient(pod: Self.pod, team: "XX_TEAM", transport: RedirectPolicy(inner: moved),
                                 tokens: StaticTokenProvider("t"), retry: RetryPolicy(maxAttempts: 1))
        #expect(try await client.invoke(InvokeRequest(message: "hi")).body.jobId == "j-1")
        #expect(moved.requests.map(\.method) == ["POST", "POST"])
        #expect(moved.requests[1].body == moved.requests[0].body)
        #expect(moved.requests[1].url.path.hasSuffix("/invokeAsync2"))

        let found = CapturingTransport(host: "fa-good.example.com", answers: [answer(302, ["Location": "/login"])])
        let posting = AgentClient(pod: Self.pod, team: "XX_TEAM", transport: RedirectPolicy(inner: found),
                                  tokens: StaticTokenProvider("t"), retry: RetryPolicy(maxAttempts: 1))
        let error = await #expect(throws: TracedeskError.self) { _ = try await posting.invoke(InvokeRequest(message: "hi")) }
        #expect(error?.message.hasSuffix("refused rather than sending it again as a GET") == true)
        #expect(found.requests.map(\.method) == ["POST"])
    }

    @Test("from the command line: a pod that redirects elsewhere is exit 5 in one line, and nothing is recorded")
    func redirectingPod() async throws {
        let folder = try TemporaryFolder()
        let tracedesk = try CommandLineHarness.withPod(in: folder.url, faults: ["XX_WORKER_CARD": [
            FaultRule(kind: .redirect, on: "invoke", statusCode: 301, location: "https://evil.example.com/collect"),
        ]])
        let result = await tracedesk.run(["invoke", "XX_WORKER_CARD", "hi"])
        #expect(result.status == 5)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("to another origin, https://evil.example.com:443"))
        #expect(JSONValue(parsing: await tracedesk.run(["runs", "--json"]).stdout)?.arrayValue?.isEmpty ?? true)
    }

    // MARK: Names that steer requests

    @Test("a team code that is not a plain code is refused, even from an imported body; path segments are encoded")
    func steeringNames() async throws {
        let folder = try TemporaryFolder()
        let tracedesk = try CommandLineHarness.withPod(in: folder.url)
        let typed = await tracedesk.run(["invoke", "../../hcmRestApi/resources/latest/evil", "hi"])
        #expect(typed.status == 2)
        #expect(typed.stderr.contains("is not a team code: '.' is not allowed (letters, digits, _ and - only"), "\(typed.stderr)")
        let body = #"{"jobId": "steer-1", "status": "WAITING", "workflowCode": "../../../../hcmRestApi/resources/latest/evil"}"#
        try body.write(toFile: folder.path("steer.json"), atomically: true, encoding: .utf8)
        #expect(await tracedesk.run(["import", folder.path("steer.json")]).status == 0)
        let resumed = await tracedesk.run(["resume", "last", "--approve"])
        #expect(resumed.status == 2, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("is not a team code"))

        let captured = CapturingTransport(host: "fa-good.example.com", answers: [answer(200, [:], #"{"jobId": "a/../b?x", "status": "RUNNING"}"#)])
        let client = AgentClient(pod: Self.pod, team: "XX_TEAM", transport: captured, tokens: StaticTokenProvider("t"))
        _ = try await client.status(jobId: "a/../b?x")
        #expect(captured.requests.first?.url.absoluteString
                == "https://fa-good.example.com/api/fusion-ai/orchestrator/agent/v1/XX_TEAM/status/a%2F%2E%2E%2Fb%3Fx?invocationMode=ADMIN")
    }

    // MARK: Answers about something else

    @Test("a pod that answers about another job is refused: exit 5 at once, not recorded as the run")
    func mismatchedJob() async throws {
        let folder = try TemporaryFolder()
        let tracedesk = try CommandLineHarness.withPod(in: folder.url, faults: ["XX_WORKER_CARD": [
            FaultRule(kind: .mismatchedJob, on: "status", count: 100),
        ]])
        let result = await tracedesk.run(["invoke", "XX_WORKER_CARD", "hi"])
        #expect(result.status == 5, "\(result.stderr)")
        #expect(result.stderr.contains("when asked about job"))
        let runs = JSONValue(parsing: await tracedesk.run(["runs", "--json"]).stdout)?.arrayValue ?? []
        #expect(runs.count == 1, "only the job that was started")
        #expect(runs.first?["status"]?.stringValue == "RUNNING")
    }

    // MARK: Time

    @Test("a Retry-After beyond --timeout ends the command at once: exit 3 with the poll command")
    func retryAfterBeyondTimeout() async throws {
        let folder = try TemporaryFolder()
        let tracedesk = try CommandLineHarness.withPod(in: folder.url, faults: ["XX_WORKER_CARD": [
            FaultRule(kind: .tooManyRequests, on: "status", count: 100, retryAfter: "3600"),
        ]])
        let result = await tracedesk.run(["invoke", "XX_WORKER_CARD", "hi", "--timeout", "10"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("the pod asks to wait 1 h 0 min (Retry-After)") || result.stderr.contains("(Retry-After)"), "\(result.stderr)")
        #expect(result.stderr.contains("tracedesk poll "))
    }

    @Test("Retry-After and expires_in of any text: finite, capped, and never a trap")
    func absurdValues() {
        let now: Int64 = 1_773_341_443_081
        #expect(RetryAfter.parse("2", now: now) == .seconds(2))
        #expect(RetryAfter.parse("1e300", now: now) == RetryAfter.maximum)
        for text in ["inf", "nan", "-5", "soon", ""] { #expect(RetryAfter.parse(text, now: now) == nil, "\(text)") }
        #expect(RetryAfter.parse("Wed, 18 Mar 2026 11:00:00 GMT", now: now) != nil)
        #expect(OAuthTokenProvider.expiry(of: .number(1e16), now: now) == now + 315_360_000_000)
        #expect(OAuthTokenProvider.expiry(of: .integer(.max), now: now) == now + 315_360_000_000)
        #expect(OAuthTokenProvider.expiry(of: .integer(0), now: now) == now, "0 means expired now")
        #expect(OAuthTokenProvider.expiry(of: .integer(-60), now: now) == now)
        #expect(OAuthTokenProvider.expiry(of: .string("nan"), now: now) == now)
        #expect(OAuthTokenProvider.expiry(of: nil, now: now) == now + 3_600_000)
    }

    @Test("auth check asks the identity domain, so --record keeps the exchange")
    func authCheckRecords() async throws {
        let folder = try TemporaryFolder()
        let tracedesk = try CommandLineHarness.withPod(in: folder.url)
        _ = await tracedesk.run(["auth", "check"])
        let checked = await tracedesk.run(["auth", "check", "--record", folder.path("recorded")])
        #expect(checked.status == 0, "\(checked.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path("recorded"))
        #expect(files.count == 1, "the token exchange, though a token was cached")
    }

    @Test("--max-body takes a size; nonsense is refused by name")
    func maxBodyFlag() async {
        let folder = try? TemporaryFolder()
        let tracedesk = CommandLineHarness(database: folder?.path("history.sqlite") ?? "/tmp/x.sqlite")
        let refused = await tracedesk.run(["invoke", "XX_TEAM", "hi", "--max-body", "lots"])
        #expect(refused.status == 2)
        #expect(refused.stderr.hasPrefix("tracedesk: --max-body takes a size from 1K to 4G, such as 64M or 512K, not 'lots'"))
    }
}
