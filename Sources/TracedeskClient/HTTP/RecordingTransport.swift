import Foundation
import TracedeskModel
import Synchronization

/// Saves every HTTP exchange as a file, for `--record DIR`: the way a user with a real pod hands
/// over ground truth. `tracedesk import` reads the files back.
///
/// Each exchange is one JSON file (mode 0600 in a 0700 folder): the request's method, URL,
/// headers and body, and the response's status, headers and body **as text, verbatim**. The
/// `Authorization` and cookie headers are dropped, and secrets in bodies (client secrets,
/// passwords, assertions, tokens, codes) are replaced with `[redacted]` before anything is written.
public final class RecordingTransport: HTTPTransport {
    /// The key that marks a file as a recorded exchange.
    public static let marker = "tracedeskExchange"
    static let secretKeys: Set<String> = [
        "client_secret", "password", "assertion", "refresh_token", "access_token", "id_token", "code", "code_verifier",
    ]
    static let droppedHeaders: Set<String> = ["authorization", "cookie", "set-cookie", "proxy-authorization"]

    private let inner: any HTTPTransport
    private let folder: URL
    private let now: @Sendable () -> Int64
    private let sequence = Mutex(0)
    private let warned = Mutex(false)
    /// Told, once, that an exchange could not be saved (a full disk): the call itself goes on.
    private let onWriteFailure: @Sendable (String) -> Void
    /// The most of a streamed answer kept.
    private let maximumStreamBytes: Int
    /// `--record DIR --redact`: personal values are taken out of the bodies before they are saved.
    private let redactor: Redactor?
    /// The files saved so far, with the number of values the redactor had learned then: a file
    /// saved before a value was learned is redacted again.
    private let saved = Mutex<(files: [String], learned: Int)>(([], 0))

    public init(inner: any HTTPTransport, folder: URL, now: @escaping @Sendable () -> Int64 = { Date().epochMilliseconds },
                maximumStreamBytes: Int = RecordingTransport.maximumRecordedStreamBytes, redactor: Redactor? = nil,
                onWriteFailure: @escaping @Sendable (String) -> Void = { _ in }) throws(TracedeskError) {
        self.inner = inner
        self.redactor = redactor
        self.maximumStreamBytes = maximumStreamBytes
        self.folder = folder
        self.now = now
        self.onWriteFailure = onWriteFailure
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .badInput("--record \(folder.path): cannot create the folder (\(error.localizedDescription))")
        }
    }

    public func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        let started = now()
        do {
            let response = try await inner.send(request)
            write(request: request, at: started, response: response, failure: nil)
            return response
        } catch {
            write(request: request, at: started, response: nil, failure: String(describing: error))
            throw error
        }
    }

    /// A streamed answer passes through as it comes; the exchange is saved once the stream ends
    /// (or fails), its body as received up to `maximumStreamBytes`.
    public func stream(_ request: HTTPRequestData) async throws -> HTTPStreamingResponse {
        let started = now()
        let response: HTTPStreamingResponse
        do {
            response = try await inner.stream(request)
        } catch {
            write(request: request, at: started, response: nil, failure: String(describing: error))
            throw error
        }
        let head = HTTPResponseData(status: response.status, headers: response.headers, body: Data())
        // Pulled as the caller reads, not ahead of it: each event's arrival is when the caller got it.
        let tap = StreamTap(body: response.body, limit: maximumStreamBytes) { [self] kept, arrivals, failure in
            var answered = head
            answered.body = Data(kept)
            write(request: request, at: started, response: answered, arrivals: arrivals, failure: failure)
        } now: { [now] in now() }
        let stream = AsyncThrowingStream<[UInt8], any Error>(unfolding: { try await tap.next() })
        return HTTPStreamingResponse(status: response.status, headers: response.headers, body: stream)
    }

    /// Reads a streamed answer for its one reader, keeping its bytes (up to
    /// its limit) and when each event arrived, and saves the exchange once
    /// the stream ends, fails, or is left.
    private final class StreamTap: @unchecked Sendable {
        // One reader pulls at a time (`AsyncThrowingStream(unfolding:)`); the lock guards the rest.
        private var iterator: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator
        private let state = Mutex(State())
        private let save: @Sendable ([UInt8], [Int64], String?) -> Void
        private let now: @Sendable () -> Int64
        private let limit: Int

        struct State {
            var kept: [UInt8] = []
            var cut = false
            var parser = ServerSentEventParser()
            var arrivals: [Int64] = []
            var saved = false
        }

        init(body: AsyncThrowingStream<[UInt8], any Error>, limit: Int, save: @escaping @Sendable ([UInt8], [Int64], String?) -> Void,
             now: @escaping @Sendable () -> Int64) {
            iterator = body.makeAsyncIterator()
            self.limit = limit
            self.save = save
            self.now = now
        }

        func next() async throws -> [UInt8]? {
            let chunk: [UInt8]?
            do {
                chunk = try await iterator.next()
            } catch {
                finish(failure: "the stream failed: \(error)")
                throw error
            }
            guard let chunk else {
                // A cancelled reader sees the end too: that is no clean end of the stream.
                finish(failure: Task.isCancelled ? "the stream was left before its end" : nil)
                return nil
            }
            let at = now()
            state.withLock { state in
                guard !state.cut else { return }
                guard state.kept.count + chunk.count <= limit else {
                    // The kept bytes end here: an event they hold part of is read as one on import,
                    // and counted now, so that every kept event keeps its arrival.
                    state.cut = true
                    state.arrivals += repeatElement(at, count: state.parser.finish().count)
                    return
                }
                state.kept += chunk
                let events = (try? state.parser.feed(chunk))?.count ?? 0
                if events > 0 { state.arrivals += repeatElement(at, count: events) }
            }
            return chunk
        }

        private func finish(failure: String?) {
            let at = now()
            let taken: (kept: [UInt8], arrivals: [Int64], cut: Bool)? = state.withLock { state in
                guard !state.saved else { return nil }
                state.saved = true
                if !state.cut { state.arrivals += repeatElement(at, count: state.parser.finish().count) }
                return (state.kept, state.arrivals, state.cut)
            }
            guard let taken else { return }
            save(taken.kept, taken.arrivals, failure ?? (taken.cut ? "the stream was longer than the recording keeps" : nil))
        }

        deinit {
            // A reader that stopped before the end (a deadline, Ctrl-C): what it read is saved all the same.
            finish(failure: "the stream was left before its end")
        }
    }

    /// The most of a streamed answer a recording keeps, unless told otherwise.
    public static let maximumRecordedStreamBytes = 256 << 20

    /// Saves one exchange; `arrivals` (a streamed answer's) are when each of its events arrived, epoch ms.
    private func write(request: HTTPRequestData, at: Int64, response: HTTPResponseData?, arrivals: [Int64]? = nil, failure: String?) {
        let number = sequence.withLock { value in value += 1; return value }
        let requestBody = request.body.map { Self.redact(String(decoding: $0, as: UTF8.self)) }
        let responseBody = response.map { Self.redact(String(decoding: $0.body, as: UTF8.self)) }
        if let redactor {
            for body in [requestBody, responseBody] { if let body { redactor.learn(body: body) } }
        }
        func shown(_ body: String) -> String { redactor?.redact(body: body) ?? body }
        var exchange: [String: JSONValue] = [
            Self.marker: .integer(1),
            "at": .integer(at),
            "request": .object([
                "method": .string(request.method),
                "url": .string(request.url.absoluteString),
                "headers": .object(Self.headers(request.headers)),
                "body": requestBody.map { .string(shown($0)) } ?? .null,
            ]),
        ]
        if let response {
            var answer: [String: JSONValue] = [
                "status": .integer(Int64(response.status)),
                "headers": .object(Self.headers(response.headers)),
                "body": .string(shown(responseBody ?? "")),
            ]
            if let arrivals { answer["eventArrivals"] = .array(arrivals.map(JSONValue.integer)) }
            exchange["response"] = .object(answer)
        }
        if let failure { exchange["failure"] = .string(redactor?.redact(failure) ?? failure) }
        let action = request.url.lastPathComponent.filter { $0.isLetter || $0.isNumber || $0 == "-" }.prefix(40)
        let name = String(format: "%@-%04d-%@-%@.json", String(at), number, request.method, String(action))
        let data = Data(JSONValue.object(exchange).prettyText.utf8)
        let path = folder.appendingPathComponent(name).path
        if FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) {
            if let redactor { redactAgain(by: redactor, adding: path) }
            return
        }
        let first = warned.withLock { alreadyWarned in
            defer { alreadyWarned = true }
            return !alreadyWarned
        }
        if first {
            onWriteFailure("--record \(folder.path): could not save \(name); later exchanges may be missing too")
        }
    }

    /// Notes `path` as saved and, when the redactor has learned values since earlier files were
    /// saved, redacts their bodies again (a pseudonym is left as it is, so only the new values change).
    private func redactAgain(by redactor: Redactor, adding path: String) {
        let learned = redactor.learnedCount
        let earlier: [String] = saved.withLock { saved in
            defer { saved.files.append(path); saved.learned = learned }
            return learned > saved.learned ? saved.files : []
        }
        for file in earlier {
            guard let data = FileManager.default.contents(atPath: file), var exchange = JSONValue(parsing: data)?.objectValue else { continue }
            for side in ["request", "response"] {
                guard var part = exchange[side]?.objectValue, let body = part["body"]?.stringValue else { continue }
                part["body"] = .string(redactor.redact(body: body))
                exchange[side] = .object(part)
            }
            let text = JSONValue.object(exchange).prettyText
            _ = FileManager.default.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        }
    }

    static func headers(_ headers: [String: String]) -> [String: JSONValue] {
        headers.filter { !droppedHeaders.contains($0.key.lowercased()) }.mapValues(JSONValue.string)
    }

    /// Replaces secret values in a JSON or form-encoded body, and callback tokens anywhere (a
    /// stream's events, a waiting body); anything else is returned as it is.
    static func redact(_ text: String) -> String {
        let text = CallbackTokens.redacting(text).text
        if let json = JSONValue(parsing: text), json.objectValue != nil || json.arrayValue != nil {
            let cleaned = redact(json)
            return cleaned == json ? text : cleaned.compactText
        }
        guard text.contains("="), !text.contains("{"), !text.contains(" ") else { return text }
        return text.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, secretKeys.contains(String(parts[0]).removingPercentEncoding ?? String(parts[0])) else { return String(pair) }
            return "\(parts[0])=%5Bredacted%5D"
        }.joined(separator: "&")
    }

    private static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var copy: [String: JSONValue] = [:]
            for (key, member) in members { copy[key] = secretKeys.contains(key) ? .string("[redacted]") : redact(member) }
            return .object(copy)
        case .array(let items):
            return .array(items.map(redact))
        default:
            return value
        }
    }
}
