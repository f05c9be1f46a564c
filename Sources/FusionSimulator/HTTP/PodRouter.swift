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

    /// The routes: token, authorize, and the agent endpoints under v1 and v2.
    public static func build(pod: SimulatedPod) -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/oauth2/v1/token") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let form = FormDecoding.decode(String(buffer: body))
            return try await respond(await pod.token(form: form, authorization: request.headers[.authorization]))
        }
        router.get("/oauth2/v1/authorize") { request, _ -> Response in
            try await respond(await pod.authorize(query: query(request)))
        }
        for api in ["v1", "v2"] {
            let base = "/api/fusion-ai/orchestrator/agent/\(api)"
            router.post("\(base)/:team/invokeAsync") { request, context -> Response in
                let team = try context.parameters.require("team")
                let body = try await request.body.collect(upTo: 8 << 20)
                return try await respond(await pod.invoke(team: team, body: Data(buffer: body),
                                                          authorization: request.headers[.authorization],
                                                          fault: fault(request)))
            }
            router.get("\(base)/:team/status/:jobId") { request, context -> Response in
                let team = try context.parameters.require("team")
                let jobId = try context.parameters.require("jobId")
                return try await respond(await pod.status(team: team, jobId: jobId,
                                                          invocationMode: query(request)["invocationMode"],
                                                          authorization: request.headers[.authorization],
                                                          fault: fault(request)))
            }
        }
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

    static func fault(_ request: Request) -> String? {
        if let name = HTTPField.Name(faultHeader), let value = request.headers[name] { return value }
        return query(request)[faultQueryItem]
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
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
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
