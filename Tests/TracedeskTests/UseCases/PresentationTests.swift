import Foundation
import Testing
import TracedeskClient
import TracedeskCommandLine
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
@testable import TracedeskUseCases

@Suite("Terminal presentation")
struct PresentationTests {
    let utc = TextFormat(timeZone: TimeZone(identifier: "UTC")!)

    @Test("durations read naturally at every scale", arguments: [
        (Int64(340), "340 ms"), (26_771, "26.8 s"), (245_000, "4 min 05 s"), (7_380_000, "2 h 03 min"),
    ])
    func durations(milliseconds: Int64, text: String) {
        #expect(TextFormat.duration(milliseconds) == text)
    }

    @Test("precise durations to the millisecond, written digit by digit", arguments: [
        (Int64(0), "0 ms"), (999, "999 ms"), (1_000, "1.000 s"), (4_005, "4.005 s"), (59_999, "59.999 s"),
        (245_120, "4 min 05.120 s"), (7_385_000, "2 h 03 min 05 s"), (-1_500, "-1.500 s"),
    ])
    func preciseDurations(milliseconds: Int64, text: String) {
        #expect(TextFormat.preciseDuration(milliseconds) == text)
    }

    @Test("counts group at every length and sign; two decimals round half away from zero")
    func numbers() {
        #expect([0, 999, 1_000, 12_345, 999_999, 1_000_000, -1_234, Int64.max].map(TextFormat.count)
                == ["0", "999", "1,000", "12,345", "999,999", "1,000,000", "-1,234", "9,223,372,036,854,775,807"])
        #expect(TextFormat.count(.min) == "-9,223,372,036,854,775,808")
        #expect([0, 0.6, 16.734, 99.995, 100, -0.004, -2.5, .nan].map(TextFormat.twoDecimals)
                == ["0.00", "0.60", "16.73", "100.00", "100.00", "0.00", "-2.50", "0"])
        #expect([0.912, 0.8475, 1, -0.0001].map { TextFormat.decimals($0, 3) } == ["0.912", "0.848", "1.000", "0.000"])
        #expect([0.912, 0.8475, 1, -0.0001].map { TextFormat.decimals($0, 3) } == [0.912, 0.8475, 1, 0.0001].map { String(format: "%.3f", $0) },
                "as %.3f writes them (a score's sign aside)")
    }

    @Test("counts are grouped, instants shown in the chosen zone")
    func countsAndInstants() {
        #expect(TextFormat.count(8_331) == "8,331")
        #expect(TextFormat.count(1_234_567) == "1,234,567")
        #expect(TextFormat.count(12) == "12")
        #expect(utc.instant(1_773_341_443_081) == "2026-03-12 18:50:43Z")
        #expect(utc.instant(-1) == "1969-12-31 23:59:59Z", "floor, not truncation, before the epoch")
        #expect(utc.preciseInstant(1_773_341_443_081) == "2026-03-12 18:50:43.081Z")
        #expect(utc.preciseInstant(-1) == "1969-12-31 23:59:59.999Z", "the thousandths of the floored second")
        #expect(utc.shortInstant(0) == "1970-01-01 00:00Z")
        #expect(utc.instant(951_782_400_000) == "2000-02-29 00:00:00Z")
        var paris = TextFormat(timeZone: TimeZone(identifier: "UTC")!)
        paris.timeZone = TimeZone(identifier: "Europe/Paris")!
        #expect(paris.instant(1_773_341_443_081).hasPrefix("2026-03-12 19:50:43 "), "a zone set later is used")
        #expect(TextFormat.snippet("line one\nline two", width: 12) == "line one li…")
    }

    @Test("the runs table: one line a run, the message cut to the width")
    func runTable() throws {
        let store = try HistoryStore.inMemory()
        for name in ["coe-status-complete.json", "approval-waiting.json"] {
            try store.record(try Fixtures.body(name), verbatim: try Fixtures.text(name),
                             observation: .imported(at: 1), context: RecordingContext(source: .import, label: name == "approval-waiting.json" ? "smoke" : nil))
        }
        let table = RunTable(format: utc, width: 140).render(try store.runs())
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.count <= 140 })
        #expect(lines[1].hasPrefix("3e9a7c1d  XX_GL_JOURNAL_APPROVAL"))
        #expect(lines[1].contains("WAITING   2026-03-13 16:40Z"))
        #expect(lines[1].contains("[smoke] Post the accrual"))
        #expect(lines[2].contains("26.8 s"))
        #expect(RunTable().render([]) == "JOB  TEAM  VERSION  STATUS  STARTED  TIME  TOKENS  NODES  MESSAGE\n",
                "an empty history is `runs`'s to explain (HistoryCommandsTests)")
    }

    @Test("the live line of a failed run names the step that failed, not the PARALLEL around it")
    func liveLineOfAFailedRun() throws {
        let data = try Data(contentsOf: Fixtures.repository.appendingPathComponent("samples/bodies/worker-card-error.json"))
        let body = try StatusBody(data: data)
        let line = ProgressText.line(body, elapsed: .seconds(3))
        #expect(line.hasPrefix("ERROR     3.0 s  "), "\(line)")
        #expect(line.contains("at GET_PERSON_DETAILS"), "\(line)")
        #expect(!line.contains("at PARALLEL_NODE"), "\(line)")
    }

    @Test("the simulator's banner prints the exports that point tracedesk at it, ready to paste")
    func simulatorBanner() {
        let banner = SimulatorBanner.text(host: "127.0.0.1", port: 8799, teams: ["XX_WORKER_CARD"], from: "built-in scenarios", speed: 1)
        #expect(banner.contains("""
              export TRACEDESK_POD=http://127.0.0.1:8799 TRACEDESK_TOKEN_URL=http://127.0.0.1:8799/oauth2/v1/token \\
                TRACEDESK_CLIENT_ID=tracedesk-demo TRACEDESK_CLIENT_SECRET=demo-secret
              tracedesk invoke XX_WORKER_CARD
            """), "\(banner)")
        #expect(banner.contains("export TRACEDESK_POD=http://[::1]:8799 ") == false)
        #expect(SimulatorBanner.text(host: "::1", port: 8799, teams: [], from: "built-in scenarios", speed: 1).contains("export TRACEDESK_POD=http://[::1]:8799 "))
    }

    @Test("show draws the node tree with nesting, nested runs and failures")
    func nodeTree() throws {
        let store = try HistoryStore.inMemory()
        for name in ["workflow-nested-complete.json", "worker-card-error.json"] {
            try store.record(try Fixtures.body(name), verbatim: try Fixtures.text(name),
                             observation: .imported(at: 1), context: RecordingContext(source: .import))
        }
        let text = RunDetailsText(format: utc, width: 140)
        let workflow = text.render(try store.details(of: try store.run("5f0c")))
        #expect(workflow.contains("\n  EXECUTE_SUMMARY "))
        #expect(workflow.contains("\n  ├─ FETCH_PERIOD_STATUS "))
        #expect(workflow.contains("\n  │  ├─ GET_PERIOD_STATUSES "))
        #expect(workflow.contains("\n  └─ FETCH_ACCOUNTING_EXCEPTIONS "))
        #expect(workflow.contains("→ run e2a7c9d4 COMPLETE"))
        #expect(workflow.contains("Time taken     9.3 s"))

        let failed = text.render(try store.details(of: try store.run("d8b2")))
        #expect(failed.contains("Error          FAI-50021: Node GET_PERSON_DETAILS failed"))
        #expect(failed.contains("FAILED") && failed.contains("! HTTP 504"))
    }
}

@Suite("--since")
struct SinceParserTests {
    let now = Date(milliseconds: 1_773_400_000_000) // 2026-03-13 11:06:40 UTC
    let utc = TimeZone(identifier: "UTC")!

    @Test("ages, days, dates and instants", arguments: [
        ("30m", Int64(1_773_398_200_000)), ("12h", 1_773_356_800_000), ("2d", 1_773_227_200_000),
        ("1w", 1_772_795_200_000), ("today", 1_773_360_000_000), ("yesterday", 1_773_273_600_000),
        ("2026-03-12", 1_773_273_600_000), ("2026-03-12T18:50:43Z", 1_773_341_443_000),
    ])
    func accepted(text: String, milliseconds: Int64) {
        #expect(SinceParser.parse(text, now: now, timeZone: utc) == milliseconds)
    }

    @Test("anything else is refused", arguments: ["last tuesday", "5x", "", "2026-13-45"])
    func refused(text: String) {
        #expect(SinceParser.parse(text, now: now, timeZone: utc) == nil)
    }
}
