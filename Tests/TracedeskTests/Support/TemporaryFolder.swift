import Foundation

/// A temporary folder removed when the test ends; the reports written in it are kept first
/// (`TestReports`), so that CI can check each in a browser.
final class TemporaryFolder: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tracedesk-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit {
        TestReports.keepFiles(in: url)
        try? FileManager.default.removeItem(at: url)
    }
}
