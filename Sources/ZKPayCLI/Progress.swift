import Foundation
import Glibc
import Synchronization

/// The progress of a long step, for a person watching a terminal: one status line on
/// stderr, rewritten in place (carriage return) at most ten times a second, and ended by
/// `finish`. It writes only when stderr is a terminal and the command was not asked for
/// `--json`; otherwise (a pipe, a log file, captured test output) it is silent, so
/// scripts and logs never see the carriage returns. Any thread may report.
package final class Progress: Sendable {
    private struct State {
        var lastNanos: UInt64 = 0
        /// Characters of the line on screen now (0: none).
        var shown = 0
    }

    /// Whether anything is written.
    package let isEnabled: Bool
    private let state = Mutex(State())

    /// - Parameters:
    ///   - json: the command writes machine-readable output (`--json`): no progress.
    ///   - isTerminal: whether stderr is a terminal; by default asked of the system, and
    ///     false when the console captures its output.
    package init(console: Console, json: Bool, isTerminal: Bool? = nil) {
        let terminal = isTerminal ?? (!console.isCapturing && isatty(STDERR_FILENO) == 1)
        isEnabled = terminal && !json
    }

    /// Shows `text` as the status line, unless the last update was under 100 ms ago.
    package func update(_ text: String) {
        guard isEnabled else { return }
        state.withLock { s in
            let now = DispatchTime.now().uptimeNanoseconds
            guard s.shown == 0 || now &- s.lastNanos >= 100_000_000 else { return }
            s.lastNanos = now
            Self.write("\r" + Self.padded(text, over: s.shown))
            s.shown = text.count
        }
    }

    /// Shows "`what`: done/total (percent)".
    package func tick(_ what: String, _ done: Int, _ total: Int) {
        guard isEnabled else { return }
        let percent = total > 0 ? done * 100 / total : 100
        update("\(what): \(done)/\(total) (\(percent)%)")
    }

    /// Replaces the status line with `text` and ends it, so that the next output starts on
    /// a line of its own.
    package func finish(_ text: String) {
        guard isEnabled else { return }
        state.withLock { s in
            Self.write("\r" + Self.padded(text, over: s.shown) + "\n")
            s.shown = 0
            s.lastNanos = 0
        }
    }

    /// Writes `text` as a line of its own on stderr (a log line of a long-running command),
    /// whether or not progress is shown: a status line on screen is blanked first and comes
    /// back with the next update.
    package func line(_ text: String) {
        state.withLock { s in
            if s.shown > 0 {
                Self.write("\r" + String(repeating: " ", count: s.shown) + "\r")
                s.shown = 0
                s.lastNanos = 0
            }
            Self.write(text + "\n")
        }
    }

    /// `text` followed by the spaces that blank the rest of a previous line of `width`.
    static func padded(_ text: String, over width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    private static func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
