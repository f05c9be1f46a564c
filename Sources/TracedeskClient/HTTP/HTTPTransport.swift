import Foundation
import TracedeskModel
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP exchange's request, as Tracedesk sends it.
public struct HTTPRequestData: Sendable {
    public var method: String
    public var url: URL
    public var headers: [String: String]
    public var body: Data?

    public init(method: String, url: URL, headers: [String: String] = [:], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// One HTTP exchange's answer.
public struct HTTPResponseData: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A header by name, case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// Sends HTTP requests: URLSession in the tool, anything in tests.
public protocol HTTPTransport: Sendable {
    /// Sends a request; throws only when no answer came (refused, reset, timed out, TLS failed).
    func send(_ request: HTTPRequestData) async throws -> HTTPResponseData
}

/// The transport of the tool: Foundation's URLSession, which honours `HTTPS_PROXY` and
/// `NO_PROXY` from the environment and verifies TLS certificates (never switched off).
public struct URLSessionTransport: HTTPTransport {
    private let session: URLSession
    private let challenges: ChallengeDecliner

    public init(timeout: TimeInterval = 60) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpCookieAcceptPolicy = .never
        configuration.urlCache = nil
        challenges = ChallengeDecliner()
        session = URLSession(configuration: configuration, delegate: challenges, delegateQueue: nil)
    }

    public func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        urlRequest.httpBody = request.body
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: urlRequest)
        } catch let error as URLError where error.code == .cancelled && challenges.wasChallenged(request.url) {
            // The server answered 401 with a challenge, which was declined (see ChallengeDecliner).
            return HTTPResponseData(status: 401, headers: [:], body: Data())
        }
        guard let http = response as? HTTPURLResponse else {
            throw URLError(.badServerResponse)
        }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name] = value }
        }
        return HTTPResponseData(status: http.statusCode, headers: headers, body: data)
    }
}

/// Declines servers' authentication challenges, so that a 401 ends the request.
///
/// Tracedesk authenticates explicitly (Basic for the token endpoint, Bearer for the pod). Left to
/// its default handling, swift-corelibs-foundation's URLSession never completes a request whose
/// 401 carries `WWW-Authenticate: Basic`, which an identity domain sends for a wrong client
/// secret: the tool would hang. Declining cancels the request instead; the URL is remembered so
/// that the transport reports the 401 it was. (Answering with no credential crashes corelibs.)
final class ChallengeDecliner: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var challenged: Set<String> = []

    func urlSession(_ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
                    completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
        #if !canImport(FoundationNetworking)
        // On Darwin, TLS trust comes through here: leave it to the system. (On Linux libcurl checks it.)
        if challenge.protectionSpace.authenticationMethod == NSURLAuthenticationMethodServerTrust {
            completionHandler(.performDefaultHandling, nil)
            return
        }
        #endif
        if let url = task.originalRequest?.url?.absoluteString {
            lock.lock()
            challenged.insert(url)
            lock.unlock()
        }
        completionHandler(.rejectProtectionSpace, nil)
    }

    /// Whether a request to `url` was ended by a declined challenge (and forgets it).
    func wasChallenged(_ url: URL) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return challenged.remove(url.absoluteString) != nil
    }
}
