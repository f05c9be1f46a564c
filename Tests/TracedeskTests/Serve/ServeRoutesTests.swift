import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
@testable import TracedeskServe
import TracedeskUseCases

/// `tracedesk serve`'s routes, in process: the pages, the JSON, the errors, the guard. (The
/// browser tests drive the same pages in Chromium: scripts/check-serve-in-browser.)
@Suite("tracedesk serve: routes")
struct ServeRoutesTests {
    let folder: TemporaryFolder
    let tracedesk: CommandLineHarness

    init() async throws {
        folder = try TemporaryFolder()
        tracedesk = try CommandLineHarness.withPod(in: folder.url)
        _ = await tracedesk.run(["import", "samples/bodies/approval-waiting.json", "samples/bodies/coe-status-complete.json",
                                 "samples/bodies/document-chunks-complete.json", "samples/bodies/supervisor-complete.json",
                                 "samples/bodies/worker-card-error.json", "samples/bodies/workflow-wrapped-nested-complete.json"])
        let compared = await tracedesk.run(["compare", "XX_TRAVEL_POLICY_ADVISOR", "--message", "Business class?", "--quiet"])
        #expect(compared.status == 0, "\(compared.stderr)")
    }

    func withServer(token: String? = nil, countingBudget: Duration = .seconds(5),
                    _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let store = try HistoryStore(path: tracedesk.database, mode: .readOnly)
        let server = TracedeskServer(store: store, settings: ServeSettings(port: 0, token: token, countingBudget: countingBudget))
        let app = Application(router: server.router())
        try await app.test(.router) { client in try await body(client) }
    }

    func get(_ client: any TestClientProtocol, _ uri: String, headers: HTTPFields = [:]) async throws -> (status: Int, text: String, headers: HTTPFields) {
        try await client.execute(uri: uri, method: .get, headers: headers) { response in
            (response.status.code, String(buffer: response.body), response.headers)
        }
    }

    func document(_ text: String) throws -> HTMLDocument { try HTMLDocument(parsing: text, origin: "page") }

    @Test("the runs: every run linked, filters, counts by status, and keyset pages that neither skip nor repeat")
    func runsPage() async throws {
        try await withServer { client in
            let all = try await get(client, "/")
            #expect(all.status == 200)
            let allPage = try document(all.text)
            let rows = allPage.elements { $0.name == "tr" && $0.classes.contains("run-row") }
            #expect(rows.count == 8, "6 imported (one nested inside another is not listed) and the comparison's 2")
            let errors = try await get(client, "/?status=ERROR")
            let errorPage = try document(errors.text)
            let errorRows = errorPage.elements { $0.classes.contains("run-row") }
            #expect(errorRows.compactMap { $0.attribute("data-job-id") }.contains("d8b2f6a4-9c1e-4f3d-a7b5-2e6c0a9d4f17"))
            #expect(errorRows.allSatisfy { $0.textContent.contains("ERROR") && !$0.textContent.contains("COMPLETE") })
            let search = try await get(client, "/?q=newborn")
            let searchPage = try document(search.text)
            #expect(searchPage.elements { $0.classes.contains("run-row") }.count == 1)
            #expect(all.text.contains("WAITING") && all.text.contains(" 1"))

            var seen: [String] = []
            var next: String? = "/?limit=3"
            while let uri = next {
                let page = try await get(client, uri)
                let doc = try document(page.text)
                seen += doc.elements { $0.classes.contains("run-row") }.compactMap { $0.attribute("data-job-id") }
                next = doc.elements { $0.name == "a" && $0.attribute("rel") == "next" }.first?.attribute("href")
                    .map { $0.replacingOccurrences(of: "&amp;", with: "&") + "&limit=3" }
            }
            #expect(seen.count == 8 && Set(seen).count == 8, "\(seen)")
        }
    }

    @Test("counts that would take longer than the budget are left to /api/counts and a count=all link, never guessed")
    func countsBeyondBudget() async throws {
        try await withServer(countingBudget: .zero) { client in
            let page = try document(try await get(client, "/?q=travel").text)
            let line = try #require(page.elements { $0.name == "p" && $0.classes.contains("counts") }.first)
            #expect(line.attribute("data-counts") == "/api/counts?q=travel")
            #expect(line.textContent.contains("…") && !line.textContent.contains("0"))
            let link = try #require(page.elements { $0.name == "a" && $0.classes.contains("count-all") }.first)
            #expect(link.attribute("href") == "/?q=travel&count=all")
            let listed = page.elements { $0.classes.contains("run-row") }.count
            #expect(listed >= 2, "the runs are listed all the same")

            let counted = try document(try await get(client, "/?q=travel&count=all").text)
            #expect(counted.elements { $0.name == "p" && $0.classes.contains("counts") }.first?.attribute("data-counts") == nil)
            #expect(counted.serialized().contains("\(listed) runs match these filters"))

            let json = try await get(client, "/api/counts?q=travel&status=ERROR")
            let value = try #require(JSONValue(parsing: json.text))
            #expect(value["total"] == .integer(Int64(listed)), "counts ignore the status filter, as the page's do: \(json.text)")
            let byStatus = ["RUNNING", "WAITING", "COMPLETE", "ERROR"].compactMap { value["byStatus"]?[$0] }
            #expect(byStatus.count == 4 && byStatus.reduce(Int64(0)) { $0 + ($1.int64Value ?? 0) } == Int64(listed))
            #expect(try await get(client, "/?count=some").status == 400)
        }
    }

    @Test("the query is read as a form sends it: + is a space (two words, not a phrase), %2B a plus; bad escapes are a 400")
    func formDecoding() throws {
        #expect(try TracedeskServer.formParameters("q=variance+forecast&team=A%2BB&empty=&flag") == ["q": "variance forecast", "team": "A+B", "empty": "", "flag": ""])
        #expect(try TracedeskServer.formParameters("q=caf%C3%A9&q=second") == ["q": "café"], "the first of a repeated name")
        #expect(throws: BadParameter.self) { try TracedeskServer.formParameters("q=%FF") }
    }

    @Test("a run: the report with its caller, its nested runs, its team's neighbours, a diff form and the download")
    func runPage() async throws {
        try await withServer { client in
            let caller = try await get(client, "/runs/2d7f8a1c")
            #expect(caller.status == 200)
            let callerPage = try document(caller.text)
            let bar = try #require(callerPage.elements { $0.classes.contains("serve-bar") }.first)
            let links = callerPage.elements { $0.name == "a" }.compactMap { $0.attribute("href") }
            let nestedLine = try #require(bar.children.first { $0.classes.contains("nested-runs") }, "the runs it called, on a line of their own")
            #expect(nestedLine.textContent.hasPrefix("Runs it called: "))
            #expect(links.contains("/runs/9b1c4e7a-3d2f-4a6b-8c5e-1f7a2d9e6b30"), "the nested run: \(links)")
            #expect(links.contains("/runs/2d7f8a1c-6e4b-4c9d-b3a2-5f1e7c9d8a46/report.html"))
            let nested = try await get(client, "/runs/9b1c4e7a-3d2f-4a6b-8c5e-1f7a2d9e6b30")
            #expect(nested.status == 200)
            #expect(nested.text.contains("Called by 2d7f8a1c"))

            let download = try await get(client, "/runs/d8b2/report.html")
            #expect(download.headers[.contentDisposition] == "attachment; filename=\"XX_WORKER_CARD-d8b2f6a4-9c1e-4f3d-a7b5-2e6c0a9d4f17.html\"")
            _ = await tracedesk.run(["report", "d8b2", "-o", folder.path("cli.html")])
            let written = try String(contentsOfFile: folder.path("cli.html"), encoding: .utf8)
            func withoutFooter(_ text: String) -> String { text.replacingOccurrences(of: #"Written by Tracedesk on [^<]*"#, with: "", options: .regularExpression) }
            #expect(withoutFooter(download.text) == withoutFooter(written), "the same file tracedesk report writes")
            #expect(!download.text.contains("<script"))

            let travel = try await get(client, "/runs/6a1d")
            let travelPage = try document(travel.text)
            let form = try #require(travelPage.elements { $0.name == "form" && $0.classes.contains("diff-with") }.first)
            #expect(form.attribute("action") == "/diff")
        }
    }

    @Test("diffs and comparisons: /diff?a=&b= goes to /diff/A/B; a recorded comparison links its runs")
    func diffAndComparisons() async throws {
        try await withServer { client in
            let redirect = try await get(client, "/diff?a=6a1d&b=d8b2")
            #expect(redirect.status == 303)
            #expect(redirect.headers[.location] == "/diff/6a1d/d8b2")
            let diff = try await get(client, "/diff/6a1d/d8b2")
            #expect(diff.status == 200)
            #expect(diff.text.contains("6a1d8e3f") && diff.text.contains("d8b2f6a4"))
            let list = try await get(client, "/comparisons")
            let listPage = try document(list.text)
            #expect(listPage.elements { $0.name == "a" && $0.attribute("href") == "/comparisons/1" }.count == 1)
            let comparison = try await get(client, "/comparisons/1")
            #expect(comparison.status == 200)
            let comparisonPage = try document(comparison.text)
            #expect(comparisonPage.elements { $0.attribute("href")?.hasPrefix("/runs/") == true }.count >= 2)
            #expect(try await get(client, "/comparisons/99").status == 404)
            #expect(try await get(client, "/comparisons/abc").status == 400)
        }
    }

    @Test("teams: each team and version apart; a team's charts and slowest steps")
    func teams() async throws {
        try await withServer { client in
            let teams = try await get(client, "/teams")
            #expect(teams.text.contains("/teams/XX_TRAVEL_POLICY_ADVISOR?version=PUBLISHED"))
            #expect(try document(teams.text).elements { $0.name == "th" && $0.textContent == "AI units" }.count == 1,
                    "a column of AI units, '-' where the rates were not known")
            let team = try await get(client, "/teams/XX_TRAVEL_POLICY_ADVISOR?version=PUBLISHED&days=3650")
            #expect(team.status == 200)
            let doc = try document(team.text)
            #expect(doc.elements { $0.name == "svg" && $0.classes.contains("chart") }.count == 3)
            #expect(doc.elements { $0.name == "table" && $0.classes.contains("steps") }.count == 1)
            let bad = try await get(client, "/teams/XX_TRAVEL_POLICY_ADVISOR?version=BETA")
            #expect(bad.status == 400)
            #expect(bad.text.contains("The parameter 'version' takes DRAFT, PUBLISHED or none, not 'BETA'."))
        }
    }

    @Test("the JSON is runs --json and show --json, filters and all")
    func api() async throws {
        try await withServer { client in
            let served = try await get(client, "/api/runs?team=XX_WORKER_CARD")
            let listed = await tracedesk.run(["runs", "--json", "--team", "XX_WORKER_CARD"])
            #expect(served.text == listed.stdout)
            let shown = await tracedesk.run(["show", "d8b2", "--json"])
            let detail = try await get(client, "/api/runs/d8b2")
            #expect(JSONValue(parsing: detail.text)?["run"] == JSONValue(parsing: shown.stdout)?["run"])
            // A script calling the API gets its failures as JSON, not as pages.
            for (uri, code) in [("/api/runs/nosuch", 404), ("/api/runs?status=nope", 400), ("/api/counts?page=2", 400)] {
                let failed = try await get(client, uri)
                #expect(failed.status == code && failed.headers[.contentType] == "application/json", "\(uri)")
                #expect(JSONValue(parsing: failed.text)?["status"] == .integer(Int64(code)), "\(uri): \(failed.text)")
            }
        }
    }

    @Test("errors are pages in the site's style: 404 for what is not there, 400 naming the parameter, 405 for a write")
    func errors() async throws {
        try await withServer { client in
            for uri in ["/nowhere", "/runs/ffff0000ffff"] {
                let missing = try await get(client, uri)
                #expect(missing.status == 404, "\(uri)")
                let missingPage = try document(missing.text)
                #expect(missingPage.elements { $0.classes.contains("serve-bar") }.count == 1)
            }
            for (uri, name) in [("/?status=DONE", "status"), ("/?since=soonish", "since"), ("/?after=x", "after"), ("/?limit=0", "limit"),
                                ("/?page=2", "page")] {
                let bad = try await get(client, uri)
                #expect(bad.status == 400)
                #expect(bad.text.contains("The parameter '\(name)'"), "\(uri)")
            }
            let post = try await client.execute(uri: "/", method: .post) { $0.status.code }
            #expect(post == 405)
        }
    }

    @Test("every answer carries the policy that allows only the server's script; hostile text stays text")
    func inert() async throws {
        let hostile = #"{"jobId": "x-1", "status": "ERROR", "workflowCode": "XX", "message": "<script>alert(1)</script>", "error": "<img src=x onerror=alert(2)>", "output": "[a](javascript:alert(3))"}"#
        try hostile.write(toFile: folder.path("hostile.json"), atomically: true, encoding: .utf8)
        _ = await tracedesk.run(["import", folder.path("hostile.json")])
        try await withServer { client in
            for uri in ["/", "/runs/x-1", "/teams", "/teams/XX?version=none", "/diff/x-1/d8b2", "/?q=alert"] {
                let page = try await get(client, uri)
                #expect(page.status == 200, "\(uri): \(page.text.prefix(300))")
                #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
                #expect(page.headers[.xContentTypeOptions] == "nosniff")
                let doc = try document(page.text)
                let scripts = doc.elements(named: "script")
                #expect(scripts.allSatisfy { $0.attribute("src") == "/static/tracedesk.js" && $0.textContent.isEmpty }, "\(uri)")
                for element in doc.elements(where: { _ in true }) {
                    for (name, value) in element.attributes {
                        #expect(!name.lowercased().hasPrefix("on"), "\(uri): \(element.name) \(name)")
                        #expect(!value.lowercased().contains("javascript:"), "\(uri): \(element.name) \(name)=\(value)")
                    }
                }
            }
        }
    }

    @Test("with a token: refused without it; ?token= trades it for a cookie; the cookie or a bearer opens the pages")
    func token() async throws {
        let secret = "0123456789abcdef0123"
        try await withServer(token: secret) { client in
            #expect(try await get(client, "/").status == 401)
            #expect(try await get(client, "/?token=wrong-token-0000000").status == 401)
            let traded = try await get(client, "/teams?token=\(secret)")
            #expect(traded.status == 303)
            #expect(traded.headers[.location] == "/teams")
            #expect(traded.headers[.setCookie] == "tracedesk_token=\(secret); HttpOnly; SameSite=Strict; Path=/")
            #expect(try await get(client, "/teams", headers: [.cookie: "tracedesk_token=\(secret)"]).status == 200)
            #expect(try await get(client, "/teams", headers: [.authorization: "Bearer \(secret)"]).status == 200)
        }
    }

    @Test("the names a server answers to: loopback by any of its names, another address only by its own (DNS rebinding); every interface by any name, the token guarding it")
    func hosts() throws {
        let local = try #require(ServeSettings(host: "127.0.0.1", port: 8370).allowedHosts(port: 8370))
        #expect(local.isSuperset(of: ["127.0.0.1:8370", "localhost:8370", "[::1]:8370"]))
        #expect(!local.contains("evil.example:8370"))
        let lan = ServeSettings(host: "10.1.2.3", port: 8370, token: "t").allowedHosts(port: 8370)
        #expect(lan == ["10.1.2.3", "10.1.2.3:8370"])
        #expect(ServeSettings(host: "0.0.0.0", port: 8370, token: "t").allowedHosts(port: 8370) == nil)
        #expect(ServeSettings(host: "::", port: 8370, token: "t").allowedHosts(port: 8370) == nil)
    }

    @Test("live: a body recorded by another process is a change the event stream reports, in order, once per run")
    func changes() async throws {
        let store = try HistoryStore(path: tracedesk.database, mode: .readOnly)
        let before = try store.lastChange()
        _ = await tracedesk.run(["invoke", "XX_TRAVEL_POLICY_ADVISOR", "Business class?", "--quiet"])
        let changes = try store.changes(after: before)
        #expect(changes.count == 1)
        #expect(changes.first?.status == "COMPLETE")
        #expect(try store.changes(after: try store.lastChange()).isEmpty)
        let event = LiveEvents.json(try #require(changes.first))
        #expect(JSONValue(parsing: event)?["status"]?.stringValue == "COMPLETE")
    }
}
