import Foundation

/// A team's code as Fusion writes it (`XX_WORKER_CARD`): what a name may be before it becomes a
/// segment of an authenticated request's path.
///
/// A team code comes from the command line, and from pods and files (`workflowCode` of an
/// imported body, which `resume last` calls): `../../hcmRestApi/resources/latest/evil` must not
/// steer a POST carrying a bearer token, so anything but letters, digits, `_` and `-` is refused.
public enum TeamCode {
    public static let maximumLength = 128

    /// `code`, or a `badInput` error saying which characters a team code may hold.
    public static func validated(_ code: String) throws(TracedeskError) -> String {
        guard !code.isEmpty else { throw .badInput("the team code is empty") }
        guard code.utf8.count <= maximumLength else { throw .badInput("the team code is longer than \(maximumLength) characters") }
        if let bad = code.unicodeScalars.first(where: { !isAllowed($0) }) {
            let shown = bad.properties.generalCategory == .control || bad == " " ? String(format: "U+%04X", bad.value) : "'\(bad)'"
            let escaped = code.unicodeScalars.prefix(60).map { $0.escaped(asASCII: false) }.joined()
            throw .badInput("'\(escaped)' is not a team code: \(shown) is not allowed "
                            + "(letters, digits, _ and - only, as in XX_WORKER_CARD)")
        }
        return code
    }

    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "_" || scalar == "-")
    }

    /// `text` as one path segment: every byte but letters, digits, `-`, `_` and `~`
    /// percent-encoded, so that neither `/`, `.`, `..` nor `?` can leave the segment.
    public static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: segmentCharacters) ?? ""
    }

    private static let segmentCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~")
}
