import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The simulated pod's HTTP surface, built by functions as Hummingbird applications are, so tests
/// run it in-process with no socket, or live on port 0.
public enum PodRouter {
    /// The header, and the query item, that ask the simulator for a fault on one request.
    public static let faultHeader = "X-Simulator-Fault"
    public static let faultQueryItem = "simulatorFault"

    /// Routes a request to the pod: the token and authorize endpoints, and the agent endpoints
    /// under v1 and v2. The one routing table, used by the HTTP server and by the in-process
    /// transport of tests and benchmarks alike.
    public static func dispatch(_ request: PodRequest, to pod: SimulatedPod) async -> PodResponse {
        let path = request.path
        let authorization = request.header("Authorization")
        let fault = request.header(faultHeader) ?? request.query[faultQueryItem]
        switch request.method {
        case "POST" where path == "/oauth2/v1/token":
            let form = FormDecoding.decode(String(decoding: request.body, as: UTF8.self))
            return await pod.token(form: form, authorization: authorization)
        case "GET" where path == "/oauth2/v1/authorize":
            return await pod.authorize(query: request.query)
        case "POST":
            if let match = path.wholeMatch(of: /\/api\/fusion-ai\/orchestrator\/agent\/v[12]\/([^\/]+)\/invokeAsync/) {
                return await pod.invoke(team: decoded(match.1), body: request.body, authorization: authorization, fault: fault)
            }
            if let match = path.wholeMatch(of: /\/api\/fusion-ai\/orchestrator\/agent\/v2\/([^\/]+)\/(debug|chat)/) {
                return await pod.debug(team: decoded(match.1), body: request.body, authorization: authorization, fault: fault)
            }
        case "GET" where path == "/api/boss/data/objects/ora/commonFusionAI/genAIBoss/v1/featureConfigurations":
            return await pod.featureConfigurations(authorization: authorization)
        case "GET":
            if let match = path.wholeMatch(of: /\/api\/fusion-ai\/orchestrator\/agent\/v[12]\/([^\/]+)\/status\/([^\/]+)/) {
                return await pod.status(team: decoded(match.1), jobId: decoded(match.2), invocationMode: request.query["invocationMode"],
                                        authorization: authorization, fault: fault)
            }
        default:
            break
        }
        return .fusionError(404, code: "FAI-40400", title: "Not Found", detail: "No such endpoint: \(request.method) \(path).")
    }

    /// A path segment, percent-decoded.
    static func decoded(_ segment: Substring) -> String {
        String(segment).removingPercentEncoding ?? String(segment)
    }

    /// The routes: every request goes through `dispatch`.
    public static func build(pod: SimulatedPod) -> Router<BasicRequestContext> {
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let body = try await request.body.collect(upTo: 8 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let podRequest = PodRequest(method: request.method.rawValue, path: request.uri.path, query: query(request),
                                        headers: headers, body: Data(buffer: body))
            return try await respond(await dispatch(podRequest, to: pod))
        }
        router.get("**", use: handler)
        router.post("**", use: handler)
        return router
    }

    /// A runnable application on `host:port` (port 0 picks a free one; `onRunning` learns which).
    public static func application(pod: SimulatedPod, host: String = "127.0.0.1", port: Int = 8765,
                                   logger: Logger = Logger(label: "fusion-simulator"),
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: build(pod: pod),
            configuration: .init(address: .hostname(host, port: port), serverName: "fusion-simulator"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    static func query(_ request: Request) -> [String: String] {
        var items: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            items[String(key)] = String(value).removingPercentEncoding ?? String(value)
        }
        return items
    }

    struct DroppedConnection: Error {}

    /// Turns a pod answer into HTTP, applying the `slow` and `drop` faults.
    static func respond(_ answer: PodResponse) async throws -> Response {
        if let delay = answer.delayMs { try await Task.sleep(for: .milliseconds(delay)) }
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        let status = HTTPResponse.Status(code: answer.status)
        if answer.dropConnection {
            // Promise more bytes than are sent, then fail the body: the server closes the
            // connection mid-answer, as a reset proxy would.
            let partial = answer.body
            return Response(status: status, headers: headers, body: ResponseBody(contentLength: partial.utf8.count + 4096) { writer in
                try await writer.write(ByteBuffer(string: partial))
                throw DroppedConnection()
            })
        }
        switch answer.stream {
        case .drip(let everyMs)?:
            let bytes = Array(answer.body.utf8)
            return Response(status: status, headers: headers, body: ResponseBody(contentLength: bytes.count) { writer in
                for byte in bytes {
                    try await writer.write(ByteBuffer(bytes: [byte]))
                    try await Task.sleep(for: .milliseconds(everyMs))
                }
            })
        case .huge(let total)?:
            let head = Array(answer.body.utf8)
            let tail = Array(#""}"#.utf8)
            let padding = max(0, total - head.count - tail.count)
            return Response(status: status, headers: headers, body: ResponseBody(contentLength: head.count + padding + tail.count) { writer in
                try await writer.write(ByteBuffer(bytes: head))
                let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 1 << 16)
                var left = padding
                while left > 0 {
                    let size = min(left, 1 << 16)
                    try await writer.write(size == 1 << 16 ? chunk : ByteBuffer(repeating: UInt8(ascii: "x"), count: size))
                    left -= size
                }
                try await writer.write(ByteBuffer(bytes: tail))
            })
        case .events(let frames, let clock, let dropAfter)?:
            return Response(status: status, headers: headers, body: ResponseBody { writer in
                for (index, frame) in frames.enumerated() {
                    if let dropAfter, index >= dropAfter { throw DroppedConnection() }
                    // Sent when the run reaches it: the pod's clock, sped up or not.
                    while clock.now() < frame.at { try await Task.sleep(for: min(clock.realDelay(until: frame.at), .seconds(1))) }
                    try await writer.write(ByteBuffer(string: frame.text))
                }
                try await writer.finish(nil)
            })
        case nil:
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
        }
    }
}

/// `application/x-www-form-urlencoded` decoding.
enum FormDecoding {
    static func decode(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            let key = unescape(parts[0])
            fields[key] = parts.count > 1 ? unescape(parts[1]) : ""
        }
        return fields
    }

    private static func unescape(_ text: String) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        self = Data(buffer.readableBytesView)
    }
}
