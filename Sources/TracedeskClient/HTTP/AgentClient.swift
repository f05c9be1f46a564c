import Foundation
import TracedeskModel

/// A status body as it arrived: decoded, verbatim, and with its HTTP status.
public struct ReceivedBody: Sendable {
    public var body: StatusBody
    public var text: String
    public var httpStatus: Int
    /// When it arrived, epoch ms.
    public var receivedAt: Int64
}

/// Something the client did that a user may want to see (a retry, a token refresh).
public enum ClientEvent: Sendable {
    case retrying(attempt: Int, of: Int, after: Duration, reason: String)
    case tokenRefreshed
}

/// Calls one team's agent endpoints on a pod: `invokeAsync` and `status/{jobId}`.
///
/// Every call carries a bearer token from `tokens`; a 401 gets one fresh token and one more try.
/// 429 waits as long as Retry-After says; 5xx answers, network failures and bodies that are not
/// status bodies (an HTML page from a proxy, a cut answer) are retried with backoff and jitter.
/// What cannot succeed by retrying is thrown at once, as a `TracedeskError` that says why.
public struct AgentClient: Sendable {
    public enum APIVersion: String, Sendable, CaseIterable {
        case v1, v2
    }

    public let pod: URL
    public var api: APIVersion
    public let team: String
    let transport: any HTTPTransport
    let tokens: any TokenProvider
    let retry: RetryPolicy
    let clock: PollingClock
    let observe: @Sendable (ClientEvent) -> Void
    /// `--timeout`: no retry wait (nor Retry-After) goes past it.
    public var deadline: Deadline?
    /// Tries of a call answered 200 with something that is not a status body.
    static let unreadableAttempts = 3

    public init(pod: URL, api: APIVersion = .v1, team: String, transport: any HTTPTransport, tokens: any TokenProvider,
                retry: RetryPolicy = RetryPolicy(), clock: PollingClock = .system,
                observe: @escaping @Sendable (ClientEvent) -> Void = { _ in }) {
        self.pod = pod
        self.api = api
        self.team = team
        self.transport = transport
        self.tokens = tokens
        self.retry = retry
        self.clock = clock
        self.observe = observe
    }

    /// A team endpoint's URL. The team code is checked by `TeamCode` before a client is made, and
    /// every segment is percent-encoded all the same: no name from a pod or a file steers the path.
    func endpoint(_ segments: String..., query: [URLQueryItem] = []) -> URL {
        var components = URLComponents(url: pod, resolvingAgainstBaseURL: false)!
        let prefix = components.percentEncodedPath.hasSuffix("/") ? String(components.percentEncodedPath.dropLast()) : components.percentEncodedPath
        components.percentEncodedPath = prefix + "/api/fusion-ai/orchestrator/agent/\(api.rawValue)/"
            + ([team] + segments).map(TeamCode.pathSegment).joined(separator: "/")
        components.queryItems = query.isEmpty ? nil : query
        return components.url!
    }

    /// Starts a job (or, with `jobId` and `resumeNodeInput`, answers a WAITING one).
    public func invoke(_ request: InvokeRequest) async throws(TracedeskError) -> ReceivedBody {
        let body: Data
        do { body = try JSONEncoder().encode(request) } catch { throw .badInput("the request cannot be encoded: \(error)") }
        return try await call(method: "POST", url: endpoint("invokeAsync"), body: body, jobId: request.jobId)
    }

    /// The job's status body now, in ADMIN mode unless asked otherwise.
    public func status(jobId: String, mode: InvokeRequest.InvocationMode = .admin) async throws(TracedeskError) -> ReceivedBody {
        let url = endpoint("status", jobId, query: [URLQueryItem(name: "invocationMode", value: mode.rawValue)])
        return try await call(method: "GET", url: url, body: nil, jobId: jobId)
    }

    private func call(method: String, url: URL, body: Data?, jobId: String?) async throws(TracedeskError) -> ReceivedBody {
        try await withRetries(what: jobId.map { "team \(team) or job \($0)" } ?? "team \(team)") { token throws in
            var headers = ["Authorization": "Bearer \(token)", "Accept": "application/json"]
            if body != nil { headers["Content-Type"] = "application/json" }
            let response = try await transport.send(HTTPRequestData(method: method, url: url, headers: headers, body: body))
            guard (200...299).contains(response.status) else { return .refused(response) }
            let decoded: StatusBody
            do {
                decoded = try StatusBody(data: response.body)
            } catch {
                return .unreadable("the pod answered \(response.status) with a body that is \((error as? StatusBodyError)?.description ?? "\(error)")")
            }
            if let jobId, decoded.jobId != jobId {
                throw TracedeskError(.podUnavailable, "the pod answered with job \(TextFormat.snippet(decoded.jobId, width: 60)) "
                                     + "when asked about job \(jobId); refused, nothing recorded", isTransient: false)
            }
            return .answered(ReceivedBody(body: decoded, text: String(decoding: response.body, as: UTF8.self),
                                          httpStatus: response.status, receivedAt: clock.now()))
        }
    }

    /// `POST …/agent/v2/{team}/debug`: starts (or resumes) a run and answers with its events as
    /// they happen (`text/event-stream`). Always the v2 path, whatever `api` says: the stream is v2's.
    /// Failures before the stream starts are retried as any call's; the stream itself is the caller's to read.
    public func openDebugStream(_ request: DebugRequest) async throws(TracedeskError) -> HTTPStreamingResponse {
        var components = URLComponents(url: pod, resolvingAgainstBaseURL: false)!
        let prefix = components.percentEncodedPath.hasSuffix("/") ? String(components.percentEncodedPath.dropLast()) : components.percentEncodedPath
        components.percentEncodedPath = prefix + "/api/fusion-ai/orchestrator/agent/v2/\(TeamCode.pathSegment(team))/debug"
        let url = components.url!
        let body = Data(request.json.compactText.utf8)
        return try await withRetries(what: request.jobId.map { "team \(team) or job \($0)" } ?? "team \(team)") { token throws in
            let headers = ["Authorization": "Bearer \(token)", "Accept": "text/event-stream", "Content-Type": "application/json"]
            let response = try await transport.stream(HTTPRequestData(method: "POST", url: url, headers: headers, body: body))
            guard (200...299).contains(response.status) else {
                return .refused(HTTPResponseData(status: response.status, headers: response.headers, body: await response.collected()))
            }
            return .answered(response)
        }
    }

    /// The pod's AI-unit rates, from its feature configuration (`ACTION_UNITS_REPORTING`); `nil`
    /// when the pod gives none.
    public func aiUnitRates() async throws(TracedeskError) -> AIUnitRates? {
        var components = URLComponents(url: pod, resolvingAgainstBaseURL: false)!
        let prefix = components.percentEncodedPath.hasSuffix("/") ? String(components.percentEncodedPath.dropLast()) : components.percentEncodedPath
        components.percentEncodedPath = prefix + "/api/boss/data/objects/ora/commonFusionAI/genAIBoss/v1/featureConfigurations"
        components.percentEncodedQuery = "$filter=activeFlag=true"
        let url = components.url!
        return try await withRetries(what: "feature configuration") { token throws in
            let response = try await transport.send(HTTPRequestData(method: "GET", url: url,
                                                                    headers: ["Authorization": "Bearer \(token)", "Accept": "application/json"]))
            guard (200...299).contains(response.status) else { return .refused(response) }
            guard let value = JSONValue(parsing: response.body) else { return .unreadable("the feature configuration is not JSON") }
            return .answered(AIUnitRates(featureConfiguration: value))
        }
    }

    /// What one try of a call came to.
    enum Attempt<Value> {
        case answered(Value)
        /// A non-2xx answer, whole.
        case refused(HTTPResponseData)
        /// A 2xx answer that is not what was asked for.
        case unreadable(String)
    }

    /// The one retry loop of the pod's calls: a bearer token on each try, one refresh after a
    /// 401, a 403 or 404 or other 4xx said at once, 429 after its Retry-After, 5xx and network
    /// failures with backoff, a 2xx that cannot be read a few times only, and nothing past the deadline.
    private func withRetries<Value>(what: String, _ send: (String) async throws -> Attempt<Value>) async throws(TracedeskError) -> Value {
        var attempt = 1
        var refreshed = false
        while true {
            let token = try await tokens.token(forceRefresh: false)
            let reason: String
            var retryAfter: Duration?
            // An answer of 200 that is not what was asked is the pod (or a proxy) misbehaving, not an
            // outage: once retried, it is said at once rather than polled past for minutes.
            var unreadable = false
            do {
                switch try await send(token) {
                case .answered(let value):
                    return value
                case .unreadable(let why):
                    reason = why
                    unreadable = true
                case .refused(let response):
                    switch response.status {
                    case 401:
                        if refreshed {
                            throw TracedeskError(.authenticationRefused, "the pod refused a fresh token (401): \(PodErrorText.describe(response))")
                        }
                        refreshed = true
                        _ = try await tokens.token(forceRefresh: true)
                        observe(.tokenRefreshed)
                        continue
                    case 403:
                        throw TracedeskError(.authenticationRefused, PodErrorText.forbidden(response, team: team))
                    case 404:
                        throw TracedeskError.badInput("the pod knows no \(what) (404): \(PodErrorText.describe(response))")
                    case 400, 405, 409, 412, 413, 415, 422:
                        throw TracedeskError.badInput("the pod refused the request (\(response.status)): \(PodErrorText.describe(response))")
                    case 429:
                        retryAfter = response.header("Retry-After").flatMap { RetryAfter.parse($0, now: clock.now()) }
                        reason = "the pod is rate limiting (429)"
                    default:
                        reason = "the pod answered \(response.status): \(PodErrorText.describe(response))"
                    }
                }
            } catch let error as TracedeskError {
                throw error
            } catch {
                let description = NetworkFailure.describe(error)
                if NetworkFailure.isPermanent(error) {
                    // Retrying a name that does not resolve, or a certificate that is not trusted, cannot help.
                    throw TracedeskError(.podUnavailable, "no answer from \(pod.host ?? pod.absoluteString): \(description); not retried",
                                         isTransient: false)
                }
                reason = "no answer from \(pod.host ?? pod.absoluteString): \(description)"
            }
            let attempts = unreadable ? min(retry.maxAttempts, Self.unreadableAttempts) : retry.maxAttempts
            guard attempt < attempts else {
                throw TracedeskError(.podUnavailable, "\(reason); gave up after \(attempt) attempt\(attempt == 1 ? "" : "s")",
                                     isTransient: !unreadable)
            }
            let delay = max(retryAfter ?? .zero, retry.delay(forRetry: attempt))
            if let deadline, delay >= deadline.remaining {
                let wait = retryAfter.map { "the pod asks to wait \(TextFormat.duration(TextFormat.milliseconds($0))) (Retry-After)" }
                    ?? "the next try would come after it"
                throw deadline.exceeded("\(reason); \(wait)")
            }
            observe(.retrying(attempt: attempt + 1, of: retry.maxAttempts, after: delay, reason: reason))
            do { try await clock.sleep(delay) } catch { throw TracedeskError(.interrupted, "interrupted while retrying: \(reason)") }
            attempt += 1
        }
    }
}

/// Reads what a pod's error answer says: `title`, `detail`, `message`, `errorCode` and any FAI code.
enum PodErrorText {
    static func describe(_ response: HTTPResponseData) -> String {
        let text = String(decoding: response.body.prefix(4096), as: UTF8.self)
        if let json = JSONValue(parsing: response.body), json.objectValue != nil {
            let parts = ["title", "detail", "message", "errorMessage", "error_description"].compactMap { json[$0]?.stringValue }
            var line = parts.joined(separator: ": ")
            if let code = json.first(["errorCode", "o:errorCode", "code"])?.stringValue, !line.contains(code) { line = "\(code) \(line)" }
            if !line.isEmpty { return line }
        }
        let type = response.header("Content-Type") ?? ""
        if type.contains("html") || text.lowercased().contains("<html") {
            let title = text.firstMatch(of: /<title>([^<]*)<\/title>/).map { String($0.1) }
            return "an HTML page\(title.map { " (\($0))" } ?? "") from a proxy or load balancer in front of the pod"
        }
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.isEmpty ? "no details" : String(line.prefix(200))
    }

    /// 403 in words: FAI-40300 means the version asked for does not exist or the user lacks a role.
    static func forbidden(_ response: HTTPResponseData, team: String) -> String {
        let detail = describe(response)
        if detail.contains("FAI-40300") {
            return "the pod refused access to \(team) (403 FAI-40300): the version asked for does not exist (a DRAFT not saved, or no PUBLISHED version), or the user lacks a role for the team"
        }
        return "the pod refused access to \(team) (403): \(detail)"
    }
}
