import Foundation
import Testing
import TracedeskCore

/// `report`, `import REPORT.html` and `demo`, end to end with the built binary.
@Suite("Reports and the demo, end to end")
struct ReportCommandTests {
    let folder: URL
    let tracedesk: TracedeskProcess

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tracedesk-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        tracedesk = TracedeskProcess(database: folder.appendingPathComponent("history.sqlite").path)
    }

    @Test("report writes TEAM-JOBID.html or the file named; a colleague imports it into their own history")
    func reportAndShare() throws {
        let imported = try tracedesk.run(["import", "samples/bodies/coe-invoke-running.json", "samples/bodies/coe-status-complete.json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let path = folder.appendingPathComponent("shared.html").path
        let written = try tracedesk.run(["report", "c73c", "-o", path])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout == "Wrote the report of c73c1580-70cc-4f62-93c0-48d9484d8b8b (PRODUCT_COMPARISON_ADVISOR_COE, COMPLETE) to \(path)\n")
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("Content-Security-Policy"))

        let standardOutput = try tracedesk.run(["report", "last", "-o", "-"])
        #expect(standardOutput.status == 0)
        #expect(standardOutput.stdout.hasPrefix("<!DOCTYPE html>"))

        let colleague = TracedeskProcess(database: folder.appendingPathComponent("colleague.sqlite").path)
        let shared = try colleague.run(["import", path])
        #expect(shared.status == 0, "\(shared.stderr)")
        #expect(shared.stdout.contains("Imported 2 bodies into 1 run (2 stored"))
        let original = try tracedesk.run(["show", "c73c", "--json"]).stdout
        let copy = try colleague.run(["show", "c73c", "--json"]).stdout
        let a = try #require(JSONValue(parsing: original)), b = try #require(JSONValue(parsing: copy))
        #expect(a["nodes"] == b["nodes"])
        #expect(a["run"]?["message"] == b["run"]?["message"])
        #expect(a["run"]?["output"] == b["run"]?["output"])
    }

    @Test("without -o the file is named from the team and the jobId, in the current folder")
    func defaultName() throws {
        _ = try tracedesk.run(["import", "samples/bodies/document-chunks-complete.json"])
        let here = folder.appendingPathComponent("here")
        try FileManager.default.createDirectory(at: here, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = TracedeskProcess.binary
        process.arguments = ["report", "last", "--db", tracedesk.database]
        process.currentDirectoryURL = here
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: here.path)
                == ["XX_TRAVEL_POLICY_ADVISOR-6a1d8e3f-2c7b-4f9a-b5e0-8d4c1f6a3b27.html"])
    }

    @Test("errors: an unknown run, a missing folder, bad templates exit 2 with one line")
    func errors() throws {
        _ = try tracedesk.run(["import", "samples/bodies/document-chunks-complete.json"])
        let unknown = try tracedesk.run(["report", "ffff0000"])
        #expect(unknown.status == 2)
        let nowhere = try tracedesk.run(["report", "last", "-o", "/no/such/folder/r.html"])
        #expect(nowhere.status == 2)
        #expect(nowhere.stderr == "tracedesk: /no/such/folder/r.html: the folder /no/such/folder does not exist\n")
        let templates = try tracedesk.run(["report", "last", "--templates", "/no/such/dir"])
        #expect(templates.status == 2)
        #expect(templates.stderr == "tracedesk: --templates /no/such/dir: no such folder\n")
        let notReport = folder.appendingPathComponent("page.html")
        try "<html><body>hello</body></html>".write(to: notReport, atomically: true, encoding: .utf8)
        let foreign = try tracedesk.run(["import", notReport.path])
        #expect(foreign.status == 2)
        #expect(foreign.stderr.contains("HTML without status bodies"))
    }

    @Test("demo runs five teams on the embedded simulator, answers the WAITING one, and writes their reports")
    func demo() throws {
        let out = folder.appendingPathComponent("demo")
        let result = try tracedesk.run(["demo", "--out", out.path, "--speed", "40"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("WAITING for APPROVE_POSTING"))
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".html") }
        let reports = files.filter { !$0.hasPrefix("compare-") }
        #expect(reports.count == 5)
        #expect(files.contains("compare-PRODUCT_COMPARISON_ADVISOR_COE.html"), "the demo ends with a comparison")
        for report in reports { #expect(result.stdout.contains(out.appendingPathComponent(report).path)) }
        let runs = try #require(JSONValue(parsing: try tracedesk.run(["runs", "--json"]).stdout)?.arrayValue)
            .filter { $0["label"]?.stringValue == "demo" }
        #expect(runs.count == 5, "five demo runs, besides the comparison's")
        let statuses = Dictionary(uniqueKeysWithValues: runs.map { ($0["teamCode"]?.stringValue ?? "?", $0["status"]?.stringValue ?? "?") })
        #expect(statuses["XX_GL_JOURNAL_APPROVAL"] == "COMPLETE", "the demo approved the waiting step")
        #expect(statuses["XX_WORKER_CARD"] == "ERROR")
        // Each report holds every step of its run.
        for run in runs {
            let jobId = try #require(run["jobId"]?.stringValue)
            let file = try #require(reports.first { $0.contains(jobId) })
            let html = try String(contentsOf: out.appendingPathComponent(file), encoding: .utf8)
            let document = try HTMLDocument(parsing: html, origin: file)
            #expect(document.elements { $0.classes.contains("node-row") }.count == run["nodeCount"]?.intValue)
        }
    }
}
