import Foundation
import TracedeskModel

/// Follows a server's redirects the way a client holding credentials must (the network
/// transport follows none itself):
///
/// - never to another origin (scheme, host and port): the token, or the client secret of a
///   token call, would go with the request. Refused with both origins named, as a pod failure;
/// - 307 and 308 repeat the request as it was, method and body;
/// - 301, 302 and 303 become a GET only for a GET (or HEAD): a POST that starts a job is never
///   sent again as a GET, whose answer would be recorded as the run;
/// - at most `maximumHops`, so that a loop ends.
public struct RedirectPolicy: HTTPTransport {
    let inner: any HTTPTransport
    public let maximumHops: Int

    public init(inner: any HTTPTransport, maximumHops: Int = 5) {
        self.inner = inner
        self.maximumHops = maximumHops
    }

    public func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        var current = request
        var hops = 0
        while true {
            let response = try await inner.send(current)
            guard [301, 302, 303, 307, 308].contains(response.status), let location = response.header("Location") else { return response }
            guard let target = URL(string: location, relativeTo: current.url)?.absoluteURL else {
                throw TracedeskError(.podUnavailable, "\(Self.origin(of: current.url)) answered \(response.status) with a Location that is not a URL")
            }
            guard Self.origin(of: target) == Self.origin(of: current.url) else {
                throw TracedeskError(.podUnavailable, "\(Self.origin(of: current.url)) redirected (\(response.status)) to another origin, "
                                     + "\(Self.origin(of: target)); refused: credentials are only sent where they were meant to go", isTransient: false)
            }
            hops += 1
            guard hops <= maximumHops else {
                throw TracedeskError(.podUnavailable, "\(Self.origin(of: current.url)) redirected more than \(maximumHops) times; refused", isTransient: false)
            }
            switch response.status {
            case 307, 308:
                current.url = target
            default:
                guard ["GET", "HEAD"].contains(current.method.uppercased()) else {
                    throw TracedeskError(.podUnavailable, "\(Self.origin(of: current.url)) answered \(response.status) to a \(current.method) of "
                                         + "\(current.url.path); refused rather than sending it again as a GET", isTransient: false)
                }
                current.url = target
            }
        }
    }

    /// A streamed answer, redirected by the same rules: only 307 and 308 within the origin (the
    /// stream is started by a POST).
    public func stream(_ request: HTTPRequestData) async throws -> HTTPStreamingResponse {
        var current = request
        var hops = 0
        while true {
            let response = try await inner.stream(current)
            guard [301, 302, 303, 307, 308].contains(response.status), let location = response.header("Location") else { return response }
            guard let target = URL(string: location, relativeTo: current.url)?.absoluteURL, Self.origin(of: target) == Self.origin(of: current.url),
                  [307, 308].contains(response.status) else {
                throw TracedeskError(.podUnavailable, "\(Self.origin(of: current.url)) redirected the stream (\(response.status)) where it cannot be followed "
                                     + "(another origin, or a method change); refused", isTransient: false)
            }
            hops += 1
            guard hops <= maximumHops else {
                throw TracedeskError(.podUnavailable, "\(Self.origin(of: current.url)) redirected more than \(maximumHops) times; refused", isTransient: false)
            }
            current.url = target
        }
    }

    /// `scheme://host:port`, with the scheme's default port written out, in lower case.
    static func origin(of url: URL) -> String {
        let scheme = (url.scheme ?? "").lowercased()
        let port = url.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : 0)
        return "\(scheme)://\((url.host ?? "").lowercased()):\(port)"
    }
}
