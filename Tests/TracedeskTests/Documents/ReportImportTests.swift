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
