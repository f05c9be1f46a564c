import Foundation

/// An answer of the simulated pod, before it becomes HTTP.
public struct PodResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: String
    /// Wait this long before answering (the `slow` fault).
    public var delayMs: Int?
    /// Close the connection part-way through the answer (the `drop` fault).
    public var dropConnection: Bool
    /// How the body goes out when it is not all at once (the `drip` and `huge` faults).
    public var stream: Stream?

    /// A body sent slowly, too large to hold, or as events over time.
    public enum Stream: Sendable {
        /// `body`, one byte every `everyMs`.
        case drip(everyMs: Int)
        /// A JSON object of `bytes` bytes (padding after `body`'s fields), sent in chunks.
        case huge(bytes: Int)
        /// Server-Sent Events, each sent once `clock` reaches its instant; with `dropAfter`, the
        /// connection fails after that many (a stream cut mid-run).
        case events([TimedFrame], clock: any PodClock, dropAfter: Int?)
    }

    /// A piece of a streamed body and the instant (on the pod's run clock) it is sent at.
    public struct TimedFrame: Sendable {
        public var at: Int64
        public var text: String

        public init(at: Int64, text: String) {
            self.at = at
            self.text = text
        }
    }

    public init(status: Int, headers: [(String, String)] = [], body: String = "", delayMs: Int? = nil, dropConnection: Bool = false,
                stream: Stream? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delayMs = delayMs
        self.dropConnection = dropConnection
        self.stream = stream
    }

    static func json(_ status: Int, _ body: PodJSON, headers: [(String, String)] = []) -> PodResponse {
        PodResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: body.text)
    }

    /// An RFC 6749 error answer of the token endpoint.
    static func oauthError(_ status: Int, _ error: String, _ description: String) -> PodResponse {
        var headers: [(String, String)] = [("Cache-Control", "no-store")]
        if status == 401 { headers.append(("WWW-Authenticate", #"Basic realm="identity""#)) }
        return json(status, .object([("error", .string(error)), ("error_description", .string(description))]), headers: headers)
    }

    /// A Fusion REST error answer: a JSON body with title, detail and an error code.
    static func fusionError(_ status: Int, code: String, title: String, detail: String) -> PodResponse {
        json(status, .object([("title", .string(title)), ("status", .int(Int64(status))),
                              ("detail", .string(detail)), ("o:errorCode", .string(code))]))
    }
}
