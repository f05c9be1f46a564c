import Foundation
import HTTPTypes
import Hummingbird
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// The pages of `tracedesk serve`, each a libxml2 document: the server's own pages from
/// `templates/serve-page.html`, a run, a diff and a comparison from the report templates with the
/// site's bar above them (`PageChrome`). Whatever the history holds becomes text nodes and
/// attribute values, through the same builder and sanitiser as the reports.
struct ServePages: Sendable {
    let store: HistoryStore
    let settings: ServeSettings
    static let scriptPath = "/static/tracedesk.js"

    var format: TextFormat { TextFormat(timeZone: TimeZone(identifier: "UTC")!) }

    /// The site's sections, for the bar.
    enum Section: String, CaseIterable {
        case runs = "Runs", teams = "Teams", comparisons = "Comparisons"
        var path: String {
            switch self {
            case .runs: "/"
            case .teams: "/teams"
            case .comparisons: "/comparisons"
            }
        }
    }

    /// The bar above every page: the site's sections, the current one marked, the page's own links, the live state.
    func chrome(current: Section?, live: String? = nil, extra: @escaping (HTMLDocument, HTMLElement) -> Void = { _, _ in }) -> PageChrome {
        PageChrome(scriptPath: Self.scriptPath, bodyAttributes: live.map { [("data-live", $0)] } ?? [],
                   runLink: { "/runs/" + Self.segment($0) }) { document, bar in
            document.element("a", in: bar, attributes: ["href": "/", "class": "site"], text: "Tracedesk")
            for section in Section.allCases {
                let link = document.element("a", in: bar, attributes: ["href": section.path], text: section.rawValue)
                if section == current { link.setAttribute("aria-current", "page") }
            }
            extra(document, bar)
            if live != nil { document.element("span", in: bar, attributes: ["class": "live", "role": "status"], text: "") }
        }
    }

    /// One of the server's own pages: a heading, a subtitle, and `build` filling `<main>`.
    func page(title: String, eyebrow: String = "", heading: String, subtitle: String = "", current: Section?, live: String? = nil,
              showsHistory: Bool = true,
              build: (HTMLDocument, HTMLElement) throws(TracedeskError) -> Void) throws(TracedeskError) -> String {
        let template = try settings.templates.document(ReportTemplates.servePage)
        let document = template.document
        try template.fill("title", text: "\(title) · Tracedesk")
        try template.fill("generator") { meta in meta.setAttribute("content", "Tracedesk") }
        // The bar names the site: a page says what it is only when its heading alone does not.
        try template.fill("eyebrow") { element in
            if eyebrow.isEmpty { document.remove(element) } else { document.text(eyebrow, in: element) }
        }
        try template.fill("heading", text: heading)
        try template.fill("subtitle", text: subtitle)
        try template.fill("main") { (main: HTMLElement) throws(TracedeskError) in try build(document, main) }
        // Where the history lives (a path with the user's name in it) is for those the server answers.
        let source = showsHistory ? "Read from \(store.path). " : ""
        try template.fill("footer", text: "\(source)Times are UTC (Z). tracedesk serve never changes the history.")
        chrome(current: current, live: live).apply(to: document)
        return template.serialized()
    }

    // MARK: Answers

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ data: Data, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// An error page in the site's style (404, 400 naming the parameter, 421, 401...). A page
    /// for a client the server does not answer (401, 421) leaves out where the history lives.
    func error(_ code: Int, _ message: String, showsHistory: Bool = true) -> Response {
        let status = HTTPResponse.Status(code: code)
        let heading = "\(code) \(status.reasonPhrase)"
        let html = (try? page(title: heading, heading: heading, current: nil, showsHistory: showsHistory) { document, main in
            document.element("p", in: main, text: message)
            let back = document.element("p", in: main)
            document.element("a", in: back, attributes: ["href": "/"], text: "Back to the runs")
        }) ?? heading
        return Self.html(html, status: status)
    }

    /// The answer for an error a page met: what the path names and is not there (a run, a
    /// comparison) is a 404, the history failing a 503. (A malformed parameter is a 400: `BadParameter`.)
    func answer(for error: TracedeskError) -> Response {
        let (code, message) = Self.failure(error)
        return self.error(code, message)
    }

    /// The HTTP status and message of a failure: what is not there is a 404, a history that
    /// cannot be read a 503.
    static func failure(_ error: TracedeskError) -> (Int, String) {
        switch error.kind {
        case .badInput: (404, error.message)
        case .database: (503, "The history cannot be read just now: \(error.message)")
        default: (500, error.message)
        }
    }

    /// A failure of the JSON API, as JSON: `{"error": "...", "status": 404}`.
    static func jsonError(_ code: Int, _ message: String) -> Response {
        let value = JSONValue.object(["error": .string(message), "status": .integer(Int64(code))])
        return json(Data(value.prettyText.utf8), status: HTTPResponse.Status(code: code))
    }
}

/// A query parameter that does not read, named for a 400.
struct BadParameter: Error {
    let name: String
    let reason: String
    var message: String { "The parameter '\(name)' \(reason)." }
}
