import Foundation

/// What turns a shareable report into a page of `tracedesk serve`: the report's own
/// Content-Security-Policy meta is dropped (the server sends the policy, which allows the one
/// script it serves), the script is linked, and a bar of links is put above the report.
///
/// The report itself is built as for a file: the same template, builder and sanitiser.
public struct PageChrome {
    /// The site's script (`/static/tracedesk.js`), loaded deferred; none when `nil`.
    public var scriptPath: String?
    /// Attributes for `<body>` the script reads (`data-live-run` on a run still going).
    public var bodyAttributes: [(String, String)]
    /// Builds the bar put first in `<body>`: site links, then the page's own.
    public var bar: (HTMLDocument, HTMLElement) -> Void
    /// Where another run's page is (`/runs/JOBID`), for the links a file cannot have.
    public var runLink: ((String) -> String)?

    public init(scriptPath: String?, bodyAttributes: [(String, String)] = [], runLink: ((String) -> String)? = nil,
                bar: @escaping (HTMLDocument, HTMLElement) -> Void) {
        self.scriptPath = scriptPath
        self.runLink = runLink
        self.bodyAttributes = bodyAttributes
        self.bar = bar
    }

    /// Applies the chrome to a built document.
    public func apply(to document: HTMLDocument) {
        // The policy is a meta of the head: the head alone is searched, not a filled report.
        for meta in document.head.children where meta.name == "meta" && meta.attribute("http-equiv")?.lowercased() == "content-security-policy" {
            document.remove(meta)
        }
        if let scriptPath { document.element("script", in: document.head, attributes: ["src": scriptPath, "defer": "defer"]) }
        for (name, value) in bodyAttributes { document.body.setAttribute(name, value) }
        // A page in a browser window, not a document to print: the stylesheet widens it.
        document.body.setAttribute("data-served", "")
        let bar: HTMLElement
        if let first = document.body.children.first {
            bar = document.element("nav", before: first, attributes: ["class": "serve-bar", "aria-label": "Tracedesk"])
        } else {
            bar = document.element("nav", in: document.body, attributes: ["class": "serve-bar", "aria-label": "Tracedesk"])
        }
        self.bar(document, bar)
    }
}
