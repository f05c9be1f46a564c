import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Every request passes here first: a `Host` the server does not answer to is refused (DNS
/// rebinding), a missing or wrong token is refused when one is required, only GET and HEAD
/// reach the pages (the server never changes the history), and every answer carries the
/// headers that keep a page inert: a Content-Security-Policy allowing only the server's own
/// script, no framing, no sniffing, no referrer, no caching.
struct RequestGuard<Context: RequestContext>: RouterMiddleware {
    let settings: ServeSettings
    let boundPort: BoundPort
    let pages: ServePages

    static var securityHeaders: HTTPFields {
        var fields = HTTPFields()
        fields[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'self'; "
            + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        fields[.xContentTypeOptions] = "nosniff"
        fields[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        fields[.cacheControl] = "no-store"
        fields[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return fields
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // A second Host header is how a request smuggles a name past the check (RFC 9112: answer 400).
        if !request.headers[values: HTTPField.Name("Host")!].isEmpty {
            return secured(pages.error(400, "The request has more than one Host header.", showsHistory: false))
        }
        let host = (request.head.authority ?? "").lowercased()
        if let allowed = settings.allowedHosts(port: boundPort.value), !allowed.contains(host) {
            return secured(pages.error(421, "This server does not answer to the host \(host.isEmpty ? "(none)" : host).", showsHistory: false))
        }
        guard request.method == .get || request.method == .head else {
            var response = pages.error(405, "tracedesk serve only reads the history: \(request.method.rawValue) is not allowed.")
            response.headers[.allow] = "GET, HEAD"
            return secured(response)
        }
        if let token = settings.token {
            let query = request.uri.queryParameters.get("token")
            if let query, Self.same(query, token) {
                // Trade the token in the address for a cookie, and drop it from the address bar.
                var response = Response(status: .seeOther)
                response.headers[.location] = Self.withoutToken(request.uri.string)
                response.headers[.setCookie] = "tracedesk_token=\(token); HttpOnly; SameSite=Strict; Path=/"
                return secured(response)
            }
            let bearer = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
            let cookie = Self.cookie(named: "tracedesk_token", in: request.headers[values: .cookie])
            guard [bearer, cookie].contains(where: { $0.map { Self.same($0, token) } ?? false }) else {
                return secured(pages.error(401, "This server needs its token: open the address tracedesk serve printed (with ?token=...).",
                                           showsHistory: false))
            }
        }
        do {
            return secured(try await next(request, context))
        } catch let error as HTTPError where error.status == .notFound {
            return secured(pages.error(404, "There is no page at \(request.uri.path)."))
        }
    }

    func secured(_ response: Response) -> Response {
        var response = response
        for field in Self.securityHeaders where response.headers[field.name] == nil { response.headers.append(field) }
        return response
    }

    /// Compares in time independent of where the strings differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func cookie(named name: String, in headers: [String]) -> String? {
        for header in headers {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, parts[0] == name { return parts[1] }
            }
        }
        return nil
    }

    static func withoutToken(_ uri: String) -> String {
        var components = URLComponents(string: uri) ?? URLComponents()
        components.queryItems = components.queryItems?.filter { $0.name != "token" }
        if components.queryItems?.isEmpty == true { components.queryItems = nil }
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        return path + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }
}

/// The port the server listens on, once bound (port 0 picks one).
final class BoundPort: Sendable {
    private let port: Mutex<Int>
    init(_ port: Int) { self.port = Mutex(port) }
    var value: Int { port.withLock { $0 } }
    func set(_ value: Int) { port.withLock { $0 = value } }
}
