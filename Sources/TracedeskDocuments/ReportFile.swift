import Foundation
import TracedeskModel
import TracedeskHistory

/// Writing a report to disk.
public enum ReportFile {
    /// Writes the run report of `run` from `store` to `path` and returns the absolute path.
    ///
    /// The file is replaced atomically, so a reader never sees half a report. Throws `badInput`
    /// when the folder does not exist or cannot be written.
    @discardableResult
    public static func writeRunReport(of run: RunRecord, from store: HistoryStore, to path: String,
                                      templates: ReportTemplates = .embedded) throws(TracedeskError) -> String {
        try write(try RunReport(of: run, from: store).html(templates: templates), to: path)
    }

    /// Writes `html` to `path` atomically; returns the absolute path.
    @discardableResult
    public static func write(_ html: String, to path: String) throws(TracedeskError) -> String {
        let url = try checkedLocation(path)
        do {
            try Data(html.utf8).write(to: url, options: .atomic)
        } catch {
            throw .badInput("\(path): cannot be written (\(error.localizedDescription))")
        }
        return url.standardizedFileURL.path
    }

    /// `path` as a file URL, once its folder is known to exist: a command that writes a report
    /// after long work checks this first. Throws `badInput` naming the missing folder.
    @discardableResult
    public static func checkedLocation(_ path: String) throws(TracedeskError) -> URL {
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        let folder = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .badInput("\(path): the folder \(folder.path) does not exist")
        }
        return url
    }
}
