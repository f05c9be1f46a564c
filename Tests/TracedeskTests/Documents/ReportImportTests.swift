import Foundation
import Testing
@testable import TracedeskClient
@testable import TracedeskCommandLine
@testable import TracedeskCompare
@testable import TracedeskDocuments
@testable import TracedeskHistory
@testable import TracedeskModel
@testable import TracedeskUseCases

@Suite("A report brings its run into another history")
struct ReportImportTests {
    @Test("importing a report records the same run: bodies verbatim, context, instants")
    func roundTrip() throws {
        let fixture = try ReportFixture(bodies: try ["coe-invoke-running.json", "coe-status-complete.json"].map(Fixtures.text))
        let html = try fixture.html()
        let original = try fixture.details

        let colleague = try HistoryStore.inMemory()
        let summary = try Importer(store: colleague).importBodies(from: [CaptureSource.data(Data(html.utf8), origin: "shared.html")], team: nil)
        #expect(summary.runs.map(\.jobId) == [fixture.run.jobId])
        #expect(summary.bodiesStored == original.snapshots.count)
        let copy = try colleague.details(of: colleague.run(fixture.run.jobId))
        #expect(copy.run.status == original.run.status)
        #expect(copy.run.teamCode == original.run.teamCode)
        #expect(copy.run.message == original.run.message)
        #expect(copy.nodes.map(\.label) == original.nodes.map(\.label))
        #expect(try colleague.snapshots(of: copy.run).map(\.body) == fixture.store.snapshots(of: fixture.run).map(\.body))
        #expect(copy.snapshots.map(\.firstSeenAt) == original.snapshots.map(\.firstSeenAt))

        // Importing it again changes nothing.
        let again = try Importer(store: colleague).importBodies(from: [CaptureSource.data(Data(html.utf8), origin: "shared.html")], team: nil)
        #expect(again.bodiesAlreadyKnown == original.snapshots.count)
    }

    @Test("--bodies last embeds the final body alone, and import rebuilds the run as it ended; changed keeps each status change")
    func fewerBodies() throws {
        let fixture = try ReportFixture(bodies: try ["coe-invoke-running.json", "coe-status-complete.json"].map(Fixtures.text))
        let snapshots = try fixture.store.snapshots(of: fixture.run)
        let html = TestReports.keep(try RunReport(details: try fixture.details, snapshots: snapshots, bodies: .last).html(), as: "bodies-last")
        #expect(try EmbeddedRun.read(Data(html.utf8), origin: "last.html").bodies.count == 1)
        #expect(html.contains("1 body of 2, as --bodies last chose"))

        let colleague = try HistoryStore.inMemory()
        _ = try Importer(store: colleague).importBodies(from: [CaptureSource.data(Data(html.utf8), origin: "last.html")], team: nil)
        let copy = try colleague.details(of: colleague.run(fixture.run.jobId))
        let original = try fixture.details
        #expect(copy.run.status == fixture.run.status && copy.nodes.count == original.nodes.count)
        #expect(try colleague.snapshots(of: copy.run).map(\.body) == [snapshots.last!.body])

        // changed: the first body, each one whose status differs from the one before, the last.
        func snapshot(_ sequence: Int, _ status: String) -> SnapshotRecord {
            var record = snapshots[0]
            record.sequence = sequence
            record.status = status
            return record
        }
        let polled = [snapshot(1, "RUNNING"), snapshot(2, "RUNNING"), snapshot(3, "WAITING"), snapshot(4, "RUNNING"),
                      snapshot(5, "RUNNING"), snapshot(6, "COMPLETE")]
        #expect(EmbeddedBodies.changed.select(polled).map(\.sequence) == [1, 3, 4, 6])
        #expect(EmbeddedBodies.last.select(polled).map(\.sequence) == [6])
        #expect(EmbeddedBodies.all.select(polled).count == 6)
        #expect(EmbeddedBodies.changed.select([]).isEmpty)
    }

    @Test("a body with leading blank lines, CRLF and non-ASCII text reads back byte for byte")
    func exactText() throws {
        let body = "\n\r\n  {\"jobId\": \"exact-1\", \"status\": \"COMPLETE\", \"workflowCode\": \"T\",\r\n \"output\": \"Ledger — Mar-26 ✓ <b>&amp;</b>\"}\n"
        let fixture = try ReportFixture(bodies: [body])
        let stored = try fixture.store.snapshots(of: fixture.run).map(\.body)
        let read = try EmbeddedRun.read(Data(try fixture.html().utf8), origin: "report")
        #expect(read.bodies.map(\.text) == stored)
    }

    @Test("an HTML file that is not a Tracedesk report is refused by name")
    func foreignHTML() throws {
        let store = try HistoryStore.inMemory()
        #expect(throws: TracedeskError.badInput("page.html: HTML without status bodies (only reports written by Tracedesk can be imported)")) {
            try Importer(store: store).importBodies(from: [CaptureSource.data(Data("<html><body><p>hi</p></body></html>".utf8), origin: "page.html")], team: nil)
        }
    }
}
