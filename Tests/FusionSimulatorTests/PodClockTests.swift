import Foundation
import Testing
@testable import FusionSimulator

/// A sped-up pod: each job starts at the real time, and only its steps run faster.
@Suite("The simulated pod's clocks")
struct PodClockTests {
    /// A run clock far ahead of the real one, as a pod at `--speed 10` is after ten minutes.
    final class AheadClock: PodClock {
        let run = ManualClock(1_795_000_000_000 + 90 * 60_000)
        let real: Int64 = 1_795_000_000_000

        func now() -> Int64 { run.now() }
        func jobOrigin() -> Int64 { real }
    }

    @Test("a job's instants start at the real time however far the run clock has run ahead")
    func anchoredJobs() async throws {
        let clock = AheadClock()
        let library = try ScenarioLibrary.load(directory: PodFixture.scenarios)
        let pod = SimulatedPod(library: library, configuration: .demo(seed: 7), runClock: clock, wallClock: ManualClock(clock.real))
        let token = await pod.token(form: ["grant_type": "client_credentials"], authorization: PodFixture.basic())
        let bearer = "Bearer " + (try #require(PodJSON.parse(Data(token.body.utf8))?["access_token"]?.string))
        let team = "PRODUCT_COMPARISON_ADVISOR_COE"
        let answer = await pod.invoke(team: team, body: Data(#"{"message": "Compare", "invocationMode": "ADMIN", "status": "PUBLISHED"}"#.utf8),
                                      authorization: bearer, fault: nil)
        let jobId = try #require(PodJSON.parse(Data(answer.body.utf8))?["jobId"]?.string)
        #expect(PodJSON.parse(Data(answer.body.utf8))?["startDate"]?.int == clock.real)
        clock.run.advance(byMilliseconds: 5_000)
        let status = await pod.status(team: team, jobId: jobId, invocationMode: "ADMIN", authorization: bearer, fault: nil)
        let body = try #require(PodJSON.parse(Data(status.body.utf8)))
        guard case .array(let nodes) = body["nodes"] else { Issue.record("no nodes"); return }
        let starts = nodes.compactMap { $0["startTime"]?.int }
        #expect(!starts.isEmpty)
        #expect(starts.allSatisfy { $0 >= clock.real && $0 <= clock.real + 5_000 }, "\(starts)")
    }

    @Test("a ScaledClock above speed 1 starts jobs at the real time; at speed 1 the two agree")
    func scaledClockOrigin() {
        let fast = ScaledClock(speed: 10, origin: Date(timeIntervalSinceNow: -600))
        let real = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(abs(fast.jobOrigin() - real) < 1_000)
        #expect(fast.now() < real - 500_000, "its own time is where its origin put it")
        let normal = ScaledClock(speed: 1)
        #expect(abs(normal.jobOrigin() - normal.now()) < 100)
    }

    @Test("a sped-up clock, asked through any PodClock, waits its speed times less: streamed events keep their pace")
    func scaledDelay() {
        let fast: any PodClock = ScaledClock(speed: 10)
        let delay = fast.realDelay(until: fast.now() + 1_000)
        #expect(delay <= .milliseconds(101) && delay >= .milliseconds(90), "\(delay)")
    }
}
