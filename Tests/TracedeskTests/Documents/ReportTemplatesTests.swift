import Foundation
import Testing
@testable import TracedeskClient
@testable import TracedeskCommandLine
@testable import TracedeskCompare
@testable import TracedeskDocuments
@testable import TracedeskHistory
@testable import TracedeskModel
@testable import TracedeskUseCases

@Suite("Report templates")
struct ReportTemplatesTests {
    @Test("the copy compiled into the binary is the files of templates/ (run scripts/embed-templates)")
    func embeddedCopyIsCurrent() throws {
        let folder = Fixtures.repository.appendingPathComponent("templates")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".html") || $0.hasSuffix(".css") || $0.hasSuffix(".js") }
        #expect(Set(names) == Set(ReportTemplates.embedded.files.keys))
        for name in names {
            let file = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(ReportTemplates.embedded.files[name].map { $0 + "\n" } == file, "\(name) differs: run scripts/embed-templates")
        }
    }

    @Test("a folder's files replace the built-in ones: a designer's stylesheet is used as it is")
    func override() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "body { color: rebeccapurple; }".write(to: folder.appendingPathComponent("report.css"), atomically: true, encoding: .utf8)
        let templates = try ReportTemplates.overridden(by: folder.path)
        let fixture = try ReportFixture(sample: "coe-status-complete.json")
        let html = try fixture.report().html(templates: templates)
        #expect(html.contains("body { color: rebeccapurple; }"))
        #expect(html.contains("data-slot=\"step-tree\""), "the built-in skeleton is still used")
    }

    @Test("a skeleton without a slot the report needs is refused, naming the slot")
    func missingSlot() throws {
        var files = ReportTemplates.embedded.files
        files[ReportTemplates.runReport] = files[ReportTemplates.runReport]!.replacingOccurrences(of: #"data-slot="chunks""#, with: "")
        let templates = ReportTemplates(files: files, origin: "my-templates")
        let fixture = try ReportFixture(sample: "document-chunks-complete.json")
        #expect(throws: TracedeskError.badInput("my-templates: run-report.html: no element with data-slot=\"chunks\"; the report needs one")) {
            try fixture.report().html(templates: templates)
        }
    }

    @Test("an edited skeleton may nest optional sections in one another and in slots: each goes once, nothing is freed twice")
    func nestedSections() throws {
        var files = ReportTemplates.embedded.files
        var skeleton = files[ReportTemplates.runReport]!
        // Chunks inside citations (both left out for this run), the error section's marker inside a slot, and a nested section of one name.
        skeleton = skeleton.replacingOccurrences(of: #"<div data-slot="citations"></div>"#,
                                                 with: #"<div data-slot="citations"></div><p data-section="chunks">chunks <span data-section="chunks">again</span></p>"#)
        skeleton = skeleton.replacingOccurrences(of: #"<div data-slot="prompt"></div>"#,
                                                 with: #"<div data-slot="prompt"><p data-section="error">placeholder</p></div>"#)
        files[ReportTemplates.runReport] = skeleton
        let fixture = try ReportFixture(sample: "coe-status-complete.json")
        for _ in 0..<20 {
            let html = try fixture.report().html(templates: ReportTemplates(files: files, origin: "edited"))
            #expect(!html.contains("chunks again") && !html.contains("placeholder") && !html.contains("data-section=\"citations\""))
        }
    }

    @Test("a folder that holds no template is refused")
    func emptyFolder() throws {
        #expect(throws: TracedeskError.self) { try ReportTemplates.overridden(by: FileManager.default.temporaryDirectory.path) }
        #expect(throws: TracedeskError.badInput("--templates /no/such/dir: no such folder")) { try ReportTemplates.overridden(by: "/no/such/dir") }
    }
}
