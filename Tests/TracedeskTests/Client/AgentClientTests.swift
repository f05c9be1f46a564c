import Foundation
import FusionSimulator
import Synchronization
import Testing
import TracedeskClient
import TracedeskCommandLine
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

@Suite("The agent client: retries, token refresh and errors that speak")
struct AgentClientTests {
    let team = "PRODUCT_COMPARISON_ADVISOR_COE"

    func start(_ client: AgentClient) async throws -> String {
        try await client.invoke(InvokeRequest(message: "Compare M1000034 of org IMO and M1000040 of Org SBI")).body.jobId
    }

    @Test("invoke, then status in ADMIN mode, on the v2 paths")
    func invokeAndStatus() async throws {
        let transport = try SimulatorTransport()
        let client = transport.client(team: team, sleeps: Locked([]))
        let jobId = try await start(client)
        transport.runClock.advance(byMilliseconds: 60_000)
        let received = try await client.status(jobId: jobId)
        #expect(received.body.status == .complete)
        #expect(received.body.nodes.count == 5, "ADMIN mode shows the nodes")
        #expect(transport.requests.last?.url.absoluteString.hasSuffix("/v2/\(team)/status/\(jobId)?invocationMode=ADMIN") == true)
        #expect(try await client.status(jobId: jobId, mode: .endUser).body.nodes.isEmpty)
    }

    @Test("a token that expires mid-run is refreshed once and the call retried")
    func refreshOn401() async throws {
        let transport = try SimulatorTransport()
        let events = Locked<[ClientEvent]>([])
        let tokens = transport.oauth()
        let client = transport.client(team: team, tokens: tokens, sleeps: Locked([]), events: events)
        let jobId = try await start(client)
        let expiring = AgentClient(pod: SimulatorTransport.pod, team: team, transport: FaultHeaderTransport(inner: transport, fault: "expire-token", once: true),
                                   tokens: tokens, observe: { event in events.withLock { $0.append(event) } })
        let received = try await expiring.status(jobId: jobId)
        #expect(received.body.jobId == jobId)
        #expect(events.withLock { $0.contains { if case .tokenRefreshed = $0 { true } else { false } } })
    }

    @Test("429 waits as Retry-After says; 5xx, dropped connections and HTML pages are retried with growing waits")
    func retries() async throws {
        let transport = try SimulatorTransport()
        let sleeps = Locked<[Duration]>([])
        let events = Locked<[ClientEvent]>([])
        let client = transport.client(team: team, sleeps: sleeps, events: events)
        let jobId = try await start(client)

        let limited = FaultHeaderTransport(inner: transport, fault: "429;retry-after=7", once: true)
        let rateLimited = AgentClient(pod: SimulatorTransport.pod, team: team, transport: limited, tokens: transport.oauth(),
                                      clock: transport.sleeper(sleeps))
        #expect(try await rateLimited.status(jobId: jobId).body.jobId == jobId)
        #expect(sleeps.withLock { $0 }.last ?? .zero >= .seconds(7), "Retry-After is honoured")

        transport.dropNext(2)
        sleeps.withLock { $0 = [] }
        #expect(try await client.status(jobId: jobId).body.jobId == jobId, "two dropped connections, then an answer")
        let waits = sleeps.withLock { $0 }
        #expect(waits.count == 2)
        #expect(waits[0] >= .milliseconds(250) && waits[0] <= .milliseconds(500))
        #expect(waits[1] >= .milliseconds(500) && waits[1] <= .seconds(1), "exponential, with jitter")

        for fault in ["503", "html", "malformed"] {
            let flaky = AgentClient(pod: SimulatorTransport.pod, team: team, transport: FaultHeaderTransport(inner: transport, fault: fault, once: true),
                                    tokens: transport.oauth(), clock: transport.sleeper(Locked([])))
            #expect(try await flaky.status(jobId: jobId).body.jobId == jobId, "\(fault) is retried")
        }
    }

    @Test("a pod that keeps failing: podUnavailable after the last attempt, naming what went wrong")
    func givesUp() async throws {
        let transport = try SimulatorTransport()
        let client = transport.client(team: team, sleeps: Locked([]))
        let jobId = try await start(client)
        let failing = AgentClient(pod: SimulatorTransport.pod, team: team, transport: FaultHeaderTransport(inner: transport, fault: "html"),
                                  tokens: transport.oauth(), retry: RetryPolicy(maxAttempts: 3), clock: transport.sleeper(Locked([])))
        do {
            _ = try await failing.status(jobId: jobId)
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .podUnavailable)
            #expect(error.message.contains("HTML page (502 Bad Gateway)"))
            #expect(error.message.hasSuffix("gave up after 3 attempts"))
        }
    }

    @Test("403 FAI-40300 is explained in words; 404 and 400 are the caller's to fix")
    func refusals() async throws {
        let transport = try SimulatorTransport()
        let client = transport.client(team: team, sleeps: Locked([]))
        do {
            _ = try await client.invoke(InvokeRequest(message: "x", version: 99))
            Issue.record("expected 403")
        } catch {
            #expect(error.kind == .authenticationRefused)
            #expect(error.message.contains("403 FAI-40300"))
            #expect(error.message.contains("the version asked for does not exist"))
            #expect(error.message.contains("or the user lacks a role for the team"))
        }
        do {
            _ = try await client.status(jobId: "no-such-job")
            Issue.record("expected 404")
        } catch {
            #expect(error.kind == .badInput && error.message.contains("404"))
        }
        let unknown = transport.client(team: "NO_SUCH_TEAM", sleeps: Locked([]))
        await #expect(throws: TracedeskError.self) { try await unknown.invoke(InvokeRequest(message: "x")) }
    }
}

/// Adds the simulator's fault header to every call (or only the first), leaving token calls alone.
final class FaultHeaderTransport: HTTPTransport {
    let inner: any HTTPTransport
    let fault: String
    let once: Bool
    private let used = Mutex(false)

    init(inner: any HTTPTransport, fault: String, once: Bool = false) {
        self.inner = inner
        self.fault = fault
        self.once = once
    }

    func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        var request = request
        if !request.url.path.hasPrefix("/oauth2") {
            let apply = used.withLock { used in
                defer { used = true }
                return !(once && used)
            }
            if apply { request.headers["X-Simulator-Fault"] = fault }
        }
        return try await inner.send(request)
    }
}
