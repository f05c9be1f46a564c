import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where the command writes, and what it knows of the terminal it writes to.
enum Terminal {
    /// Writes text to standard output as it is.
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes one line to standard error, prefixed with the tool's name.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("tracedesk: \(message)\n".utf8))
    }

    /// Writes one warning line to standard error.
    static func warning(_ message: String) {
        FileHandle.standardError.write(Data("tracedesk: warning: \(message)\n".utf8))
    }

    /// The width to lay tables out in: the terminal's, else `$COLUMNS`, else 120.
    static var width: Int {
        var size = winsize()
        if isatty(STDOUT_FILENO) != 0, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 {
            return Int(size.ws_col)
        }
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 20 {
            return columns
        }
        return 120
    }

    /// JSON for scripts: sorted keys, indented, slashes unescaped.
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}
