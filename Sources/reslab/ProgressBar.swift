import Foundation
import Platform

/// A one-line progress bar on standard error, redrawn in place: a download's
/// `[#########-----------]  48% 47.1/97.8 MB 12.3 MB/s`, or `classify`'s `[##----]  18% 12/64 8.1/s`.
///
/// It draws only when enabled, by default when standard error is a terminal, so logs and pipes
/// get no carriage returns. Safe to call from any thread, e.g. from `WeightsDownloader`'s callback.
final class ProgressBar: @unchecked Sendable {
    /// What is counted: bytes, shown in megabytes, or things shown as they are (images).
    enum Unit: Sendable {
        case bytes, items
    }

    /// Whether anything is drawn.
    let isEnabled: Bool
    /// The number of cells between the brackets.
    let width: Int
    let unit: Unit

    private let lock = NSLock()
    private var start: ContinuousClock.Instant?
    private var lastDraw: ContinuousClock.Instant?
    private var drewSomething = false

    /// A bar `width` cells wide, drawn only if `isEnabled`.
    init(isEnabled: Bool = Terminal.standardErrorIsTerminal, width: Int = 30, unit: Unit = .bytes) {
        self.isEnabled = isEnabled
        self.width = max(1, width)
        self.unit = unit
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
            "\r" + Self.line(received: received, total: total, perSecond: rate, width: width, unit: unit)
                + Terminal.eraseToEndOfLine)
        drewSomething = true
    }

    /// Erases the bar's line, so that an error line can be written there; the next update draws it again.
    func clear() {
        guard isEnabled else { return }
        lock.lock()
        defer { lock.unlock() }
        if drewSomething { Terminal.writeToStandardError("\r" + Terminal.eraseToEndOfLine) }
        drewSomething = false
        lastDraw = nil
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
    /// `47.1 MB 12.3 MB/s`. Sizes are in decimal megabytes; items are counted as they are: `12/64 8.1/s`.
    static func line(
        received: Int64, total: Int64?, perSecond: Double?, width: Int = 30, unit: Unit = .bytes
    ) -> String {
        let suffix = unit == .bytes ? " MB" : ""
        var text: String
        if let total, total > 0 {
            let fraction = min(1, max(0, Double(received) / Double(total)))
            let filled = Int((fraction * Double(width)).rounded(.down))
            let percent = Int((fraction * 100).rounded(.down))
            text = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            text += String(repeating: " ", count: 3 - String(percent).count) + "\(percent)% "
            text += amount(received, unit) + "/" + amount(total, unit) + suffix
        } else {
            text = amount(received, unit) + suffix
        }
        if let perSecond, perSecond.isFinite, perSecond >= 0 {
            text += " " + (unit == .bytes ? megabytes(Int64(perSecond)) : fixed(perSecond, 1)) + suffix + "/s"
        }
        return text
    }

    private static func amount(_ value: Int64, _ unit: Unit) -> String {
        unit == .bytes ? megabytes(value) : String(value)
    }

    /// `bytes` in decimal megabytes with one decimal: `47.1`.
    private static func megabytes(_ bytes: Int64) -> String {
        let tenths = (bytes + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}
