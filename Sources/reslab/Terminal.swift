import Platform

extension Terminal {
    /// Writes `error: message` as one line to standard error, `error:` in bold red where stderr may colour.
    static func printError(_ message: String) {
        writeToStandardError("\(styled("error:", .boldRed, enabled: colorsStandardError)) \(message)\n")
    }
}
