import Foundation
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// What the fuzzer feeds: arbitrary bytes through the paths that read what pods and files send.
///
/// - `body`: bytes as a status body: decoded, recorded into an in-memory history twice (a poll
///   and an import), read back, drawn as a step tree, and rendered as a report;
/// - `report`: bytes as an HTML report to import;
/// - `scanner`: bytes as a capture arriving in pieces (cut where the first byte says), through the
///   resumable scanner that `import` reads files and standard input with, each value decoded;
/// - `markdown`: bytes as an answer's Markdown, read and drawn into a document that is serialised.
///
/// Nothing may trap, hang or grow without bound; thrown errors are the expected answer to bad input.
enum FuzzTargets {
    static let names = ["body", "report", "scanner", "markdown"]

    static func run(_ data: Data, target: String) {
        switch target {
        case "report": report(data)
        case "scanner": scanner(data)
        case "markdown": markdown(data)
        default: body(data)
        }
    }

    /// One history for the process (making one per input would cost more than the input), emptied after each.
    static let store = try! HistoryStore.inMemory()

    static func body(_ data: Data) {
        defer { _ = try? store.prune(PruneRequest(before: .max, force: true), dryRun: false) }
        guard let body = try? StatusBody(data: data) else { return }
        let text = String(decoding: data, as: UTF8.self)
        let context = RecordingContext(teamCode: "XX_FUZZ", source: .invoke)
        _ = try? store.record(body, verbatim: text, observation: .received(at: 1_773_341_443_081, httpStatus: 200), context: context)
        _ = try? store.record(body, verbatim: text, observation: .imported(at: 1_773_341_443_082),
                              context: RecordingContext(source: .import))
        guard let run = try? store.run(body.jobId), let details = try? store.details(of: run, now: 1_773_341_500_000) else { return }
        _ = NodeTree(details.nodes).prefixes()
        _ = details.clockNote
        _ = details.nodes.map { details.openDuration(of: $0) }
        _ = try? RunReport(of: run, from: store).html()
    }

    static func report(_ data: Data) {
        guard let read = try? EmbeddedRun.read(data, origin: "fuzz") else { return }
        for embedded in read.bodies { _ = try? StatusBody(data: Data(embedded.text.utf8)) }
    }

    static func markdown(_ data: Data) {
        let document = HTMLDocument()
        document.appendMarkdown(String(decoding: data, as: UTF8.self), in: document.body)
        _ = document.serialized()
    }

    static func scanner(_ data: Data) {
        var scanner = JSONTextScanner(maximumValueBytes: 1 << 20)
        let bytes = [UInt8](data)
        let step = max(1, Int(bytes.first ?? 7) % 64)
        var offset = 0
        do {
            var pieces: [JSONTextScanner.Piece] = []
            while offset < bytes.count {
                let end = min(bytes.count, offset + step)
                pieces += try scanner.feed(Array(bytes[offset..<end]))
                offset = end
            }
            pieces += try scanner.finish()
            for piece in pieces { _ = try? StatusBody(data: Data(piece.bytes)) }
        } catch {
            return
        }
    }
}
