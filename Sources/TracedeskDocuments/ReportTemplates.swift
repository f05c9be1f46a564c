import Foundation
import TracedeskModel
import TracedeskHistory

/// The report skeletons and stylesheet: the copy compiled into the binary, or files from a folder.
///
/// The templates live in `templates/` as plain HTML and CSS, so a designer can change the look
/// without touching Swift; `scripts/embed-templates` copies them into the binary, so an installed
/// `tracedesk` finds them wherever it runs from. `--templates DIR` reads them from a folder instead:
/// each file found there replaces the compiled-in file of the same name.
public struct ReportTemplates: Sendable {
    /// The run report's skeleton.
    public static let runReport = "run-report.html"
    /// The comparison report's skeleton.
    public static let comparisonReport = "comparison-report.html"
    /// The stylesheet inlined into every report.
    public static let styleSheet = "report.css"
    /// The skeleton of `tracedesk serve`'s own pages (the runs, the teams, errors).
    public static let servePage = "serve-page.html"
    /// The one script `tracedesk serve` sends: live updates; every page works without it.
    public static let serveScript = "serve.js"

    /// File name to content.
    public let files: [String: String]
    /// Where the templates come from, for messages.
    public let origin: String

    /// The templates compiled into the binary.
    public static let embedded = ReportTemplates(files: EmbeddedTemplates.files, origin: "the built-in templates")

    public init(files: [String: String], origin: String) {
        self.files = files
        self.origin = origin
    }

    /// The templates of `folder` over the compiled-in ones, or the compiled-in ones when no folder is given.
    public static func load(folder: String?) throws(TracedeskError) -> ReportTemplates {
        guard let folder else { return .embedded }
        return try overridden(by: folder)
    }

    /// The compiled-in templates with those of `directory` in their place.
    ///
    /// Throws `badInput` when the folder does not exist, holds none of the template files, or a
    /// file cannot be read as UTF-8.
    public static func overridden(by directory: String) throws(TracedeskError) -> ReportTemplates {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .badInput("--templates \(directory): no such folder")
        }
        var files = EmbeddedTemplates.files
        var found = 0
        for name in EmbeddedTemplates.files.keys {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw .badInput("\(path): cannot be read as UTF-8 text")
            }
            files[name] = text
            found += 1
        }
        if found == 0 {
            throw .badInput("--templates \(directory): holds none of \(EmbeddedTemplates.files.keys.sorted().joined(separator: ", "))")
        }
        return ReportTemplates(files: files, origin: directory)
    }

    /// The text of the template `name`.
    public func text(of name: String) throws(TracedeskError) -> String {
        guard let text = files[name] else { throw .badInput("\(origin): no template \(name)") }
        return text
    }

    /// The template `name` parsed into a new document, with the stylesheet inlined.
    public func document(_ name: String) throws(TracedeskError) -> TemplateDocument {
        let document = try HTMLDocument(parsing: text(of: name), origin: "\(origin): \(name)")
        let template = TemplateDocument(document: document, name: "\(origin): \(name)")
        let css = try text(of: Self.styleSheet)
        try template.fill("stylesheet") { (style: HTMLElement) throws(TracedeskError) in
            document.styleSheet(css, in: style)
        }
        return template
    }
}

/// A parsed template: its slots (`data-slot="name"`) are filled by name, and its optional
/// sections (`data-section="name"`) removed when they have nothing to show.
public final class TemplateDocument {
    public let document: HTMLDocument
    private let name: String
    private var slots: [String: HTMLElement] = [:]
    /// The elements of each optional section, found while the template is small: a filled
    /// 6,000-step report is too large to search again for each section.
    private var sections: [String: [HTMLElement]] = [:]

    init(document: HTMLDocument, name: String) {
        self.document = document
        self.name = name
        for element in document.elements(where: { $0.attribute("data-slot") != nil || $0.attribute("data-section") != nil }) {
            if let slot = element.attribute("data-slot") { slots[slot] = element }
            if let section = element.attribute("data-section") { sections[section, default: []].append(element) }
        }
    }

    /// Empties the slot `slot` and lets `build` fill it (or remove it), once. A template without the
    /// slot is an error: a report must never leave out a part silently because a template was edited.
    public func fill(_ slot: String, _ build: (HTMLElement) throws(TracedeskError) -> Void) throws(TracedeskError) {
        // Taken out of the cache: the filler may remove the element itself (serve's pages do).
        guard let element = slots.removeValue(forKey: slot) else {
            throw .badInput("\(name): no element with data-slot=\"\(slot)\"; the report needs one")
        }
        // A placeholder's text is dropped; attributes (the <meta> slot's content) are the filler's to set.
        forget(inside: element)
        document.removeChildren(of: element)
        try build(element)
    }

    /// Sets the slot's text.
    public func fill(_ slot: String, text: String) throws(TracedeskError) {
        try fill(slot) { element in document.text(text, in: element) }
    }

    /// Removes every element of `section` (the section and its links), when `keep` is false.
    public func keepSection(_ section: String, if keep: Bool) {
        guard !keep else { return }
        // One at a time from the cache, which holds live elements only: a part inside another
        // is forgotten when the other goes.
        while let element = sections[section]?.first {
            sections[section]?.removeFirst()
            forget(inside: element)
            document.remove(element)
        }
    }

    /// Drops the slots and sections found inside `element` (not `element` itself) before it is
    /// emptied or removed: an edited template may put one inside another, and their elements are
    /// freed with it.
    private func forget(inside element: HTMLElement) {
        slots = slots.filter { !$0.value.isInside(element) }
        sections = sections.mapValues { $0.filter { !$0.isInside(element) } }
    }

    public func serialized() -> String {
        document.serialized()
    }

    /// The filled template as UTF-8 bytes.
    public func serializedBytes() -> [UInt8] {
        document.serializedBytes()
    }
}
