import ArgumentParser
import Notebook
import Platform
import ResNetIO

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
            throw UsageError("cannot read '\(file)': \(errnoDescription())")
        }
        defer { fclose(handle) }
        try Session(reader: FileLineReader(handle)).run()
    }
}

/// `reslab lesson N`: a lesson at the prompt, or (`--non-interactive`) run whole and checked.
struct LessonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lesson", abstract: "Open lesson N at the prompt, or run it whole and check every cell.")

    @Argument(help: "The lesson's number (`%lessons` at the prompt lists them).")
    var number: Int

    @Option(help: "zh or en (default: from LANG).")
    var lang: String = LessonLibrary.defaultLanguage()

    @Flag(help: "Print the lesson with every cell run; exit 1 if a cell fails or prints something else.")
    var nonInteractive = false

    func validate() throws {
        guard ["zh", "en"].contains(lang) else { throw ValidationError("--lang takes zh or en") }
    }

    func run() throws {
        if nonInteractive {
            let cached = WeightsCache.defaultWeightsPath
            let notebook = Notebook(cachedWeightsPath: fileExists(cached) ? cached : nil)
            // Without the trained weights (as in CI), cells that need them run on seeded random weights.
            if !fileExists(cached) { notebook.randomWeightsFallbackSeed = 1 }
            let (transcript, failures) = try notebook.runWholeLesson(number, language: lang)
            print(transcript)
            if failures > 0 {
                Terminal.printError(
                    "lesson \(number) (\(lang)): \(failures) cell\(failures == 1 ? "" : "s") failed or printed something else"
                )
                throw ExitCode(1)
            }
            return
        }
        try Session(reader: Session.standardInput()) { notebook in
            try notebook.openLesson(number, language: lang)
        }.run()
    }
}

/// One prompt session: reads cells, runs them in a `Notebook`, prints what they show.
struct Session {
    let reader: LineReader
    let interactive: Bool
    /// Runs before the first prompt (e.g. opens a lesson).
    let prepare: (Notebook) throws -> Void

    init(reader: LineReader, prepare: @escaping (Notebook) throws -> Void = { _ in }) {
        self.reader = reader
        self.prepare = prepare
        interactive = reader is ReadlineReader
    }

    /// Readline on a terminal, plain lines from a pipe.
    static func standardInput() -> LineReader {
        Terminal.isTerminal(STDIN_FILENO) && Terminal.standardOutputIsTerminal ? ReadlineReader() : PlainLineReader()
    }

    func run() throws {
        let cached = WeightsCache.defaultWeightsPath
        let notebook = Notebook(cachedWeightsPath: cached)
        notebook.color = interactive && Terminal.colorsStandardOutput
        notebook.progress = LessonProgress.standard()
        reader.completer = { line, word in notebook.completions(line: line, word: word) }
        if interactive { print(banner(weightsFound: fileExists(cached), cached: cached)) }
        try prepare(notebook)
        if let step = notebook.currentLessonStep { print(step + "\n") }

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
                if !cell.printed.isEmpty { print(cell.printed) }
                print(styled("Out[\(cell.number)]: ", .red, enabled: Terminal.colorsStandardOutput) + result)
            } else if !cell.output.isEmpty {
                // After Ctrl-C the terminal shows ^C with no newline.
                let interrupted = interactive && cell.isError && cell.output.hasSuffix("interrupted")
                print(
                    (interrupted ? "\n" : "")
                        + styled(cell.output, .red, enabled: cell.isError && notebook.color))
            }
            if interactive { print() }
        }
        // A script whose cells failed ends with a failure status, so that it can be checked.
        if !interactive && failures > 0 { throw ExitCode(1) }
    }

    /// A prompt in green; the reader marks its escape codes as taking no room.
    private func promptText(_ text: String) -> String {
        styled(text, .green, enabled: Terminal.colorsStandardOutput)
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
