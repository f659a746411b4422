import ArgumentParser
import Notebook
import ResNetIO

#if canImport(Glibc)
    import Glibc
#endif

/// `reslab` with no command: the notebook prompt. Type the tutorial's Keras lines, see every shape.
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl", abstract: "The notebook prompt (what `reslab` starts with no command).")

    func run() throws {
        try Session(reader: Session.standardInput()).run()
    }
}

/// `reslab run FILE`: the same language, a line at a time, from a file.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a file of notebook lines as if typed at the prompt (no prompts, no colour).")

    @Argument(help: "A file of lines for the prompt.")
    var file: String

    func run() throws {
        guard let handle = fopen(file, "r") else {
            throw UsageError("cannot read '\(file)': \(String(cString: strerror(errno)))")
        }
        defer { fclose(handle) }
        try Session(reader: FileLineReader(handle)).run()
    }
}

/// One prompt session: reads cells, runs them in a `Notebook`, prints what they show.
struct Session {
    let reader: LineReader
    let interactive: Bool

    init(reader: LineReader) {
        self.reader = reader
        interactive = reader is ReadlineReader
    }

    /// Readline on a terminal, plain lines from a pipe.
    static func standardInput() -> LineReader {
        isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 ? ReadlineReader() : PlainLineReader()
    }

    func run() throws {
        let cached = WeightsCache.defaultWeightsPath
        let notebook = Notebook(cachedWeightsPath: fileExists(cached) ? cached : nil)
        notebook.color = interactive && Terminal.colorsStandardOutput
        reader.completer = { _, word in notebook.completions(for: word) }
        if interactive { print(banner(weightsFound: fileExists(cached), cached: cached)) }

        var failures = 0
        while true {
            let prompt = interactive ? promptText("In [\(notebook.nextNumber)]: ") : ""
            guard var source = reader.readLine(prompt: prompt) else { break }
            if ["exit()", "quit()", "exit", "quit"].contains(source.trimmingWhitespace()) { break }
            // An open bracket at the end of a line continues the cell; an empty line ends it.
            while needsMoreInput(source), let more = reader.readLine(prompt: interactive ? promptText("   ...: ") : ""),
                !more.trimmingWhitespace().isEmpty
            {
                source += "\n" + more
            }
            guard !source.trimmingWhitespace().isEmpty else { continue }
            reader.addToHistory(source)
            _ = ReadlineReader.interruptRequested  // forget a Ctrl-C pressed while typing
            let cell = notebook.run(source, shouldCancel: { ReadlineReader.interruptRequested })
            if cell.isError { failures += 1 }
            if interactive, let result = cell.result {
                // Jupyter's way: what was printed, then the expression's value after Out[n]:.
                let printed = String(cell.output.dropLast(result.count)).trimmingWhitespace()
                if !printed.isEmpty { print(printed) }
                print(promptStyle("Out[\(cell.number)]: ", code: "31") + result)
            } else if !cell.output.isEmpty {
                // After Ctrl-C the terminal shows ^C with no newline.
                let interrupted = interactive && cell.isError && cell.output.hasSuffix("interrupted")
                print((interrupted ? "\n" : "") + (cell.isError && notebook.color ? "\u{1B}[31m\(cell.output)\u{1B}[0m" : cell.output))
            }
            if interactive { print() }
        }
        // A script whose cells failed ends with a failure status, so that it can be checked.
        if !interactive && failures > 0 { throw ExitCode(1) }
    }

    private func promptStyle(_ text: String, code: String) -> String {
        Terminal.colorsStandardOutput ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    private func promptText(_ text: String) -> String {
        Terminal.colorsStandardOutput ? ReadlineReader.invisible("\u{1B}[32m") + text + ReadlineReader.invisible("\u{1B}[0m") : text
    }

    private func banner(weightsFound: Bool, cached: String) -> String {
        """
        reslab: the tutorial's ResNet50, piece by piece. Type its Keras lines; help lists the commands; Ctrl-D leaves.
        \(weightsFound ? "Weights: \(cached)" : "No trained weights yet: `reslab weights download` fetches them (98 MB); shapes and summaries need none.")
        """
    }
}

/// Lines of a file, for `reslab run`.
final class FileLineReader: LineReader {
    var completer: ((String, String) -> [String])?
    private let file: UnsafeMutablePointer<FILE>
    init(_ file: UnsafeMutablePointer<FILE>) { self.file = file }
    func readLine(prompt: String) -> String? {
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        guard getline(&line, &capacity, file) >= 0, let line else { return nil }
        var text = String(decoding: UnsafeRawBufferPointer(start: line, count: strlen(line)), as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
    func addToHistory(_ line: String) {}
}
