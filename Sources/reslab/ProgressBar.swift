import Foundation
import Platform

/// A one-line download progress bar on standard error, e.g.
/// `[#########-----------]  48% 47.1/97.8 MB 12.3 MB/s`, redrawn in place.
///
/// It draws only when enabled, by default when standard error is a terminal, so logs and pipes
/// get no carriage returns. Safe to call from any thread, e.g. from `WeightsDownloader`'s callback.
final class ProgressBar: @unchecked Sendable {
    /// Whether anything is drawn.
    let isEnabled: Bool
    /// The number of cells between the brackets.
    let width: Int

    private let lock = NSLock()
    private var start: ContinuousClock.Instant?
    private var lastDraw: ContinuousClock.Instant?
    private var drewSomething = false

    /// A bar `width` cells wide, drawn only if `isEnabled`.
    init(isEnabled: Bool = Terminal.standardErrorIsTerminal, width: Int = 30) {
        self.isEnabled = isEnabled
        self.width = max(1, width)
    }

    /// Redraws the bar, at most about ten times a second (always when `received` reaches `total`).
    func update(received: Int64, total: Int64?) {
        guard isEnabled else { return }
        let now = ContinuousClock.now
        lock.lock()
        defer { lock.unlock() }
        let start = self.start ?? now
        self.start = start
        let complete = total.map { received >= $0 } ?? false
        if let lastDraw, now - lastDraw < .milliseconds(100), !complete { return }
        lastDraw = now
        let seconds = (now - start).seconds
        let rate = seconds > 0.05 ? Double(received) / seconds : nil
        Terminal.writeToStandardError(
            "\r" + Self.line(received: received, total: total, bytesPerSecond: rate, width: width)
                + Terminal.eraseToEndOfLine)
        drewSomething = true
    }

    /// Ends the bar's line, if one was drawn.
    func finish() {
        guard isEnabled else { return }
        lock.lock()
        defer { lock.unlock() }
        if drewSomething { Terminal.writeToStandardError("\n") }
        drewSomething = false
    }

    /// The bar's text: `[#####-----]  48% 47.1/97.8 MB 12.3 MB/s`; without a known total,
    /// `47.1 MB 12.3 MB/s`. Sizes are in decimal megabytes.
    static func line(received: Int64, total: Int64?, bytesPerSecond: Double?, width: Int = 30) -> String {
        var text: String
        if let total, total > 0 {
            let fraction = min(1, max(0, Double(received) / Double(total)))
            let filled = Int((fraction * Double(width)).rounded(.down))
            let percent = Int((fraction * 100).rounded(.down))
            text = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            text += String(repeating: " ", count: 3 - String(percent).count) + "\(percent)% "
            text += megabytes(received) + "/" + megabytes(total) + " MB"
        } else {
            text = megabytes(received) + " MB"
        }
        if let bytesPerSecond, bytesPerSecond.isFinite, bytesPerSecond >= 0 {
            text += " " + megabytes(Int64(bytesPerSecond)) + " MB/s"
        }
        return text
    }

    /// `bytes` in decimal megabytes with one decimal: `47.1`.
    private static func megabytes(_ bytes: Int64) -> String {
        let tenths = (bytes + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}
