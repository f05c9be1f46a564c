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
    let temporary: TemporaryFolder
    var folder: URL { temporary.url }
    let tracedesk: CommandLineHarness

    init() throws {
        temporary = try TemporaryFolder()
        tracedesk = CommandLineHarness(database: temporary.path("history.sqlite"))
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

    @Test("-o a folder writes TEAM-JOBID.html into it; a path that is not a regular file, or a name too long, is refused")
    func outputLocations() async throws {
        _ = await tracedesk.run(["import", "samples/bodies/document-chunks-complete.json"])
        let reports = folder.appendingPathComponent("reports")
        try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
        for given in [reports.path, reports.path + "/"] {
            let written = await tracedesk.run(["report", "last", "-o", given])
            #expect(written.status == 0, "\(written.stderr)")
            #expect(written.stdout.hasSuffix(" to \(reports.path)/XX_TRAVEL_POLICY_ADVISOR-6a1d8e3f-2c7b-4f9a-b5e0-8d4c1f6a3b27.html\n"))
        }
        let missing = await tracedesk.run(["report", "last", "-o", folder.path + "/not-yet/"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "tracedesk: \(folder.path)/not-yet/: the folder does not exist\n")
        let device = await tracedesk.run(["report", "last", "-o", "/dev/null"])
        #expect(device.status == 2, "an atomic write would replace /dev/null")
        #expect(device.stderr == "tracedesk: /dev/null exists and is not a regular file; write the report to a file\n")
        let long = await tracedesk.run(["report", "last", "-o", folder.path + "/" + String(repeating: "r", count: 300) + ".html"])
        #expect(long.status == 2)
        #expect(long.stderr.hasSuffix("the file name is longer than 255 bytes; give a shorter one\n"))
    }

    @Test("a team code of any length or script gives a file name within 255 bytes of safe characters")
    func longTeamCodeName() throws {
        var run = RunRecord(jobId: "0123456789abcdef0123456789abcdef01234567", teamCode: String(repeating: "É", count: 400),
                            status: .complete, source: .import, recordedAt: 0, updatedAt: 0)
        #expect(RunReport.defaultFileName(for: run) == String(repeating: "_", count: 100) + "-0123456789abcdef0123456789abcdef0123.html")
        run.teamCode = "../../etc/passwd"
        #expect(RunReport.defaultFileName(for: run) == "______etc_passwd-0123456789abcdef0123456789abcdef0123.html")
    }

    @Test("import of a comparison report imports the runs it links to; without its -runs folder, it says where they were")
    func importComparisonReport() async throws {
        let work = try TemporaryFolder()
        let tracedesk = try CommandLineHarness.withPod(in: work.url)
        let compared = await tracedesk.run(["compare", "XX_TRAVEL_POLICY_ADVISOR", "--message", "Business class?", "--repeat", "2",
                                            "-o", folder.appendingPathComponent("compare.html").path, "--quiet"])
        #expect(compared.status == 0, "\(compared.stderr)")
        let colleague = CommandLineHarness(database: folder.appendingPathComponent("colleague.sqlite").path)
        let imported = await colleague.run(["import", folder.appendingPathComponent("compare.html").path])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.hasPrefix("Imported 4 bodies into 4 runs") || imported.stdout.contains("into 4 runs"), "\(imported.stdout)")
        // The comparison comes with its runs: numbered in this history, its runs linked, its verdict kept.
        #expect(imported.stdout.contains("Imported the comparison of XX_TRAVEL_POLICY_ADVISOR (A PUBLISHED v1 against B DRAFT v2) as #1, with its 4 runs"),
                "\(imported.stdout)")
        let theirs = try HistoryStore(path: colleague.database, mode: .readOnly)
        let listed = try #require(try theirs.comparisons().first)
        let mine = try #require(try HistoryStore(path: tracedesk.database, mode: .readOnly).comparisons().first)
        #expect(listed.verdict == mine.verdict && listed.runs == 4 && listed.baseline == "PUBLISHED" && listed.candidate == "DRAFT")
        #expect(Set(try theirs.comparisonRuns(listed.id).map(\.side)) == ["A", "B"])
        let stored = try theirs.comparison(listed.id).resultJSON
        let result = try #require(stored.flatMap(Comparison.stored))
        #expect(result.id == listed.id && result.prompts.count == 1)
        let again = await colleague.run(["import", folder.appendingPathComponent("compare.html").path])
        #expect(again.stdout.contains("is already recorded, as #1"), "\(again.stdout)")
        #expect(try theirs.comparisons().count == 1, "not twice")

        try FileManager.default.removeItem(at: folder.appendingPathComponent("compare-runs"))
        let alone = await colleague.run(["import", folder.appendingPathComponent("compare.html").path])
        #expect(alone.status == 2)
        #expect(alone.stderr.contains("a comparison report; the runs are in the reports it links to, and compare-runs/"), "\(alone.stderr)")
        #expect(alone.stderr.hasSuffix("is not beside it (copy the report's -runs folder with it)\n"))
    }

    @Test("compare names the versions each side ran: terminal, report and the history's list")
    func versionNumbers() async throws {
        let work = try TemporaryFolder()
        let tracedesk = try CommandLineHarness.withPod(in: work.url)
        let report = folder.appendingPathComponent("versions.html").path
        let compared = await tracedesk.run(["compare", "XX_TRAVEL_POLICY_ADVISOR", "--message", "Business class?", "-o", report, "--quiet"])
        #expect(compared.status == 0, "\(compared.stderr)")
        #expect(compared.stdout.contains("A PUBLISHED v1 against B DRAFT v2, 1 repeat"), "\(compared.stdout)")
        #expect(try String(contentsOfFile: report, encoding: .utf8).contains("A PUBLISHED v1 against B DRAFT v2 · 1 prompt"))
        let store = try HistoryStore(path: tracedesk.database, mode: .readOnly)
        let listed = try #require(try store.comparisons().first)
        #expect(listed.baselineVersions == [1] && listed.candidateVersions == [2])
        #expect(Comparison.label(spec: "PUBLISHED:13", versions: []) == "PUBLISHED v13")
        #expect(Comparison.label(spec: "DRAFT", versions: [14, 15]) == "DRAFT v14, v15", "a version published between repeats")
        #expect(Comparison.label(spec: "DRAFT", versions: []) == "DRAFT", "no run said")
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
