import Foundation
import Testing
@testable import FusionSimulator

@Suite("Faults on demand: per request, and scripted per team")
struct FaultTests {
    let fixture: PodFixture
    let team = "PRODUCT_COMPARISON_ADVISOR_COE"

    init() throws { fixture = try PodFixture() }

    func statusWith(_ fault: String) async throws -> PodResponse {
        let (jobId, bearer) = try await fixture.start(team)
        return await fixture.status(team, jobId, bearer: bearer, fault: fault)
    }

    @Test("429 with Retry-After")
    func tooManyRequests() async throws {
        let answer = try await statusWith("429;retry-after=2")
        #expect(answer.status == 429)
        #expect(answer.headers.contains { $0 == ("Retry-After", "2") })
    }

    @Test("a 5xx status with a Fusion error body", arguments: [("503", 503), ("status;code=502", 502), ("status", 503), ("500", 500)])
    func serverErrors(fault: String, code: Int) async throws {
        let answer = try await statusWith(fault)
        #expect(answer.status == code)
        #expect(try fixture.json(answer)["o:errorCode"]?.string?.hasPrefix("FAI-") == true)
    }

    @Test("a malformed JSON body with status 200")
    func malformed() async throws {
        let answer = try await statusWith("malformed")
        #expect(answer.status == 200)
        #expect(PodJSON.parse(Data(answer.body.utf8)) == nil)
    }

    @Test("an HTML error page, as a proxy sends")
    func htmlPage() async throws {
        let answer = try await statusWith("html")
        #expect(answer.status == 502)
        #expect(answer.headers.contains { $0 == ("Content-Type", "text/html") })
        #expect(answer.body.hasPrefix("<html>"))
    }

    @Test("a slow answer is the normal answer, late; a dropped connection is cut mid-answer")
    func slowAndDropped() async throws {
        let slow = try await statusWith("slow;delay-ms=1500")
        #expect(slow.status == 200 && slow.delayMs == 1500)
        #expect(try fixture.json(slow)["status"]?.string == "RUNNING")
        let dropped = try await statusWith("drop")
        #expect(dropped.dropConnection)
    }

    @Test("a token that expires mid-run: 401 now and for the rest of its life; a new token works")
    func tokenExpiresMidRun() async throws {
        let (jobId, bearer) = try await fixture.start(team)
        let expired = await fixture.status(team, jobId, bearer: bearer, fault: "expire-token")
        #expect(expired.status == 401)
        #expect(await fixture.status(team, jobId, bearer: bearer).status == 401)
        #expect(await fixture.status(team, jobId, bearer: try await fixture.bearer()).status == 200)
    }

    @Test("a scenario's faults hit the calls it names: after 1 status call, the next 2 fail, then the run goes on")
    func scriptedFaults() async throws {
        let scenario = try JSONDecoder().decode(TeamScenario.self, from: Data("""
            {"team": "FLAKY", "versions": [{"version": 1, "status": "PUBLISHED", "steps": [{"code": "A", "type": "LLM"}], "output": "ok"}],
             "faults": [{"kind": "status", "on": "status", "after": 1, "count": 2, "statusCode": 503},
                        {"kind": "429", "on": "invoke", "after": 1, "retryAfterSeconds": 3}]}
            """.utf8))
        let fixture = try PodFixture(library: try ScenarioLibrary(teams: [scenario]))
        let (jobId, bearer) = try await fixture.start("FLAKY")
        var codes: [Int] = []
        for _ in 0..<4 { codes.append(await fixture.status("FLAKY", jobId, bearer: bearer).status) }
        #expect(codes == [200, 503, 503, 200])
        let second = try await fixture.invoke("FLAKY", #"{"message": "again"}"#, bearer: bearer)
        #expect(second.status == 429)
        #expect(second.headers.contains { $0 == ("Retry-After", "3") })
    }

    @Test("the per-request form reads every kind, and ignores what is not a fault")
    func headerForm() {
        #expect(FaultRule(header: "429;retry-after=5") == FaultRule(kind: .tooManyRequests, retryAfterSeconds: 5))
        #expect(FaultRule(header: "504")?.statusCode == 504)
        #expect(FaultRule(header: "slow;delay-ms=250")?.delayMs == 250)
        for kind in FaultRule.Kind.allCases { #expect(FaultRule(header: kind.rawValue)?.kind == kind) }
        #expect(FaultRule(header: "gremlins") == nil)
        #expect(FaultRule(header: "200") == nil)
    }
}

@Suite("Scenario files: the samples load; a malformed file is refused with its name and the reason")
struct ScenarioValidationTests {
    @Test("the sample scenarios load, with every team the simulator promises")
    func samplesLoad() throws {
        let library = try ScenarioLibrary.load(directory: PodFixture.scenarios)
        for team in ["PRODUCT_COMPARISON_ADVISOR_COE", "XX_HCM_BENEFITS_SUPERVISOR", "XX_TRAVEL_POLICY_ADVISOR",
                     "XX_GL_JOURNAL_APPROVAL", "XX_WORKER_CARD", "XX_MAINTENANCE_MATERIAL_SHORTAGE", "XX_FIN_GL_LEDGER_CLOSURE_WORKFLOW"] {
            #expect(library.teams[team] != nil, "\(team)")
        }
        #expect(library.teams["XX_HCM_BENEFITS_SUPERVISOR"]?.architecture == "supervisor")
        for team in library.teams.values where team.versions.count > 1 {
            #expect(Set(team.versions.map(\.status)) == ["PUBLISHED", "DRAFT"], "\(team.team) has both")
        }
    }

    @Test("the scenarios compiled into the binary are the files of samples/scenarios (run scripts/embed-scenarios), and load alike")
    func builtInCopyIsCurrent() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: PodFixture.scenarios.path).filter { $0.hasSuffix(".json") }
        #expect(Set(names) == Set(ScenarioLibrary.builtInFiles.keys))
        for name in names {
            let file = try String(contentsOf: PodFixture.scenarios.appendingPathComponent(name), encoding: .utf8)
            #expect(ScenarioLibrary.builtInFiles[name].map { $0 + "\n" } == file, "\(name) differs: run scripts/embed-scenarios")
        }
        let builtIn = try ScenarioLibrary.builtIn(), files = try ScenarioLibrary.load(directory: PodFixture.scenarios)
        #expect(builtIn.teams.keys.sorted() == files.teams.keys.sorted())
    }

    func refusal(_ files: [String: String]) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scenarios-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
        do {
            _ = try ScenarioLibrary.load(directory: folder)
            return "loaded"
        } catch {
            return error.description.replacingOccurrences(of: folder.path + "/", with: "")
        }
    }

    let step = #"{"code": "A", "type": "LLM"}"#

    @Test("each malformed file is refused, naming the file and the reason")
    func refusals() throws {
        #expect(try refusal(["a.json": "{ nope"]) == "a.json: not JSON")
        #expect(try refusal(["a.json": #"{"team": "T"}"#]) == #"a.json: missing "versions" at the top"#)
        #expect(try refusal(["a.json": #"{"team": "T", "versions": [{"version": 1, "status": "LIVE", "steps": [\#(step)]}]}"#])
            == "a.json: version 1: status must be PUBLISHED or DRAFT, not LIVE")
        #expect(try refusal(["a.json": #"{"team": "T", "versions": [{"version": 1, "status": "DRAFT", "steps": []}]}"#])
            == "a.json: version 1 DRAFT has no step")
        #expect(try refusal(["a.json": #"{"team": "T", "versions": [{"version": 1, "status": "DRAFT", "steps": [\#(step)]}, {"version": 1, "status": "DRAFT", "steps": [\#(step)]}]}"#])
            == "a.json: version 1 DRAFT is defined twice")
        #expect(try refusal(["a.json": #"{"team": "T", "versions": [{"version": 1, "status": "DRAFT", "steps": [{"code": "W", "type": "WORKFLOW"}]}]}"#])
            == #"a.json: version 1 DRAFT, step W: a WORKFLOW step needs "calls" (or the "output" it answers with)"#)
        #expect(try refusal(["a.json": #"{"team": "T", "versions": [{"version": 1, "status": "DRAFT", "steps": [{"code": "W", "type": "WORKFLOW", "calls": {"team": "GONE"}}]}]}"#])
            == "a.json: version 1 DRAFT, step W: calls unknown team GONE")
        #expect(try refusal(["a.json": #"{"team": "T", "versions": [{"version": 1, "status": "DRAFT", "steps": [{"code": "H", "type": "HUMAN"}]}]}"#])
            == #"a.json: version 1 DRAFT, step H: a HUMAN step needs "wait""#)
        #expect(try refusal(["a.json": #"{"team": "T", "versions": [{"version": 1, "status": "DRAFT", "steps": [{"code": "A", "type": "LLM", "durationMs": -5}]}]}"#])
            == "a.json: version 1 DRAFT, step A: durationMs is negative")
        let team = #"{"team": "T", "versions": [{"version": 1, "status": "DRAFT", "steps": [\#(step)]}]}"#
        #expect(try refusal(["a.json": team, "b.json": team]) == "b.json: team T is already defined in a.json")
    }
}
