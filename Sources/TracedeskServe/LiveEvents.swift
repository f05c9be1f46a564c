import Foundation
import Hummingbird
import NIOCore
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

    func response(lastEventId: String?) -> Response {
        let store = store, interval = interval
        let start = lastEventId.flatMap { Int64($0) }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
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
