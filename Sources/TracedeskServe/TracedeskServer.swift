import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
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
    /// Heavy pages rendered at once (`ServeSettings.concurrentRenders`).
    let renders: RenderGate
    /// Live-event streams open now.
    let liveStreams: LiveStreamCount
    let connections: ConnectionLimiter

    public init(store: HistoryStore, settings: ServeSettings) {
        self.store = store
        self.settings = settings
        self.boundPort = BoundPort(settings.port)
        self.renders = RenderGate(permits: settings.concurrentRenders)
        self.liveStreams = LiveStreamCount()
        self.connections = ConnectionLimiter(maximum: settings.maximumConnections)
    }

    var pages: ServePages { ServePages(store: store, settings: settings) }

    /// The routes, behind the request guard.
    public func router() -> Router<BasicRequestContext> {
        // HEAD is answered as GET is, without the body.
        let router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
        let pages = pages
        router.add(middleware: RequestGuard(settings: settings, boundPort: boundPort, pages: pages))

        router.get("/") { request, _ in
            Self.page(pages) { () throws -> Response in
                let filter = try ServePages.RunsFilter(Self.parameters(request), pageSize: pages.settings.pageSize)
                return ServePages.html(try pages.runsPage(filter))
            }
        }
        let renders = renders, timeout = settings.renderQueueTimeout
        router.get("/runs/:jobId") { request, context in
            await Self.heavyPage(pages, renders, timeout) { () throws -> Response in
                let steps = try Self.parameters(request)["steps"]
                guard steps.map({ Int($0).map { (1...1_000_000_000).contains($0) } ?? false }) ?? true else {
                    throw BadParameter(name: "steps", reason: "takes the number of the first step to show, 1 or more")
                }
                return ServePages.html(try pages.runPage(try Self.segment("jobId", of: context), firstStep: steps.flatMap { Int($0) }))
            }
        }
        router.get("/runs/:jobId/report.html") { _, context in
            await Self.heavyPage(pages, renders, timeout) { () throws -> Response in
                let (name, html) = try pages.runReportFile(try Self.segment("jobId", of: context))
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
            await Self.heavyPage(pages, renders, timeout) {
                ServePages.html(try pages.diffPage(try Self.segment("a", of: context), try Self.segment("b", of: context)))
            }
        }
        router.get("/comparisons") { _, _ in
            Self.page(pages) { ServePages.html(try pages.comparisonsPage()) }
        }
        router.get("/comparisons/:id") { _, context in
            await Self.heavyPage(pages, renders, timeout) { () throws -> Response in
                let text = try Self.segment("id", of: context)
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
                return ServePages.html(try pages.teamPage(try Self.segment("team", of: context), version: version, days: days))
            }
        }
        router.get("/api/runs") { request, _ in
            Self.api { () throws -> Response in
                let filter = pages.served(try ServePages.RunsFilter(Self.parameters(request), pageSize: pages.settings.pageSize))
                let runs = try pages.shown(try pages.store.runs(matching: filter.query(now: Date().epochMilliseconds)))
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
                let run = try pages.store.run(try Self.segment("jobId", of: context))
                let details = try pages.shown(try pages.store.details(of: run))
                return ServePages.json(Data(try JSONOutput.text(RunDetailsOutput(details)).utf8))
            }
        }
        let liveStreams = liveStreams, maximumStreams = settings.maximumLiveStreams
        router.get("/api/events") { request, _ in
            guard liveStreams.open(limit: maximumStreams) else {
                var response = ServePages.jsonError(503, "Too many live pages are open (\(maximumStreams)); close some and reload.")
                response.headers[.retryAfter] = "10"
                return response
            }
            return LiveEvents(store: pages.store, interval: pages.settings.watchInterval, onEnd: { liveStreams.close() })
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

    /// A page that renders a run, a diff or a comparison: built when the render gate lets it,
    /// else a 503 that says to try again.
    static func heavyPage(_ pages: ServePages, _ renders: RenderGate, _ timeout: Duration,
                          _ build: @escaping @Sendable () throws -> Response) async -> Response {
        do {
            if let response = try await renders.run(timeout: timeout, { page(pages, build) }) { return response }
        } catch {
            return pages.error(500, "The page failed: \(error)")
        }
        var response = pages.error(503, "The server is busy rendering other large pages; try again in a moment.")
        response.headers[.retryAfter] = "5"
        return response
    }

    /// A path parameter, percent-decoded: a link to a jobId or team code holding `%`, a space or
    /// a non-ASCII letter leads back to it.
    static func segment(_ name: String, of context: BasicRequestContext) throws(BadParameter) -> String {
        let raw: String
        do { raw = try context.parameters.require(name) } catch { throw BadParameter(name: name, reason: "is missing") }
        guard let decoded = raw.removingPercentEncoding else { throw BadParameter(name: name, reason: "is not valid percent-encoded UTF-8") }
        return decoded
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
            // No field of a page takes a control character; a NUL would reach SQLite's text.
            if value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }) {
                throw BadParameter(name: name, reason: "holds a control character")
            }
            if values[name] == nil { values[name] = value }
        }
        return values
    }

    /// The application, listening on the settings' host and port; `onReady` gets the bound port.
    public func application(onReady: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = router()
        let bound = boundPort
        let limiter = connections
        // The idle timeout closes a connection that has not sent a whole request head within it
        // (a slowloris client dripping header lines), and an idle kept-alive one; a request under
        // way (a page rendering, a live stream) is never cut by it.
        let http = HTTP1Channel.Configuration(additionalChannelHandlers: [limiter],
                                              idleTimeout: .nanoseconds(Int64(settings.requestHeadTimeout.components.seconds) * 1_000_000_000
                                                                        + settings.requestHeadTimeout.components.attoseconds / 1_000_000_000))
        return Application(
            router: router,
            server: .http1(configuration: http),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                bound.set(port)
                await onReady(port)
            },
            logger: Logger(label: "tracedesk-serve", factory: { _ in SwiftLogNoOpLogHandler() }))
    }
}
