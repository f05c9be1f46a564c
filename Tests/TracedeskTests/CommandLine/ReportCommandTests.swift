import Foundation
import Testing
import TracedeskClient
import TracedeskCommandLine
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

/// `report` and `import REPORT.html`, as a user runs them.
@Suite("Reports")
struct ReportCommandTests {
    let folder: URL
    let tracedesk: CommandLineHarness

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tracedesk-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        tracedesk = CommandLineHarness(database: folder.appendingPathComponent("history.sqlite").path)
    }

    @Test("report writes TEAM-JOBID.html or the file named; a colleague imports it into their own history")
    func reportAndShare() async throws {
        let imported = await tracedesk.run(["import", "samples/bodies/coe-invoke-running.json", "samples/bodies/coe-status-complete.json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let path = folder.appendingPathComponent("shared.html").path
        let written = await tracedesk.run(["report", "c73c", "-o", path])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout == "Wrote the report of c73c1580-70cc-4f62-93c0-48d9484d8b8b (PRODUCT_COMPARISON_ADVISOR_COE, COMPLETE) to \(path)\n")
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("Content-Security-Policy"))

        let standardOutput = await tracedesk.run(["report", "last", "-o", "-"])
        #expect(standardOutput.status == 0)
        #expect(standardOutput.stdout.hasPrefix("<!DOCTYPE html>"))

        let colleague = CommandLineHarness(database: folder.appendingPathComponent("colleague.sqlite").path)
        let shared = await colleague.run(["import", path])
        #expect(shared.status == 0, "\(shared.stderr)")
        #expect(shared.stdout.contains("Imported 2 bodies into 1 run (2 stored"))
        let original = await tracedesk.run(["show", "c73c", "--json"]).stdout
        let copy = await colleague.run(["show", "c73c", "--json"]).stdout
        let a = try #require(JSONValue(parsing: original)), b = try #require(JSONValue(parsing: copy))
        #expect(a["nodes"] == b["nodes"])
        #expect(a["run"]?["message"] == b["run"]?["message"])
        #expect(a["run"]?["output"] == b["run"]?["output"])
    }

    @Test("without -o the file is named from the team and the jobId, in the current folder")
    func defaultName() async throws {
        _ = await tracedesk.run(["import", "samples/bodies/document-chunks-complete.json"])
        let here = folder.appendingPathComponent("here")
        try FileManager.default.createDirectory(at: here, withIntermediateDirectories: true)
        var elsewhere = tracedesk
        elsewhere.currentDirectory = here
        #expect(await elsewhere.run(["report", "last"]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: here.path)
                == ["XX_TRAVEL_POLICY_ADVISOR-6a1d8e3f-2c7b-4f9a-b5e0-8d4c1f6a3b27.html"])
    }

    @Test("errors: an unknown run, a missing folder, bad templates exit 2 with one line")
    func errors() async throws {
        _ = await tracedesk.run(["import", "samples/bodies/document-chunks-complete.json"])
        let unknown = await tracedesk.run(["report", "ffff0000"])
        #expect(unknown.status == 2)
        let nowhere = await tracedesk.run(["report", "last", "-o", "/no/such/folder/r.html"])
        #expect(nowhere.status == 2)
        #expect(nowhere.stderr == "tracedesk: /no/such/folder/r.html: the folder /no/such/folder does not exist\n")
        let templates = await tracedesk.run(["report", "last", "--templates", "/no/such/dir"])
        #expect(templates.status == 2)
        #expect(templates.stderr == "tracedesk: --templates /no/such/dir: no such folder\n")
        let notReport = folder.appendingPathComponent("page.html")
        try "<html><body>hello</body></html>".write(to: notReport, atomically: true, encoding: .utf8)
        let foreign = await tracedesk.run(["import", notReport.path])
        #expect(foreign.status == 2)
        #expect(foreign.stderr.contains("HTML without status bodies"))
    }

}
