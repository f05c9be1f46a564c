import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TracedeskModel
import TracedeskHistory

/// Writing a report to disk.
public enum ReportFile {
    /// Writes the run report of `run` from `store` to `path` (a file, or a folder to write
    /// `TEAM-JOBID.html` into) and returns the absolute path.
    ///
    /// The file is replaced atomically, so a reader never sees half a report. Throws `badInput`
    /// when the folder does not exist or cannot be written. With `redactor`, the report is
    /// redacted (`RunReport.redacted(by:)`) before a byte is written.
    @discardableResult
    public static func writeRunReport(of run: RunRecord, from store: HistoryStore, to path: String,
                                      templates: ReportTemplates = .embedded, bodies: EmbeddedBodies = .all,
                                      redactor: Redactor? = nil) throws(TracedeskError) -> String {
        let url = try location(path, defaultName: RunReport.defaultFileName(for: run))
        var report = try RunReport(of: run, from: store, bodies: bodies)
        if let redactor { report = report.redacted(by: redactor) }
        return try write(bytes: try report.htmlBytes(templates: templates), to: url.path)
    }

    /// Writes `html` to `path` atomically; returns the absolute path.
    @discardableResult
    public static func write(_ html: String, to path: String) throws(TracedeskError) -> String {
        try write(bytes: Array(html.utf8), to: path)
    }

    /// Writes the UTF-8 bytes of a report to `path` atomically; returns the absolute path.
    ///
    /// The file is made 0600 whatever the umask (a report holds every status body of a run, as
    /// the 0600 history does), written beside the target and renamed over it. A failure to write
    /// (a full disk) is an `output` error, and leaves no partial file.
    @discardableResult
    public static func write(bytes: [UInt8], to path: String) throws(TracedeskError) -> String {
        let url = try location(path, defaultName: nil)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString.prefix(8)).tmp")
        let descriptor = open(temporary.path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw TracedeskError(.output, "\(path): cannot be written (\(String(cString: strerror(errno))))")
        }
        var failure: Int32 = 0
        bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        // A full disk may show only when the data is flushed.
        if failure == 0, fsync(descriptor) != 0 { failure = errno }
        close(descriptor)
        if failure == 0, rename(temporary.path, url.path) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(temporary.path)
            let reason = failure == ENOSPC || failure == EDQUOT ? "the disk is full" : String(cString: strerror(failure))
            throw TracedeskError(.output, "\(path): cannot be written (\(reason)); nothing was left half-written")
        }
        return url.standardizedFileURL.path
    }

    /// Makes `folder` (and any missing parent) 0700, whatever the umask: it holds reports.
    public static func createPrivateFolder(_ folder: URL) throws(TracedeskError) {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw .badInput("\(folder.path) exists and is not a folder") }
            return
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // createDirectory's mode is filtered through the umask: set it again.
            chmod(folder.path, 0o700)
        } catch {
            throw TracedeskError(.output, "cannot create the folder \(folder.path): \(error.localizedDescription)")
        }
    }

    /// Where a report given as `path` goes, checked before any long work: in `path` itself, or, when
    /// `path` is a folder (it exists as one, or ends with `/`), in `defaultName` inside it.
    ///
    /// Refuses, with `badInput` and what to do: a folder that does not exist; a folder when there
    /// is no default name; a path that exists and is not a regular file (a device, a pipe: the
    /// atomic write would replace it); a read-only file (which the atomic write would replace
    /// too); a file name longer than the 255 bytes file systems allow.
    @discardableResult
    public static func location(_ path: String, defaultName: String?) throws(TracedeskError) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        var url = URL(fileURLWithPath: expanded)
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        if (exists && isDirectory.boolValue) || expanded.hasSuffix("/") {
            guard let defaultName else { throw .badInput("\(path) is a folder: give the report a file name (such as \(path.hasSuffix("/") ? path : path + "/")report.html)") }
            guard exists, isDirectory.boolValue else { throw .badInput("\(path): the folder does not exist") }
            url = url.appendingPathComponent(defaultName)
        }
        let folder = url.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .badInput("\(path): the folder \(folder.path) does not exist")
        }
        if url.lastPathComponent.utf8.count > 255 {
            throw .badInput("\(path): the file name is longer than 255 bytes; give a shorter one")
        }
        if let type = (try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path))?[.type] as? FileAttributeType,
           type != .typeRegular {
            throw .badInput("\(url.path) exists and is not a regular file; write the report to a file")
        }
        // By its mode, not access(2): root may write anything, yet a file made read-only is meant to stay.
        if let mode = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.posixPermissions] as? Int, mode & 0o222 == 0 {
            throw .badInput("\(url.path) is read-only; it is left as it is (remove it, or write the report elsewhere)")
        }
        return url
    }

    /// `text` with every character but ASCII letters, digits, `-` and `_` replaced by `_`.
    public static func fileNamePart(_ text: String) -> String {
        String(text.unicodeScalars.map { ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || $0 == "-" || $0 == "_" ? Character($0) : "_" })
    }

    /// `path` as a file URL, once its folder is known to exist (a folder itself is accepted when
    /// the name will be known later): a command that writes a report after long work checks this first.
    @discardableResult
    public static func checkedLocation(_ path: String, acceptsFolder: Bool = false) throws(TracedeskError) -> URL {
        try location(path, defaultName: acceptsFolder ? "report.html" : nil)
    }
}
