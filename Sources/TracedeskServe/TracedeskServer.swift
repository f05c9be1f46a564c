import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

/// `tracedesk serve`: the history as a local web UI. Every route reads; none writes the history
/// or calls a pod. Pages work without JavaScript; the one script the server sends only keeps an
/// open page in step with the history.
public struct TracedeskServer: Sendable {
    public let store: HistoryStore
    public let settings: ServeSettings
    let boundPort: BoundPort

    public init(store: HistoryStore, settings: ServeSettings) {
        self.store = store
        self.settings = settings
        self.boundPort = BoundPort(settings.port)
    }

    var pages: ServePages { ServePages(store: store, settings: settings) }

    /// The routes, behind the request guard.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let pages = pages
        router.add(middleware: RequestGuard(settings: settings, boundPort: boundPort, pages: pages))

        router.get("/") { request, _ in
            Self.page(pages) { () throws -> Response in
                let filter = try ServePages.RunsFilter(Self.parameters(request), pageSize: pages.settings.pageSize)
                return ServePages.html(try pages.runsPage(filter))
            }
        }
        router.get("/runs/:jobId") { _, context in
            Self.page(pages) { ServePages.html(try pages.runPage(try context.parameters.require("jobId"))) }
        }
        router.get("/runs/:jobId/report.html") { _, context in
            Self.page(pages) { () throws -> Response in
                let (name, html) = try pages.runReportFile(try context.parameters.require("jobId"))
                var response = ServePages.html(html)
                response.headers[.contentDisposition] = "attachment; filename=\"\(name)\""
                // The report's own policy (no script at all) is the one that applies to it.
                response.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
                return response
            }
        }
        router.get("/diff") { request, _ in
            Self.page(pages) { () throws -> Response in
                let parameters = try Self.parameters(request)
                guard let a = parameters["a"], !a.isEmpty else { throw BadParameter(name: "a", reason: "names the first run") }
                guard let b = parameters["b"], !b.isEmpty else { throw BadParameter(name: "b", reason: "names the second run") }
                var response = Response(status: .seeOther)
                response.headers[.location] = "/diff/\(ServePages.segment(a))/\(ServePages.segment(b))"
                return response
            }
        }
        router.get("/diff/:a/:b") { _, context in
            Self.page(pages) { ServePages.html(try pages.diffPage(try context.parameters.require("a"), try context.parameters.require("b"))) }
        }
        router.get("/comparisons") { _, _ in
            Self.page(pages) { ServePages.html(try pages.comparisonsPage()) }
        }
        router.get("/comparisons/:id") { _, context in
            Self.page(pages) { () throws -> Response in
                let text = try context.parameters.require("id")
                guard let id = Int64(text.hasPrefix("#") ? String(text.dropFirst()) : text) else {
                    throw BadParameter(name: "id", reason: "is a comparison number, not '\(text)'")
                }
                return ServePages.html(try pages.comparisonPage(id))
            }
        }
        router.get("/teams") { _, _ in
            Self.page(pages) { ServePages.html(try pages.teamsPage()) }
        }
        router.get("/teams/:team") { request, context in
            Self.page(pages) { () throws -> Response in
                let parameters = try Self.parameters(request)
                let version = try ServePages.versionParameter(parameters["version"])
                var days = 30
                if let text = parameters["days"] {
                    guard let number = Int(text), (1...3650).contains(number) else {
                        throw BadParameter(name: "days", reason: "takes 1 to 3650, not '\(text)'")
                    }
                    days = number
                }
                return ServePages.html(try pages.teamPage(try context.parameters.require("team"), version: version, days: days))
            }
        }
        router.get("/api/runs") { request, _ in
            Self.api { () throws -> Response in
                let filter = try ServePages.RunsFilter(Self.parameters(request), pageSize: pages.settings.pageSize)
                let runs = try pages.store.runs(matching: filter.query(now: Date().epochMilliseconds))
                return ServePages.json(Data(try JSONOutput.text(runs.map(RunOutput.init)).utf8))
            }
        }
        router.get("/api/counts") { request, _ in
            Self.api { () throws -> Response in
                // The runs page's counts by status when they took longer than its budget.
                let filter = try ServePages.RunsFilter(Self.parameters(request), pageSize: pages.settings.pageSize)
                var query = filter.query(now: Date().epochMilliseconds)
                query.status = nil
                let counts = try pages.store.statusCounts(matching: query)
                var members: [String: JSONValue] = [:]
                for status in ["RUNNING", "WAITING", "COMPLETE", "ERROR"] { members[status] = .integer(0) }
                for (status, count) in counts { members[status.rawValue] = .integer(Int64(count)) }
                let value = JSONValue.object(["total": .integer(Int64(counts.values.reduce(0, +))), "byStatus": .object(members)])
                return ServePages.json(Data(value.prettyText.utf8))
            }
        }
        router.get("/api/runs/:jobId") { _, context in
            Self.api { () throws -> Response in
                let run = try pages.store.run(try context.parameters.require("jobId"))
                let details = try pages.store.details(of: run)
                return ServePages.json(Data(try JSONOutput.text(RunDetailsOutput(details)).utf8))
            }
        }
        router.get("/api/events") { request, _ in
            LiveEvents(store: pages.store, interval: pages.settings.watchInterval)
                .response(lastEventId: request.headers[HTTPField.Name("Last-Event-ID")!])
        }
        router.get("/static/tracedesk.js") { _, _ in
            let script = (try? pages.settings.templates.text(of: ReportTemplates.serveScript)) ?? ""
            return Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: script)))
        }
        return router
    }

    /// A page's answer: the page, or the error page its error calls for.
    /// A JSON route: its failures are JSON too, for the scripts that call it.
    static func api(_ build: () throws -> Response) -> Response {
        do {
            return try build()
        } catch let error as BadParameter {
            return ServePages.jsonError(400, error.message)
        } catch let error as TracedeskError {
            let (code, message) = ServePages.failure(error)
            return ServePages.jsonError(code, message)
        } catch {
            return ServePages.jsonError(404, "Not found: \(error)")
        }
    }

    static func page(_ pages: ServePages, _ build: () throws -> Response) -> Response {
        do {
            return try build()
        } catch let error as BadParameter {
            return pages.error(400, error.message)
        } catch let error as TracedeskError {
            return pages.answer(for: error)
        } catch {
            return pages.error(404, "Not found: \(error)")
        }
    }

    /// The query's parameters as a form sends them (`application/x-www-form-urlencoded`): `+` is
    /// a space and `%2B` a plus, so that "variance forecast" typed in the search box is two words.
    static func parameters(_ request: Request) throws(BadParameter) -> [String: String] {
        try formParameters(request.uri.query ?? "")
    }

    static func formParameters(_ query: String) throws(BadParameter) -> [String: String] {
        var values: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String? {
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard let name = decode(parts[0]) else { continue }
            guard let value = parts.count > 1 ? decode(parts[1]) : "" else {
                throw BadParameter(name: name, reason: "is not valid percent-encoded UTF-8")
            }
            if values[name] == nil { values[name] = value }
        }
        return values
    }

    /// The application, listening on the settings' host and port; `onReady` gets the bound port.
    public func application(onReady: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = router()
        let bound = boundPort
        return Application(
            router: router,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                bound.set(port)
                await onReady(port)
            },
            logger: Logger(label: "tracedesk-serve", factory: { _ in SwiftLogNoOpLogHandler() }))
    }
}
