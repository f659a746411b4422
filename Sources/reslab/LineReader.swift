/// Where the REPL's input lines come from: GNU readline on a terminal, plain lines otherwise.
protocol LineReader: AnyObject {
    /// The next line without its newline, or `nil` at end of input (Ctrl-D).
    /// An interrupted line (Ctrl-C while typing) comes back as `""`.
    func readLine(prompt: String) -> String?
    /// Records a completed cell in the history (and, for readline, the history file).
    func addToHistory(_ line: String)
    /// The completions for the word being typed: set by the REPL, asked on Tab.
    var completer: ((_ line: String, _ word: String) -> [String])? { get set }
}

/// Reads standard input line by line, with no prompt and no escape codes (pipes and scripts).
final class PlainLineReader: LineReader {
    var completer: ((String, String) -> [String])?
    func readLine(prompt: String) -> String? { Swift.readLine(strippingNewline: true) }
    func addToHistory(_ line: String) {}
}
