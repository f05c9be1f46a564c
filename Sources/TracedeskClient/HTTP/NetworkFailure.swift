import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// A network failure in words: what a user can act on, not `HTTPClientError.remoteConnectionClosed`
/// or `NSURLErrorDomain error -1001`.
public enum NetworkFailure {
    /// Whether trying again cannot help: a TLS failure (an untrusted certificate, http against
    /// https) or a host name that does not resolve. These are said at once, not retried.
    public static func isPermanent(_ error: any Error) -> Bool {
        switch error {
        case is NIOSSLError: return true
        case let error as NIOConnectionError:
            if error.dnsAError != nil || error.dnsAAAAError != nil, error.connectionErrors.isEmpty { return true }
            return error.connectionErrors.contains { isPermanent($0.error) }
        default:
            let text = String(describing: error)
            return text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("WRONG_VERSION_NUMBER") || text.contains("handshakeFailed")
                || text.contains("UnknownHost") || text.contains("Name or service not known")
        }
    }

    public static func describe(_ error: any Error) -> String {
        switch error {
        case let timeout as NetworkTimeout:
            return timeout.description
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout: return "no connection in time"
            case .readTimeout, .deadlineExceeded: return "no answer in time"
            case .remoteConnectionClosed: return "the connection dropped before the answer was complete"
            case .cancelled: return "cancelled"
            case .invalidURL, .emptyHost, .emptyScheme: return "not a URL Tracedesk can call"
            default: break
            }
        case let error as NIOConnectionError:
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "the host name does not resolve" }
            if let first = error.connectionErrors.first { return describe(first.error) }
        case let error as IOError:
            switch error.errnoCode {
            case ECONNREFUSED: return "the connection was refused"
            case ENETUNREACH, EHOSTUNREACH: return "the network or the host is unreachable"
            case ECONNRESET: return "the connection was reset"
            default: return "a network error (\(String(cString: strerror(error.errnoCode))))"
            }
        case ChannelError.connectTimeout:
            return "no connection in time"
        case let error as NIOSSLError:
            if case .handshakeFailed(let detail) = error, "\(detail)".contains("CERTIFICATE_VERIFY_FAILED") {
                return "the server's TLS certificate is not trusted (a private CA? see --cacert)"
            }
            if "\(error)".contains("WRONG_VERSION_NUMBER") { return "the TLS handshake failed (is the URL http:// rather than https://?)" }
            return "the TLS handshake failed"
        case let error as URLError:
            switch error.code {
            case .networkConnectionLost: return "the connection dropped before the answer was complete"
            case .timedOut: return "no answer in time"
            default: break
            }
        default:
            break
        }
        let text = String(describing: error)
        if text.contains("Connection refused") { return "the connection was refused" }
        if text.contains("UnknownHost") || text.contains("Name or service not known") { return "the host name does not resolve" }
        if text.contains("WRONG_VERSION_NUMBER") { return "the TLS handshake failed (is the URL http:// rather than https://?)" }
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate") {
            return "the server's TLS certificate is not trusted (a private CA? see --cacert)"
        }
        return (error as? LocalizedError)?.errorDescription ?? text
    }
}
