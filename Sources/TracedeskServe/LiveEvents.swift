import Foundation
import Hummingbird
import NIOCore
import Synchronization
import TracedeskHistory
import TracedeskModel

/// `/api/events`: Server-Sent Events, one `run` event (`{"jobId": ..., "status": ...}`) per run
/// that received a body, from this process or any other (`tracedesk invoke` in a terminal).
///
/// The history is looked at every `watchInterval` for snapshots newer than the last one sent: a
/// primary-key range, so it costs nothing on a 100,000-run history. A comment every 15 s keeps
/// proxies from closing an idle stream. The stream ends when the browser goes, or the server stops.
struct LiveEvents: Sendable {
    let store: HistoryStore
    let interval: Duration
    /// Called once the stream ends, however it ends.
    var onEnd: @Sendable () -> Void = {}

    func response(lastEventId: String?) -> Response {
        let store = store, interval = interval, onEnd = onEnd
        let start = lastEventId.flatMap { Int64($0) }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            defer { onEnd() }
            var last = start ?? ((try? store.lastChange()) ?? 0)
            try await writer.write(ByteBuffer(string: "retry: 2000\n: tracedesk live events\n\n"))
            var quiet = Duration.zero
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                let changes = (try? store.changes(after: last)) ?? []
                for change in changes {
                    let data = Self.json(change)
                    try await writer.write(ByteBuffer(string: "id: \(change.sequence)\nevent: run\ndata: \(data)\n\n"))
                    last = change.sequence
                }
                quiet = changes.isEmpty ? quiet + interval : .zero
                if quiet >= .seconds(15) {
                    try await writer.write(ByteBuffer(string: ": still here\n\n"))
                    quiet = .zero
                }
            }
            try await writer.finish(nil)
        })
    }

    static func json(_ change: RecordedChange) -> String {
        let value = JSONValue.object(["jobId": .string(change.jobId), "status": .string(change.status)])
        return value.compactText
    }
}

/// How many live-event streams are open, against `ServeSettings.maximumLiveStreams`.
final class LiveStreamCount: Sendable {
    private let count = Mutex(0)

    /// Counts one more stream when the limit allows it.
    func open(limit: Int) -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func close() {
        count.withLock { $0 = max(0, $0 - 1) }
    }

    var current: Int { count.withLock { $0 } }
}
