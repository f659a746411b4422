import ArgumentParser
import Notebook
import Platform
import ResNetIO

/// `reslab` with no command: the notebook prompt. Type the tutorial's Keras lines, see every shape.
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl", abstract: Message.cliReplAbstract.localized)

    @OptionGroup var language: LanguageOption

    func run() throws {
        language.apply()
        try Session(input: try Session.standardInput()).run()
    }
}

/// `reslab run FILE`: the same language from a file, one cell per top-level statement.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: Message.cliRunAbstract.localized)

    @Argument(help: ArgumentHelp(Message.cliRunFile.localized))
    var file: String

    @OptionGroup var language: LanguageOption

    func run() throws {
        language.apply()
        // Only a regular file: a FIFO would block, a directory has no lines. Its bytes as the pipe reads them,
        // up to the script limit.
        let descriptor: Int32
        do throws(FileError) {
            descriptor = try openRegularFile(file).descriptor
        } catch {
            throw UsageError(Message.cannotReadFile(file, reason: error.reason.localized).localized)
        }
        defer { close(descriptor) }
        let text = try readScript(descriptor, name: file)
        guard file.lowercased().hasSuffix(".ipynb") else { return try Session(script: text, name: file).run() }
        guard let cells = Notebook.codeCells(ofJupyterNotebook: text) else {
            throw UsageError(Message.notAJupyterNotebook(file).localized)
        }
        try Session(input: .notebook(cells, name: file)).run()
    }
}

/// `reslab lesson N`: a lesson at the prompt, or (`--non-interactive`) run whole and checked.
struct LessonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lesson", abstract: Message.cliLessonAbstract.localized)

    @Argument(help: ArgumentHelp(Message.cliLessonNumber.localized))
    var number: Int

    @OptionGroup var language: LanguageOption

    @Flag(help: ArgumentHelp(Message.cliNonInteractive.localized))
    var nonInteractive = false

    func run() throws {
        language.apply()
        let lang = Language.current.rawValue
        if nonInteractive {
            let cached = WeightsCache.defaultWeightsPath
            let notebook = Notebook(cachedWeightsPath: fileExists(cached) ? cached : nil)
            // Without the trained weights (as in CI), cells that need them run on seeded random weights.
            if !fileExists(cached) { notebook.randomWeightsFallbackSeed = 1 }
            let (transcript, failures) = try notebook.runWholeLesson(number, language: lang)
            print(transcript)
            if failures > 0 {
                Terminal.printError(
                    Message.lessonCellsFailed(number: number, language: lang, count: failures).localized)
                throw ExitCode(1)
            }
            return
        }
        try Session(input: try Session.standardInput()) { notebook in
            try notebook.openLesson(number, language: lang)
        }.run()
    }
}

/// `--lang zh|en`: the language reslab speaks to the learner in (lessons, help, errors); default from
/// `LC_ALL`/`LANG`. A command applies it first thing.
struct LanguageOption: ParsableArguments {
    @Option(help: ArgumentHelp(Message.cliLang.localized))
    var lang: Language?

    func apply() { Language.current = lang ?? Language.fromEnvironment() }
}

extension Language: ExpressibleByArgument {}

/// One prompt session: reads cells, runs them in a `Notebook`, prints what they show.
struct Session {
    /// Where the cells come from: a person at a terminal, or a whole text (a pipe or a file).
    enum Input {
        case terminal(ReadlineReader)
        /// A script's text; `name` is the file that errors are reported against (`FILE:LINE: error: …`).
        case script(String, name: String?)
        /// A notebook's code cells, e.g. of a session saved with `save`: each is read as a script, its errors
        /// reported against `FILE:cell N:LINE`.
        case notebook([String], name: String)
    }

    let input: Input
    /// Runs before the first prompt (e.g. opens a lesson); what it returns is shown first.
    let prepare: (Notebook) throws -> String?
    var interactive: Bool { if case .terminal = input { true } else { false } }

    init(input: Input, prepare: @escaping (Notebook) throws -> String? = { _ in nil }) {
        self.input = input
        self.prepare = prepare
    }

    init(script: String, name: String?) { self.init(input: .script(script, name: name)) }

    /// Readline on a terminal; otherwise all of standard input, as a script.
    static func standardInput() throws(UsageError) -> Input {
        if Terminal.isTerminal(STDIN_FILENO) && Terminal.standardOutputIsTerminal { return .terminal(ReadlineReader()) }
        return .script(try readScript(STDIN_FILENO, name: nil), name: nil)
    }

    func run() throws {
        let cached = WeightsCache.defaultWeightsPath
        let notebook = Notebook(cachedWeightsPath: cached)
        notebook.color = interactive && Terminal.colorsStandardOutput
        notebook.width = (interactive ? Terminal.columns : nil) ?? notebook.width
        notebook.progress = LessonProgress.standard()
        if interactive {
            print(
                wrap(
                    banner(weightsFound: fileExists(cached), cached: cached),
                    width: TextWidth.prose(columns: notebook.width)))
        }
        if let opening = try prepare(notebook) { print(opening + "\n") }
        switch input {
        case .terminal(let reader): prompt(reader, notebook)
        case .script(let text, let name): try runScript([(text, name)], notebook)
        case .notebook(let cells, let name):
            try runScript(cells.enumerated().map { ($1, "\(name):cell \($0 + 1)") }, notebook)
        }
    }

    /// Scripts, one after the other (a file's text, or a notebook's code cells), each named for its errors:
    /// every top-level statement a cell, run in order; a failed cell does not stop the rest, but the exit
    /// status is 1. `exit()` ends them all.
    private func runScript(_ scripts: [(text: String, name: String?)], _ notebook: Notebook) throws {
        var failures = 0
        scripts: for (text, name) in scripts {
            let (cells, note) = notebook.cells(of: text)
            if let note { print(note) }
            for source in cells {
                if isExit(source.text) { break scripts }
                let cell = notebook.run(source.text, firstLine: source.firstLine)
                if !cell.printed.isEmpty { print(cell.printed) }
                printPictures(of: cell, notebook)
                if let result = cell.result { print(result) }
                guard let error = cell.error else { continue }
                failures += 1
                if let name {
                    let line = cell.errorLine ?? source.firstLine
                    Terminal.writeToStandardError("\(name):\(line): error: \(error)\n")
                } else {
                    print("error: " + error)
                }
            }
        }
        // A script whose cells failed ends with a failure status, so that it can be checked.
        if failures > 0 { throw ExitCode(1) }
    }

    /// The prompt: a line, or a block (a line ending in `:` opens one; a blank line ends it), is a cell.
    private func prompt(_ reader: ReadlineReader, _ notebook: Notebook) {
        reader.completer = { line, word in notebook.completions(line: line, word: word) }
        reader.describer = { line in notebook.completionLabels(line: line) }
        while true {
            guard var source = reader.readLine(prompt: promptText("In [\(notebook.nextNumber)]: ")) else { break }
            if isExit(source) { break }
            var cancelled = reader.lastLineWasInterrupted
            // Each line is looked at once, so that a paste of many lines is read in linear time.
            var pending = PendingCell()
            pending.append(source)
            var lastLine = source
            while !cancelled, pending.needsMoreInput {
                // Ctrl-C or Ctrl-D on a continuation line cancels the whole cell.
                let indent = continuationIndent(lastLine)
                guard var more = reader.readLine(prompt: promptText("   ...: "), prefill: indent),
                    !reader.lastLineWasInterrupted
                else {
                    cancelled = true
                    break
                }
                if more.trimmingWhitespace().isEmpty { break }
                // Indentation typed after the prompt's own (a line typed or pasted with its indentation) is the
                // line's whole indentation.
                if !indent.isEmpty, more.hasPrefix(indent), more.dropFirst(indent.count).first?.isWhitespace == true {
                    more.removeFirst(indent.count)
                }
                pending.append(more)
                lastLine = more
                source += "\n" + more
            }
            guard !cancelled, !source.trimmingWhitespace().isEmpty else { continue }
            reader.addToHistory(source)
            notebook.width = Terminal.columns ?? notebook.width  // the window may have been resized
            // A paste may hold several statements: each is a cell of its own.
            let (cells, note) = notebook.cells(of: source)
            if let note { print(note) }
            for cellSource in cells {
                _ = ReadlineReader.interruptRequested  // forget a Ctrl-C pressed while typing
                show(notebook.run(cellSource.text, shouldCancel: { ReadlineReader.interruptRequested }), notebook)
            }
        }
    }

    /// Jupyter's way: what was printed, then the value after `Out[n]:`, or the error in red.
    private func show(_ cell: Cell, _ notebook: Notebook) {
        if !cell.printed.isEmpty { print(fitted(cell.printed, width: notebook.width)) }
        printPictures(of: cell, notebook)
        if let result = cell.result {
            let label = "Out[\(cell.number)]: "
            let line = fitted(label + result, width: notebook.width).dropFirst(label.count)
            print(styled(label, .red, enabled: Terminal.colorsStandardOutput) + line)
        }
        if let error = cell.error {
            // After Ctrl-C the terminal shows ^C with no newline.
            let interrupted = error.hasSuffix(Message.interrupted.localized)
            // The message wraps at words like prose; what follows it (a lesson's expected output) is kept as it is.
            var lines = ("error: " + error).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines[0] = wrap(lines[0], width: notebook.width)
            print((interrupted ? "\n" : "") + styled(lines.joined(separator: "\n"), .red, enabled: notebook.color))
        }
        print()
    }

    /// Each picture of `cell` under its caption, drawn as standard output allows (``PictureMode``): on a
    /// terminal in colour (or as the terminal's own image), fitted to the notebook's width and the screen's
    /// height; through a pipe or into a file as plain text, 64 columns wide. `save` keeps the pictures
    /// themselves, as PNG.
    private func printPictures(of cell: Cell, _ notebook: Notebook) {
        guard !cell.pictures.isEmpty else { return }
        let mode = PictureMode.standardOutput
        for picture in cell.pictures {
            print(picture.drawn(mode: mode, width: notebook.width, screenRows: Terminal.size?.rows))
        }
    }

    /// How far the next line of a block starts: four spaces deeper after a line ending in `:`, else
    /// where the last line started.
    private func continuationIndent(_ source: String) -> String {
        let last = source.split(separator: "\n", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        let indent = SourceText.indentation(of: last)
        let opensBlock = last.trimmingWhitespace().hasSuffix(":")
        return String(repeating: " ", count: indent + (opensBlock ? 4 : 0))
    }

    private func isExit(_ source: String) -> Bool {
        ["exit()", "quit()", "exit", "quit"].contains(source.trimmingWhitespace())
    }

    /// A prompt in green; the reader marks its escape codes as taking no room.
    private func promptText(_ text: String) -> String {
        styled(text, .green, enabled: Terminal.colorsStandardOutput)
    }

    private func banner(weightsFound: Bool, cached: String) -> String {
        Message.banner.localized + "\n"
            + (weightsFound ? Message.weightsFound(cached) : Message.noWeightsYet).localized
    }
}

/// Everything a file descriptor gives until its end, as UTF-8 (invalid bytes become U+FFFD): a script, of at most
/// ``SourceText/maximumScriptBytes`` (`reslab run /dev/zero` stops there). `name` is the file, `nil` for standard
/// input.
func readScript(_ descriptor: Int32, name: String?) throws(UsageError) -> String {
    let limit = SourceText.maximumScriptBytes
    let read: [UInt8]?
    do throws(FileError) {
        read = try readToEnd(descriptor, path: name ?? "-", limit: limit)
    } catch {
        throw UsageError(Message.cannotReadFile(name ?? "-", reason: error.reason.localized).localized)
    }
    guard let bytes = read else { throw UsageError(Message.scriptTooLarge(name, limit: limit).localized) }
    return String(decoding: bytes, as: UTF8.self)
}
