import Glibc
import Foundation
import Synchronization

/// Work handed to the event loop from other threads.
enum LoopCommand: Sendable {
    case respond(connection: UInt64, response: Response)
    /// `status` nil: a `text/event-stream` (200, ended by closing); otherwise a chunked
    /// response with that status.
    case streamOpen(connection: UInt64, status: Status?, headers: Headers, state: StreamState)
    case streamWrite(connection: UInt64, bytes: [UInt8])
    case streamClose(connection: UInt64)
    case drain(gracePeriod: Double)
    case stopAccepting
}

/// What the event loop shares with other threads: a command queue guarded by a mutex
/// and a self-pipe that wakes `poll`. Everything else belongs to the loop thread alone.
final class ServerShared: Sendable {
    private let queue = Mutex<[LoopCommand]>([])
    /// Read end (polled by the loop) and write end of the wake pipe.
    let wakeRead: Int32
    let wakeWrite: Int32
    /// Open client connections (for callers and tests; the loop keeps its own count).
    let openConnections = Atomic<Int>(0)
    /// Bytes of client input held in the connections' request parsers right now (headers
    /// and bodies not yet handed to the handler), and the most held at once since start.
    /// Written by the loop thread only; read by callers and tests.
    let bufferedRequestBytes = Atomic<Int>(0)
    let bufferedRequestBytesHighWater = Atomic<Int>(0)
    /// The loop thread's pthread_t (0 until it starts), so `shutdown` can tell it is
    /// being called from a handler.
    let loopThread = Atomic<UInt>(0)
    private let finished = Mutex<Bool>(false)
    private let finishedSignal = NSCondition()

    init() throws(SocketError) {
        var fds: [Int32] = [0, 0]
        _ = try SocketCall.retrying("pipe") { pipe(&fds) }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        do {
            for fd in fds {
                try SocketCall.setNonBlocking(fd)
                try SocketCall.setCloseOnExec(fd)
            }
        } catch {
            Glibc.close(fds[0])
            Glibc.close(fds[1])
            throw error
        }
    }

    deinit {
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
    }

    /// Queues `command` and wakes the loop. Only the push onto an empty queue writes to
    /// the pipe: the loop empties the pipe before it takes the queue, so a command pushed
    /// after that take always finds the queue empty and wakes it again.
    func submit(_ command: LoopCommand) {
        let wasEmpty = queue.withLock { q in
            q.append(command)
            return q.count == 1
        }
        if wasEmpty {
            var byte: UInt8 = 1
            _ = Glibc.write(wakeWrite, &byte, 1)  // EAGAIN: the pipe is full, the loop is awake anyway
        }
    }

    /// Empties the wake pipe, then takes every queued command (loop thread only).
    func takeCommands() -> [LoopCommand] {
        var sink = [UInt8](repeating: 0, count: 256)
        while Glibc.read(wakeRead, &sink, sink.count) > 0 {}
        return queue.withLock { q in
            let taken = q
            q.removeAll(keepingCapacity: true)
            return taken
        }
    }

    func markFinished() {
        finishedSignal.lock()
        finished.withLock { $0 = true }
        finishedSignal.broadcast()
        finishedSignal.unlock()
    }

    func waitUntilFinished() {
        finishedSignal.lock()
        while !finished.withLock({ $0 }) { finishedSignal.wait() }
        finishedSignal.unlock()
    }

    var isFinished: Bool { finished.withLock { $0 } }
}
