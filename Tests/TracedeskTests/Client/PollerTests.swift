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

@Suite("The poll loop: every body recorded as it arrives, WAITING, timeouts, outages, Ctrl-C")
struct PollerTests {
    struct Setup {
        let transport: SimulatorTransport
        let store: HistoryStore
        let sleeps = Locked<[Duration]>([])
        let client: AgentClient
        let team: String

        init(team: String, library: ScenarioLibrary? = nil) throws {
            self.team = team
            transport = try SimulatorTransport(library: library)
            store = try HistoryStore.inMemory()
            client = transport.client(team: team, sleeps: sleeps)
        }

        func poller(_ options: Poller.Options = .init(), request: InvokeRequest? = nil) -> JobFollower {
            JobFollower(client: client, store: store,
                   context: RecordingContext(teamCode: team, pod: SimulatorTransport.pod.absoluteString, source: .invoke, request: request),
                   options: options, clock: transport.sleeper(sleeps))
        }

        func start(_ request: InvokeRequest, poller: JobFollower) async throws -> ReceivedBody {
            let first = try await client.invoke(request)
            try poller.record(first)
            return first
        }
    }

    @Test("polls to COMPLETE, recording each distinct body; the run ends with its nodes, tokens and times")
    func toCompletion() async throws {
        let setup = try Setup(team: "PRODUCT_COMPARISON_ADVISOR_COE")
        let poller = setup.poller()
        let first = try await setup.start(InvokeRequest(message: "Compare M1000034 of org IMO and M1000040 of Org SBI"), poller: poller)
        let seen = Locked<[String]>([])
        let outcome = try await poller.follow(jobId: first.body.jobId, after: first) { event in
            if case .received(let received) = event { seen.withLock { $0.append(received.body.status?.rawValue ?? "?") } }
        }
        #expect(outcome == .finished(status: .complete))
        #expect(seen.withLock { $0.last } == "COMPLETE")
        let run = try setup.store.run(first.body.jobId)
        #expect(run.status == .complete)
        #expect(run.source == .invoke && run.pod == "https://pod.example.com")
        #expect(run.nodeCount == 7)
        #expect(run.tokens == TokenUsage(input: 2210, output: 412), "summed over the nodes: the COMPLETE body has no counts")
        #expect(run.message == "Compare M1000034 of org IMO and M1000040 of Org SBI")
        let details = try setup.store.details(of: run)
        #expect(details.snapshots.count >= 4, "RUNNING bodies as nodes appeared, then COMPLETE")
        #expect(details.snapshots.reduce(0) { $0 + $1.timesSeen } > details.snapshots.count, "unchanged bodies counted, not stored")
        #expect(details.statusChanges.map(\.status.rawValue) == ["RUNNING", "COMPLETE"])
    }

    @Test("the interval backs off while nothing changes and snaps back when the body changes")
    func adaptiveInterval() {
        var interval = AdaptiveInterval(minimum: .milliseconds(500), maximum: .seconds(3), waitingMaximum: .seconds(10), growth: 2)
        #expect(interval.next(changed: false, waiting: false) == .seconds(1))
        #expect(interval.next(changed: false, waiting: false) == .seconds(2))
        #expect(interval.next(changed: false, waiting: false) == .seconds(3), "capped")
        #expect(interval.next(changed: true, waiting: false) == .milliseconds(500), "quick again after a change")
        for _ in 0..<10 { _ = interval.next(changed: false, waiting: true) }
        #expect(interval.current == .seconds(10), "a human is awaited more patiently")
    }

    @Test("with history, polling is sparse early and dense from just before the quickest recent run ended")
    func scheduleWithHistory() {
        var schedule = PollSchedule(expected: ExpectedDuration(typical: .seconds(30), earliest: .seconds(26)))
        #expect(schedule.windowStart == .milliseconds(24_700))
        var elapsed = Duration.zero
        var waits: [Duration] = []
        while elapsed < .seconds(30) {
            let wait = schedule.next(elapsed: elapsed, changed: true, waiting: false)
            waits.append(wait)
            elapsed += wait
        }
        #expect(waits.prefix(4) == [.seconds(1), .seconds(2), .seconds(4), .seconds(8)], "doubling while the end is far, changes or not")
        #expect(waits.allSatisfy { $0 <= .seconds(10) }, "never more than a third of the typical duration")
        #expect(waits.suffix(3).allSatisfy { $0 == .milliseconds(1400) }, "dense near the end")
        #expect(waits.count <= 10, "about a third of polling every second")
        #expect(schedule.next(elapsed: .seconds(61), changed: false, waiting: false) <= .seconds(3), "past 2·E: plain backoff")
        var waitingSchedule = PollSchedule(expected: ExpectedDuration(typical: .seconds(30), earliest: .seconds(26)))
        #expect(waitingSchedule.next(elapsed: .seconds(25), changed: false, waiting: true) == .milliseconds(700), "a human wait backs off as usual")
    }

    @Test("the expected duration comes from earlier runs that completed without waiting, on the client's clock")
    func expectedDurationFromHistory() async throws {
        let setup = try Setup(team: "PRODUCT_COMPARISON_ADVISOR_COE")
        #expect(try setup.store.expectedDuration(team: setup.team, versionStatus: "PUBLISHED") == nil)
        for _ in 0..<3 {
            let poller = setup.poller(request: InvokeRequest(message: "Compare"))
            let first = try await setup.start(InvokeRequest(message: "Compare"), poller: poller)
            _ = try await poller.follow(jobId: first.body.jobId, after: first)
        }
        let expected = try #require(try setup.store.expectedDuration(team: setup.team, versionStatus: "PUBLISHED"))
        #expect(expected.typical >= .seconds(22) && expected.typical <= .seconds(27), "the 22 s run, as polled: \(expected.typical)")
        #expect(try setup.store.expectedDuration(team: setup.team, versionStatus: "DRAFT") == nil)
    }

    @Test("WAITING: stop there if asked; a resume continues the same run, its wait measured apart")
    func waitingAndResume() async throws {
        let setup = try Setup(team: "XX_GL_JOURNAL_APPROVAL")
        let request = InvokeRequest(message: "Post the reversal", parameters: ["journal": "JE-7"])
        let stopping = setup.poller(.init(stopOnWaiting: true), request: request)
        let first = try await setup.start(request, poller: stopping)
        let jobId = first.body.jobId
        #expect(try await stopping.follow(jobId: jobId, after: first) == .stoppedWhileWaiting)
        var run = try setup.store.run(jobId)
        #expect(run.status == .waiting)
        #expect(run.waitingToolCode == "APPROVE_POSTING")

        setup.transport.runClock.advance(byMilliseconds: 90_000) // the approver takes a minute and a half
        setup.transport.wallClock.advance(byMilliseconds: 90_000)
        // The real resume: the wait's callback token as messageInstanceId, which the history never holds.
        let waiting = try await setup.client.status(jobId: jobId)
        let token = try #require(waiting.body.waiting.callbackToken)
        #expect(try setup.store.snapshots(of: run).allSatisfy { !$0.body.contains(token) })
        let resume = InvokeRequest(message: "ok", conversationId: run.conversationId, jobId: jobId,
                                   resumeNodeInput: ResumeInput(callbackToken: token, answer: .approve, content: "fine").json)
        let following = setup.poller(request: request)
        let answer = try await setup.client.invoke(resume)
        try following.record(answer)
        #expect(try await following.follow(jobId: jobId, after: answer) == .finished(status: .complete))
        run = try setup.store.run(jobId)
        #expect(try setup.store.runs().count == 1, "still one run")
        #expect(run.output == "Journal JE-7 was approved and posted in batch AP-2026-03-118. Approver's note: fine")
        let details = try setup.store.details(of: run)
        #expect(details.statusChanges.map(\.status.rawValue) == ["RUNNING", "WAITING", "RUNNING", "COMPLETE"])
        #expect((details.waitingMs ?? 0) >= 90_000, "the time spent waiting for the approver")
    }

    @Test("a timeout ends the loop with timedOut and the run kept as it stood")
    func timeout() async throws {
        let setup = try Setup(team: "XX_WORKER_CARD")
        let poller = setup.poller(.init(timeout: .seconds(5)))
        let first = try await setup.start(InvokeRequest(message: "Ana Lopez"), poller: poller)
        do throws(TracedeskError) {
            _ = try await poller.follow(jobId: first.body.jobId, after: first)
            Issue.record("expected a timeout")
        } catch {
            #expect(error.kind == .timedOut)
            #expect(error.message == "the run is still RUNNING after 5.0 s")
        }
        #expect(try setup.store.run(first.body.jobId).status == .running)
        // Picked up again later, it runs to its end (ERROR, for this team).
        let later = setup.poller()
        #expect(try await later.follow(jobId: first.body.jobId) == .finished(status: .error))
        #expect(try setup.store.run(first.body.jobId).error?.contains("GET_PERSON_DETAILS") == true)
    }

    @Test("an outage longer than the budget ends the loop; the job and what was recorded are kept")
    func outage() async throws {
        let scenario = try JSONDecoder().decode(TeamScenario.self, from: Data("""
            {"team": "FLAKY", "versions": [{"version": 1, "status": "PUBLISHED", "steps": [{"code": "A", "type": "LLM", "durationMs": 60000}], "output": "ok"}],
             "faults": [{"kind": "status", "on": "status", "after": 2, "count": 1000, "statusCode": 503}]}
            """.utf8))
        let setup = try Setup(team: "FLAKY", library: try ScenarioLibrary(teams: [scenario]))
        let failures = Locked(0)
        let poller = setup.poller(.init(outageBudget: .seconds(60)))
        let first = try await setup.start(InvokeRequest(message: "x"), poller: poller)
        do throws(TracedeskError) {
            _ = try await poller.follow(jobId: first.body.jobId, after: first) { event in
                if case .callFailed = event { failures.withLock { $0 += 1 } }
            }
            Issue.record("expected the outage to end the loop")
        } catch {
            #expect(error.kind == .podUnavailable)
            #expect(error.message.hasSuffix("the job goes on at the pod"))
        }
        #expect(failures.withLock { $0 } >= 2, "it kept trying through the outage")
        #expect(try setup.store.snapshots(of: try setup.store.run(first.body.jobId)).count >= 1)
    }

    @Test("cancellation (Ctrl-C) ends the loop at once as interrupted")
    func cancellation() async throws {
        let setup = try Setup(team: "XX_GL_JOURNAL_APPROVAL")
        let poller = JobFollower(client: setup.client, store: setup.store, context: RecordingContext(teamCode: setup.team, source: .invoke),
                            options: .init(), clock: .system)
        let first = try await setup.start(InvokeRequest(message: "x", parameters: ["journal": "J"]), poller: poller)
        let task = Task { try await poller.follow(jobId: first.body.jobId, after: first) }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await #expect(throws: TracedeskError(.interrupted, "interrupted")) { try await task.value }
        #expect(try setup.store.run(first.body.jobId).status == .running, "what arrived is recorded")
    }
}
