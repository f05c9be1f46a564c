import Foundation
import Synchronization
import TracedeskModel
#if canImport(Glibc)
import Glibc
#endif

/// Where a command writes: standard output or standard error, or a buffer in tests.
///
/// Text for people goes through `write(_:)`, which makes control characters visible (`\x1B`) so
/// that nothing a pod sends (an escape sequence in an answer, a title or clipboard command) can
/// drive the terminal; newlines and tabs are kept. Data (`--json`, `--raw`, HTML on standard
/// output) goes through `writeData(_:)` as it is. A write that fails (a closed pipe, a full disk)
/// throws `TracedeskError` of kind `.output` instead of stopping the process.
public final class TextOutput: Sendable {
    /// Whether the output is a terminal (progress is then rewritten in place).
    public let isTerminal: Bool
    /// The terminal's width in columns, when it is one (or `$COLUMNS` says).
    public let width: Int?
    private let name: String
    private let sink: @Sendable ([UInt8]) throws -> Void

    public init(name: String, isTerminal: Bool, width: Int?, sink: @escaping @Sendable ([UInt8]) throws -> Void) {
        self.name = name
        self.isTerminal = isTerminal
        self.width = width
        self.sink = sink
    }

    /// Writes text for people, with control characters made visible.
    public func write(_ text: String) throws(TracedeskError) {
        try writeData(Array(Self.visible(text).utf8))
    }

    /// Writes bytes as they are.
    public func writeData(_ bytes: [UInt8]) throws(TracedeskError) {
        do {
            try sink(bytes)
        } catch {
            throw TracedeskError(.output, "cannot write to \(name): \(Self.describe(error))")
        }
    }

    /// Writes text as it is: data (JSON, a body as received, HTML), never text from a pod shown to people.
    public func writeData(_ text: String) throws(TracedeskError) {
        try writeData(Array(text.utf8))
    }

    /// Writes one of Tracedesk's own terminal controls (clearing the progress line).
    public func writeControl(_ sequence: String) throws(TracedeskError) {
        try writeData(Array(sequence.utf8))
    }

    /// `text` with C0 and C1 control characters (but newline and tab) written as `\xHH`, the
    /// bidirectional overrides and isolates (which reorder what a terminal shows) as `\u{HHHH}`,
    /// and CRLF line ends as newlines.
    public static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            if scalar == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" { continue }
            if isControl(scalar) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += scalar.value > 0xFF ? "\\u{\(hex)}" : "\\x" + hex.leftPadded(to: 2)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: false
        case 0x00...0x1F, 0x7F...0x9F: true
        // LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI: "Trojan source" reordering.
        case 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? POSIXError { return String(cString: strerror(error.code.rawValue)) }
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }

    // MARK: The process's own outputs

    /// Standard output.
    public static func standardOutput(environment: [String: String]) -> TextOutput {
        descriptor(STDOUT_FILENO, handle: .standardOutput, name: "standard output", environment: environment)
    }

    /// Standard error.
    public static func standardError(environment: [String: String]) -> TextOutput {
        descriptor(STDERR_FILENO, handle: .standardError, name: "standard error", environment: environment)
    }

    private static func descriptor(_ descriptor: Int32, handle: FileHandle, name: String, environment: [String: String]) -> TextOutput {
        let isTerminal = isatty(descriptor) != 0
        var width: Int?
        var size = winsize()
        if isTerminal, ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 {
            width = Int(size.ws_col)
        } else if let columns = environment["COLUMNS"].flatMap(Int.init), columns > 20 {
            width = columns
        }
        return TextOutput(name: name, isTerminal: isTerminal, width: width) { bytes in
            try handle.write(contentsOf: bytes)
        }
    }

    /// An output kept in memory, for tests: what was written is in `captured.text`.
    public static func capturing(name: String, isTerminal: Bool = false, width: Int? = nil) -> (TextOutput, CapturedText) {
        let captured = CapturedText()
        return (TextOutput(name: name, isTerminal: isTerminal, width: width) { bytes in captured.append(bytes) }, captured)
    }
}

/// What a capturing `TextOutput` received.
public final class CapturedText: Sendable {
    private let bytes = Mutex<[UInt8]>([])

    public init() {}

    func append(_ more: [UInt8]) { bytes.withLock { $0 += more } }

    /// Everything written so far, as UTF-8 text.
    public var text: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
