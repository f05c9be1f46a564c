import Foundation

/// Every report the tests write, kept for checking in a browser: with `TRACEDESK_TEST_REPORTS`
/// set to a folder, each report a test renders or finds in its temporary folder is copied
/// there, and CI runs axe-core and the W3C Nu validator on them all
/// (`scripts/check-serve-in-browser --reports DIR`). Without it, nothing is kept.
enum TestReports {
    static let folder: URL? = ProcessInfo.processInfo.environment["TRACEDESK_TEST_REPORTS"].flatMap { path in
        path.isEmpty ? nil : URL(fileURLWithPath: path)
    }

    /// Keeps `html`, a report a test rendered, under a name made from `name`; returns `html`.
    @discardableResult
    static func keep(_ html: String, as name: String) -> String {
        guard let folder else { return html }
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? Data(html.utf8).write(to: folder.appendingPathComponent(uniqueName(name)))
        return html
    }

    /// Keeps every `.html` file under `url` that holds a report (a Tracedesk page, not a test's own file).
    static func keepFiles(in url: URL) {
        guard folder != nil, let files = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil) else { return }
        for case let file as URL in files where file.pathExtension == "html" {
            guard let text = try? String(contentsOf: file, encoding: .utf8), text.contains(#"<meta name="generator" content="Tracedesk""#) else { continue }
            keep(text, as: file.deletingPathExtension().lastPathComponent)
        }
    }

    private static func uniqueName(_ name: String) -> String {
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }.prefix(60))
        return "\(safe)-\(UUID().uuidString.prefix(8)).html"
    }
}
