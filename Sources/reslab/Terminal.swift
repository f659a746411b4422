#if canImport(Glibc)
    import Glibc
#endif

/// Where output goes and whether it may be coloured: colour only on a terminal, never with `NO_COLOR`.
enum Terminal {
    static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Whether stdout may carry ANSI colour: a terminal, `NO_COLOR` unset, `TERM` not `dumb`.
    static var colorsStandardOutput: Bool {
        standardOutputIsTerminal && getenv("NO_COLOR") == nil && getenv("TERM").map { String(cString: $0) } != "dumb"
    }

    /// Wraps `text` in an ANSI SGR code when colour is on.
    static func styled(_ text: String, _ code: String, enabled: Bool = colorsStandardOutput) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
    static func bold(_ text: String) -> String { styled(text, "1") }

    /// Writes one line to standard error.
    static func printError(_ message: String) {
        let prefix = standardErrorIsTerminal && getenv("NO_COLOR") == nil ? "\u{1B}[1;31merror:\u{1B}[0m" : "error:"
        writeToStandardError("\(prefix) \(message)\n")
    }

    static func writeToStandardError(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes {
                write(STDERR_FILENO, $0.baseAddress! + offset, $0.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
