import NIOCore
import Synchronization

/// Closes a connection that would take the server past its limit of open connections, so that a
/// flood of half-sent requests cannot use up the file descriptors the history needs.
///
/// One instance is shared by every connection's pipeline (`isSharable`); it counts the
/// connections whose pipeline it is in.
final class ConnectionLimiter: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny

    let maximum: Int
    private let open = Atomic<Int>(0)

    init(maximum: Int) {
        self.maximum = maximum
    }

    var isSharable: Bool { true }

    /// The connections counted now.
    var count: Int { open.load(ordering: .relaxed) }

    func handlerAdded(context: ChannelHandlerContext) {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        // Closed on the loop's next turn: the connection is still being set up here.
        if now > maximum {
            let channel = context.channel
            context.eventLoop.execute { channel.close(promise: nil) }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        open.wrappingSubtract(1, ordering: .relaxed)
    }
}
