import Foundation
import Logging

/// The simulated Fusion pod and its identity domain: tokens, jobs, conversations and faults.
///
/// HTTP-neutral: each entry point takes what a request carries and returns a `PodResponse`;
/// `PodRouter` wires them to Hummingbird. Time comes from two clocks: `runClock` drives the
/// runs (sped up with `--speed`), `wallClock` drives token expiry. Identifiers come from one
/// seeded generator, so a given seed and sequence of requests gives the same bodies.
public actor SimulatedPod {
    let library: ScenarioLibrary
    let configuration: PodConfiguration
    let runClock: any PodClock
    let wallClock: any PodClock
    let logger: Logger
    var random: SeededGenerator
    var jobs: [String: SimulatedJob] = [:]
    var conversations: [String: Int] = [:]
    var accessTokens: [String: IssuedToken] = [:]
    var refreshTokens: [String: IssuedToken] = [:]
    var authorizationCodes: [String: PendingCode] = [:]
    /// How many calls of each kind each team has had, for scenario faults' `after` and `count`.
    var callCounts: [String: Int] = [:]

    struct IssuedToken: Sendable {
        var subject: String
        var clientId: String
        var scope: String
        var expiresAt: Int64
    }

    struct PendingCode: Sendable {
        var clientId: String
        var redirectURI: String
        var challenge: String
        var subject: String
        var scope: String
        var expiresAt: Int64
    }

    public init(library: ScenarioLibrary, configuration: PodConfiguration, runClock: any PodClock,
                wallClock: any PodClock = ScaledClock(speed: 1),
                logger: Logger = Logger(label: "fusion-simulator", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.library = library
        self.configuration = configuration
        self.runClock = runClock
        self.wallClock = wallClock
        self.logger = logger
        self.random = SeededGenerator(seed: configuration.seed)
    }

    /// The teams this pod knows, for listings.
    public nonisolated var teams: [String] { library.teams.keys.sorted() }

    // MARK: Agent endpoints

    /// `POST .../{team}/invokeAsync`: starts a job, or answers a WAITING one (`jobId` with `resumeNodeInput`).
    public func invoke(team: String, body: Data, authorization: String?, fault: String?) -> PodResponse {
        if let response = checkToken(authorization) { return response }
        let injected = injectFault(team: team, call: "invoke", header: fault, authorization: authorization)
        if let response = injected.response { return response }
        var response = startOrResume(team: team, requestBody: body)
        response.delayMs = injected.delayMs
        return injected.modify.map { $0(response) } ?? response
    }

    private func startOrResume(team: String, requestBody: Data) -> PodResponse {
        guard let scenario = library.teams[team] else {
            return .fusionError(404, code: "FAI-40400", title: "Not Found", detail: "No agent team with code \(team).")
        }
        guard let request = PodJSON.parse(requestBody), case .object = request else {
            return .fusionError(400, code: "FAI-40000", title: "Bad Request", detail: "The request body is not a JSON object.")
        }
        guard let message = request["message"]?.string else {
            return .fusionError(400, code: "FAI-40001", title: "Bad Request", detail: "The request has no message.")
        }
        if let jobId = request["jobId"]?.string, let input = request["resumeNodeInput"] {
            guard var job = jobs[jobId], job.team.team == team else {
                return .fusionError(404, code: "FAI-40401", title: "Not Found", detail: "No job \(jobId) for team \(team).")
            }
            if let refusal = resume(&job, with: input, field: "resumeNodeInput") { return refusal }
            jobs[jobId] = job
            return .json(200, body(of: job, admin: isAdmin(request)))
        }
        let status = (request["status"]?.string ?? "PUBLISHED").uppercased()
        let number = request["version"]?.int.map(Int.init)
        guard status == "PUBLISHED" || status == "DRAFT" else {
            return .fusionError(400, code: "FAI-40002", title: "Bad Request", detail: "status must be PUBLISHED or DRAFT.")
        }
        switch createJob(scenario: scenario, request: request, message: message, number: number, status: status,
                         conversational: request["conversational"].map { $0 == .bool(true) } ?? false) {
        case .failure(let refusal): return refusal.response
        case .success(let job): return .json(200, body(of: job, admin: isAdmin(request)))
        }
    }

    /// A refusal of a request, as the pod answers it.
    struct Refusal: Error {
        var response: PodResponse
    }

    /// A new job of `scenario` for `request`, kept in `jobs`; or why it cannot be.
    func createJob(scenario: TeamScenario, request: PodJSON, message: String, number: Int?, status: String, conversational: Bool,
                   configure: (inout SimulatedJob) -> Void = { _ in }) -> Result<SimulatedJob, Refusal> {
        let team = scenario.team
        guard let version = library.version(of: team, number: number, status: status)?.answering(message) else {
            let asked = number.map { "version \($0) \(status)" } ?? "a \(status) version"
            return .failure(Refusal(response: .fusionError(403, code: "FAI-40300", title: "Forbidden",
                                                           detail: "FAI-40300: \(asked) of \(team) does not exist, or the user lacks a role for the team.")))
        }
        var parameters: [String: String] = [:]
        if case .object(let members)? = request["parameters"] {
            for (key, value) in members { parameters[key] = value.string ?? value.text }
        }
        let missing = version.parameterNames.subtracting(parameters.keys).sorted()
        if !missing.isEmpty {
            let names = missing.map { "'\($0)'" }.joined(separator: ", ")
            return .failure(Refusal(response: .fusionError(400, code: "FAI-40012", title: "Bad Request",
                                                           detail: "\(team) needs the parameter\(missing.count == 1 ? "" : "s") \(names) in \"parameters\".")))
        }
        var conversationId = request["conversationId"]?.string
        if conversational, conversationId == nil { conversationId = random.uuid() }
        let turn: Int
        if let conversationId {
            turn = (conversations[conversationId] ?? 0) + 1
            conversations[conversationId] = turn
        } else {
            turn = 1
        }
        var job = SimulatedJob(
            jobId: random.uuid(), traceId: random.traceId(), team: scenario, version: version,
            message: message, parameters: parameters, conversationId: conversationId,
            conversational: conversational, invocationMode: isAdmin(request) ? "ADMIN" : "END_USER",
            workflowId: String(300_000_000_000_000 + (random.next() % 99_999_999_999)), turn: turn,
            createdAt: runClock.jobOrigin(), clockStart: runClock.now())
        for path in job.workflowPaths(library: library) {
            job.nestedIdentities[path] = .init(jobId: random.uuid(), traceId: random.traceId())
        }
        if let variation = version.variation {
            job.version = version.varied(by: variation, using: &random)
        }
        configure(&job)
        jobs[job.jobId] = job
        logger.info("job", metadata: ["team": "\(team)", "job": "\(job.jobId)", "version": "\(version.version) \(version.status)",
                                      "streamed": "\(job.streamed)"])
        return .success(job)
    }

    /// `GET .../{team}/status/{jobId}?invocationMode=...`: the job's body now. END_USER unless asked.
    public func status(team: String, jobId: String, invocationMode: String?, authorization: String?, fault: String?) -> PodResponse {
        if let response = checkToken(authorization) { return response }
        let injected = injectFault(team: team, call: "status", header: fault, authorization: authorization)
        if let response = injected.response { return response }
        var response: PodResponse
        if library.teams[team] == nil {
            response = .fusionError(404, code: "FAI-40400", title: "Not Found", detail: "No agent team with code \(team).")
        } else if let job = jobs[jobId], job.team.team == team {
            response = .json(200, body(of: job, admin: invocationMode?.uppercased() == "ADMIN"))
        } else {
            response = .fusionError(404, code: "FAI-40401", title: "Not Found", detail: "No job \(jobId) for team \(team).")
        }
        response.delayMs = injected.delayMs
        return injected.modify.map { $0(response) } ?? response
    }

    /// Answers the suspension `job` is in with `input` (`{messageInstanceId, userResponse,
    /// content}`); `nil` when taken, else the refusal. The token must be the current
    /// suspension's, and each is used once; a request for changes opens a new round with a new token.
    func resume(_ job: inout SimulatedJob, with input: PodJSON, field: String) -> PodResponse? {
        func refuse(_ code: String, _ detail: String) -> PodResponse {
            .fusionError(400, code: code, title: "Bad Request", detail: detail)
        }
        let now = job.now(on: runClock)
        guard let token = input["messageInstanceId"]?.string, !token.isEmpty else {
            return refuse("FAI-40015", "\(field) needs messageInstanceId (the waiting node's callbackToken) and userResponse.")
        }
        let response = (input["userResponse"]?.string ?? "").uppercased()
        guard ["APPROVE_ACTION", "REJECT_ACTION", "RFI_ACTION", "ORA_TIMEOUT"].contains(response) else {
            return refuse("FAI-40011", "\(field).userResponse must be APPROVE_ACTION, REJECT_ACTION, RFI_ACTION or ORA_TIMEOUT.")
        }
        if job.usedTokens.contains(token) {
            return refuse("FAI-40016", "This callback token was already used: each suspension is resumed once.")
        }
        let schedule = job.schedule(library: library)
        let writer = StatusBodyWriter(library: library, job: job, schedule: schedule, now: now, admin: true, aiUnits: configuration.aiUnits)
        let content = input["content"]?.string
        if case .waitingForHuman(let code, let since) = schedule.stop, since <= now, let item = writer.find(code, in: schedule.items) {
            let round = item.rounds.count
            guard token == job.callbackToken(step: code, round: round) else {
                return refuse("FAI-40014", "The callback token does not match the suspension of \(code).")
            }
            let maximum = item.step.wait?.maxIterations ?? 3
            switch response {
            case "ORA_TIMEOUT":
                return refuse("FAI-40017", "\(code) waits for a person: ORA_TIMEOUT resumes only a WAIT node.")
            case "RFI_ACTION":
                guard item.step.wait?.actions?.contains("RFI_ACTION") ?? false else {
                    return refuse("FAI-40018", "\(code) does not take requests for changes.")
                }
                guard round + 1 < maximum else {
                    return refuse("FAI-40013", "\(code) has had its \(maximum) rounds: approve or reject.")
                }
                job.rounds[code, default: []].append(RunSchedule.Answer(at: now, action: response, feedback: content, input: input))
            default:
                job.answers[code] = RunSchedule.Answer(at: now, action: response, feedback: content, input: input)
            }
            job.usedTokens.insert(token)
            logger.info("resumed", metadata: ["job": "\(job.jobId)", "step": "\(code)", "action": "\(response)"])
            return nil
        }
        if let timer = activeTimer(writer, schedule.items, now: now, streamed: job.streamed) {
            guard token == job.callbackToken(step: timer.step.code, round: 0) else {
                return refuse("FAI-40014", "The callback token does not match the suspension of \(timer.step.code).")
            }
            guard response == "ORA_TIMEOUT" else {
                return refuse("FAI-40017", "\(timer.step.code) is a WAIT node: only ORA_TIMEOUT resumes it.")
            }
            job.answers[timer.step.code] = RunSchedule.Answer(at: now, action: response, feedback: content, input: input)
            job.usedTokens.insert(token)
            return nil
        }
        return .fusionError(400, code: "FAI-40010", title: "Bad Request", detail: "Job \(job.jobId) is not waiting.")
    }

    /// The WAIT step whose timer is running at `now`: started and not over (for a streamed run,
    /// the stream stopped at it, so it counts from its start until its natural end).
    private func activeTimer(_ writer: StatusBodyWriter, _ items: [RunSchedule.Item], now: Int64, streamed: Bool) -> RunSchedule.Item? {
        for item in items {
            if item.step.wait?.kind == "timer", item.answer == nil, item.start <= now, let end = item.end, now < end { return item }
            if let found = activeTimer(writer, item.children, now: now, streamed: streamed) { return found }
        }
        return nil
    }

    func body(of job: SimulatedJob, admin: Bool) -> PodJSON {
        StatusBodyWriter(library: library, job: job, schedule: job.schedule(library: library),
                         now: job.now(on: runClock), admin: admin, aiUnits: configuration.aiUnits).body()
    }

    func isAdmin(_ request: PodJSON) -> Bool {
        request["invocationMode"]?.string?.uppercased() == "ADMIN"
    }

    // MARK: Faults

    /// The fault this call meets: the request's own, else the team's scenario rules in order.
    /// Either an answer that replaces the normal one, or a delay before the normal one.
    /// A fault's effect on a call: an answer instead of the pod's, a delay, or a change to the pod's answer.
    struct InjectedFault {
        var response: PodResponse?
        var delayMs: Int?
        var modify: ((PodResponse) -> PodResponse)?
    }

    func injectFault(team: String, call: String, header: String?, authorization: String?) -> InjectedFault {
        let key = "\(team) \(call)"
        let index = callCounts[key, default: 0]
        callCounts[key] = index + 1
        var rule: FaultRule?
        if let header { rule = FaultRule(header: header) }
        if rule == nil {
            rule = library.teams[team]?.faults?.first { rule in
                guard rule.applies(to: call) else { return false }
                let after = rule.after ?? 0
                return index >= after && index < after + (rule.count ?? 1)
            }
        }
        guard let rule else { return InjectedFault() }
        logger.info("fault", metadata: ["team": "\(team)", "call": "\(call)", "fault": "\(rule.kind.rawValue)"])
        switch rule.kind {
        case .slow: return InjectedFault(delayMs: rule.delayMs ?? 3000)
        case .hang: return InjectedFault(delayMs: 86_400_000)
        case .drip:
            return InjectedFault(modify: { answer in
                var slow = answer
                slow.stream = .drip(everyMs: rule.delayMs ?? 1000)
                return slow
            })
        case .mismatchedJob:
            let other = random.uuid()
            return InjectedFault(modify: { answer in
                guard let json = PodJSON.parse(Data(answer.body.utf8)), case .object(let members) = json else { return answer }
                var changed = answer
                changed.body = PodJSON.object(members.map { $0.0 == "jobId" ? ("jobId", .string(other)) : $0 }).text
                return changed
            })
        default:
            return InjectedFault(response: answer(for: rule, authorization: authorization))
        }
    }

    private func answer(for rule: FaultRule, authorization: String?) -> PodResponse {
        switch rule.kind {
        case .tooManyRequests:
            return PodResponse.fusionError(429, code: "FAI-42900", title: "Too Many Requests", detail: "Rate limit exceeded; retry later.")
                .adding(header: ("Retry-After", rule.retryAfter ?? String(rule.retryAfterSeconds ?? 1)))
        case .status:
            let code = rule.statusCode ?? 503
            return .fusionError(code, code: "FAI-\(code)00", title: HTTPStatusText.text(code), detail: "The service is temporarily unavailable.")
        case .drop:
            return PodResponse(status: 200, headers: [("Content-Type", "application/json")], body: #"{"jobId": "#, dropConnection: true)
        case .slow:
            return PodResponse(status: 200)
        case .malformed:
            return PodResponse(status: 200, headers: [("Content-Type", "application/json")], body: #"{"jobId": "x", "status": RUNNING, "nodes": [}"#)
        case .html:
            return PodResponse(status: 502, headers: [("Content-Type", "text/html")], body: """
                <html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>
                """)
        case .expireToken:
            if let token = Self.bearer(authorization) { accessTokens[token] = nil }
            return Self.invalidToken("The access token expired.")
        case .redirect:
            return PodResponse(status: rule.statusCode ?? 302, headers: [("Location", rule.location ?? "http://127.0.0.2:9/elsewhere")])
        case .huge:
            let bytes = max(1, min(rule.sizeMiB ?? 100, 16_384)) << 20
            return PodResponse(status: 200, headers: [("Content-Type", "application/json")],
                               body: #"{"jobId": "huge", "status": "RUNNING", "padding": ""#, stream: .huge(bytes: bytes))
        case .hang, .drip, .mismatchedJob:
            return PodResponse(status: 200)
        }
    }
}

extension PodResponse {
    func adding(header: (String, String)) -> PodResponse {
        var copy = self
        copy.headers.append(header)
        return copy
    }
}

enum HTTPStatusText {
    static func text(_ code: Int) -> String {
        switch code {
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Error"
        }
    }
}
