import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import TracedeskModel

/// The loopback redirect target of the authorization code grant: an HTTP listener on 127.0.0.1
/// (SwiftNIO) that waits for the browser to bring back `code` and `state`, answers with a page
/// saying the sign-in is done, and closes.
///
/// Requests for other paths (a browser's favicon) are answered 404 and waiting goes on; a
/// redirect with an `error`, or with another state, ends the wait with that error. A redirect
/// that arrives before `waitForCode` is called is kept, and answered then.
public final class LoopbackReceiver: Sendable {
    /// The port it listens on (chosen by the system when 0 was asked).
    public let port: Int
    private let channel: any Channel
    private let inbox: CallbackInbox

    /// Binds 127.0.0.1:`port` (0 for any free port).
    public init(port: Int = 0) throws(TracedeskError) {
        let inbox = CallbackInbox()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(CallbackHandler(inbox: inbox))
                }
            }
        do {
            channel = try bootstrap.bind(host: "127.0.0.1", port: port).wait()
        } catch {
            throw .badInput("cannot listen on 127.0.0.1:\(port) for the sign-in redirect: \(error)")
        }
        self.port = channel.localAddress?.port ?? port
        self.inbox = inbox
    }

    deinit { channel.close(promise: nil) }

    /// The redirect URI to register and send: `http://127.0.0.1:PORT/callback`.
    public var redirectURI: String { "http://127.0.0.1:\(port)/callback" }

    /// Waits for the redirect that carries `state`, and returns its code.
    public func waitForCode(state: String, timeout: Duration) async throws(TracedeskError) -> String {
        let inbox = self.inbox
        let result = await withTaskGroup(of: Result<String, TracedeskError>?.self) { group in
            group.addTask { await inbox.outcome(expecting: state) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            inbox.close()
            return first
        }
        switch result {
        case .success(let code): return code
        case .failure(let error): throw error
        case nil:
            throw TracedeskError(.authenticationRefused, "no sign-in came back within \(TextFormat.duration(timeout))")
        }
    }
}

/// The callbacks the listener received, and the one waiting for them.
final class CallbackInbox: Sendable {
    /// A request to `/callback`: its query items, and how to answer the browser.
    struct Callback: Sendable {
        var items: [String: String]
        var answer: @Sendable (_ status: HTTPResponseStatus, _ text: String) -> Void
    }

    private struct State {
        var pending: [Callback] = []
        var expected: String?
        var waiter: CheckedContinuation<Result<String, TracedeskError>?, Never>?
        var closed = false
    }

    private let state = Mutex(State())

    /// A callback arrived: judged now if the state is known, else kept until it is.
    func receive(_ callback: Callback) {
        let delivery: (CheckedContinuation<Result<String, TracedeskError>?, Never>, Result<String, TracedeskError>)? = state.withLock { state in
            guard !state.closed else {
                callback.answer(.serviceUnavailable, "This sign-in is no longer awaited. You can close this tab.")
                return nil
            }
            guard let expected = state.expected, let waiter = state.waiter else {
                state.pending.append(callback)
                return nil
            }
            state.waiter = nil
            return (waiter, Self.judge(callback, expecting: expected))
        }
        if let (waiter, result) = delivery { waiter.resume(returning: result) }
    }

    /// The outcome of the first callback: at once if one is waiting, else when it comes.
    func outcome(expecting expected: String) async -> Result<String, TracedeskError>? {
        await withCheckedContinuation { continuation in
            let ready: Result<String, TracedeskError>?? = state.withLock { state in
                state.expected = expected
                if state.closed { return .some(nil) }
                if !state.pending.isEmpty {
                    let first = state.pending.removeFirst()
                    return .some(Self.judge(first, expecting: expected))
                }
                state.waiter = continuation
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// No more waiting: a waiter still there learns nothing came.
    func close() {
        let waiter = state.withLock { state -> CheckedContinuation<Result<String, TracedeskError>?, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    private static func judge(_ callback: Callback, expecting expected: String) -> Result<String, TracedeskError> {
        let items = callback.items
        if let error = items["error"] {
            callback.answer(.badRequest, "Sign-in failed: \(error). You can close this tab.")
            return .failure(TracedeskError(.authenticationRefused, "the sign-in was refused: \(error) \(items["error_description"] ?? "")"))
        }
        guard items["state"] == expected, let code = items["code"], !code.isEmpty else {
            callback.answer(.badRequest, "This sign-in was not started here. You can close this tab.")
            return .failure(TracedeskError(.authenticationRefused, "the sign-in redirect carried another state or no code"))
        }
        callback.answer(.ok, "Signed in to Tracedesk. You can close this tab.")
        return .success(code)
    }
}

/// Reads one request on a connection: `/callback` goes to the inbox, anything else is a 404.
private final class CallbackHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let inbox: CallbackInbox
    private var target: String?

    init(inbox: CallbackInbox) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            target = head.method == .GET ? head.uri : nil
        case .body:
            break
        case .end:
            let channel = context.channel
            let answer: @Sendable (HTTPResponseStatus, String) -> Void = { status, text in
                Self.respond(on: channel, status: status, text: text)
            }
            guard let target, let components = URLComponents(string: "http://127.0.0.1\(target)"), components.path == "/callback" else {
                answer(.notFound, "Not found.")
                return
            }
            let items = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
            inbox.receive(CallbackInbox.Callback(items: items, answer: answer))
        }
    }

    /// Writes a small page and closes the connection, from whatever thread answers.
    static func respond(on channel: any Channel, status: HTTPResponseStatus, text: String) {
        let page = "<!DOCTYPE html><html lang=\"en\"><head><title>Tracedesk sign-in</title></head><body><p>\(text)</p></body></html>"
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        headers.add(name: "Content-Length", value: String(page.utf8.count))
        headers.add(name: "Connection", value: "close")
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        channel.eventLoop.execute {
            channel.write(HTTPServerResponsePart.head(head), promise: nil)
            channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: page))), promise: nil)
            channel.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
