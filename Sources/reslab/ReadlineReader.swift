@preconcurrency internal import CReadline  // readline's state is C globals; see `activeReader`
import Notebook
@preconcurrency import Platform  // stdin, stdout, errno: C globals used on the reading thread only
import Synchronization

/// GNU readline on a terminal: line editing, persistent history, Tab completion, and Ctrl-C that cancels
/// the line being typed. The only file that talks to readline.
///
/// Readline is one process-wide C library (one line buffer, one set of hooks) and its hooks are plain C
/// function pointers that cannot capture a Swift context. So the C callbacks reach the reader through the
/// global ``activeReader``, set only while ``readLine(prompt:)`` runs; readline calls them synchronously,
/// on the thread that called `readLine`, so nothing else touches it meanwhile.
final class ReadlineReader {
    /// The completions for the word before the cursor, asked on Tab.
    ///
    /// `line` is the text from the start of the line up to the cursor (it ends with `word`). `word` is the
    /// dotted name being typed (`model.sum`, `%sle`): the text after the last of ``wordBreakCharacters``.
    /// Each returned string replaces `word` whole (return `model.summary`, not `summary`); nothing is
    /// appended after a unique completion, so return `identity_block(` if a parenthesis is wanted.
    /// Inside an unclosed quote this is not asked: file paths are completed instead.
    var completer: ((_ line: String, _ word: String) -> [String])?

    /// What to show for each completion when several are listed, if more than the completion itself
    /// (`3  Conv Block` for `3` after `%lesson `), for the `line` being completed.
    var describer: ((_ line: String) -> [String: String])?

    /// The history file, or `nil` when history is kept in memory only.
    let historyPath: String?
    /// How many entries the history file and the in-memory history keep.
    let historyLimit: Int

    /// Characters that end a word for completion: Python-ish code, with `.` kept in the word so that a
    /// whole dotted name is completed, `%` so that magics are, and `/` and `~` because readline also
    /// skips a break character just after an opening quote (`'/tmp` must stay `/tmp`).
    static let wordBreakCharacters = " \t\n\"\\'`@$><=;|&{}()[],:+-*^!#"

    /// Unread Ctrl-C presses, outside `readLine`, after which the process ends (see ``installInterruptFlag()``).
    static let forceQuitPresses = 3

    /// Whether the last ``readLine(prompt:prefill:)`` ended in Ctrl-C (it then returned `""`).
    private(set) var lastLineWasInterrupted = false

    private var warnedAboutHistory = false
    fileprivate var lineIsComplete = false
    fileprivate var completedLine: String?
    /// `describer`'s labels for the matches of the last Tab.
    fileprivate var matchLabels: [String: String] = [:]

    /// Loads the history from `historyPath` and installs the Ctrl-C handler.
    init(historyPath: String? = ReadlineReader.defaultHistoryPath(), historyLimit: Int = 1000) {
        self.historyPath = historyPath
        self.historyLimit = max(1, historyLimit)
        Self.configureReadline()
        Self.installInterruptFlag()
        stifle_history(Int32(clamping: self.historyLimit))
        guard let historyPath else { return }
        do throws(FileError) {
            for entry in try HistoryFile(path: historyPath, limit: self.historyLimit).load() { add_history(entry) }
        } catch {
            warnOnce(Message.historyUnusable(path: historyPath, reason: error.reason.localized).localized)
        }
    }

    /// `$XDG_STATE_HOME/reslab/history`, else `~/.local/state/reslab/history`; `nil` without a home.
    static func defaultHistoryPath(environment: [String: String] = XDG.processEnvironment) -> String? {
        XDG.stateHome(environment: environment).map { $0 + "/reslab/history" }
    }

    // MARK: - Reading a line

    /// Shows `prompt` (ANSI colours allowed) and edits a line that starts as `prefill` (a block's
    /// indentation). `nil` at end of input (Ctrl-D on an empty line: a newline is printed so the shell's
    /// prompt starts on its own line); `""` when Ctrl-C cancelled the line (`^C` and a newline are
    /// printed; ``lastLineWasInterrupted`` says so). A pasted block may contain newlines.
    func readLine(prompt: String, prefill: String = "") -> String? {
        lastLineWasInterrupted = false
        activeReader = self
        interruptState.readerActive.store(true, ordering: .sequentiallyConsistent)
        defer {
            interruptState.readerActive.store(false, ordering: .sequentiallyConsistent)
            activeReader = nil
        }
        // A Ctrl-C pressed before this prompt (e.g. during a command that did not look) is stale.
        Self.drainWakePipe()
        interruptState.pending.store(0, ordering: .sequentiallyConsistent)

        lineIsComplete = false
        completedLine = nil
        rl_reset_screen_size()
        Self.markingInvisibleSequences(in: prompt).withCString { rl_callback_handler_install($0, readlineLineHandler) }
        if !prefill.isEmpty {
            _ = prefill.withCString { rl_insert_text($0) }
            rl_redisplay()
        }

        let input = fileno(rl_instream)
        while !lineIsComplete {
            var fds = [
                pollfd(fd: input, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeReadDescriptor, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, nfds_t(wakeReadDescriptor >= 0 ? 2 : 1), -1)
            let pollError = errno
            if interruptState.pending.exchange(0, ordering: .sequentiallyConsistent) > 0 {
                Self.drainWakePipe()
                cancelLine()
                lastLineWasInterrupted = true
                return ""
            }
            if ready < 0 {
                if pollError == EINTR {
                    rl_check_signals()  // a window resize, caught by readline's own SIGWINCH handler
                    continue
                }
                return endOfInput()
            }
            if fds[1].revents != 0 { Self.drainWakePipe() }
            let events = Int32(fds[0].revents)
            if events & Int32(POLLIN) != 0 {
                rl_callback_read_char()
            } else if events & Int32(POLLHUP | POLLERR | POLLNVAL) != 0 {
                return endOfInput()
            }
        }
        if endOfInputRequested {
            endOfInputRequested = false
            completedLine = nil
        }
        guard let line = completedLine else {
            // At end of input readline 8.1+ moves to a new line itself when bracketed paste is on.
            let bracketedPaste = rl_variable_value("enable-bracketed-paste").map { String(cString: $0) } == "on"
            if rl_eof_found == 0 || !bracketedPaste {
                fputs("\n", rl_outstream)
                fflush(rl_outstream)
            }
            return nil
        }
        return line
    }

    /// Ctrl-C while typing: leave any search, show `^C` after the text, drop the line, restore the terminal.
    private func cancelLine() {
        rl_callback_sigcleanup()
        rl_point = rl_end
        rl_redisplay()
        fputs("^C", rl_outstream)
        fflush(rl_outstream)
        rl_free_line_state()
        rl_replace_line("", 1)
        rl_callback_handler_remove()  // ends with a carriage return when bracketed paste is on
        fputs("\n", rl_outstream)
        fflush(rl_outstream)
    }

    /// Standard input is gone (hang-up or error): restore the terminal and report the end.
    private func endOfInput() -> String? {
        rl_callback_handler_remove()
        fputs("\n", rl_outstream)
        fflush(rl_outstream)
        return nil
    }

    /// Called by readline (through ``readlineLineHandler``) when Enter or end of input ends the line.
    /// Ctrl-D on a line of nothing but a block's indentation: the end of input, as on an empty line.
    fileprivate var endOfInputRequested = false

    fileprivate func finish(with line: String?) {
        completedLine = line
        lineIsComplete = true
    }

    // MARK: - History

    /// Adds a cell to the history and to the history file (see ``HistoryFile``); skips blank lines and a
    /// repeat of the previous entry. A cell with newlines is one entry now, and one entry per line after a
    /// restart. A file that cannot be written is said once, with the reason, and left as it was.
    func addToHistory(_ line: String) {
        guard line.contains(where: { !$0.isWhitespace }) else { return }
        if history_length > 0, let last = history_get(history_base + history_length - 1),
            let text = last.pointee.line, String(cString: text) == line
        {
            return
        }
        add_history(line)
        guard let historyPath else { return }
        do throws(FileError) {
            try HistoryFile(path: historyPath, limit: historyLimit).append(line)
        } catch {
            warnOnce(Message.historyNotSaved(path: historyPath, reason: error.reason.localized).localized)
        }
    }

    /// One warning line on standard error for the whole session, whatever else fails.
    private func warnOnce(_ message: String) {
        guard !warnedAboutHistory else { return }
        warnedAboutHistory = true
        Terminal.writeToStandardError("warning: \(message)\n")
    }

    // MARK: - Ctrl-C

    /// Installs the SIGINT handler (once per process): Ctrl-C then no longer kills reslab but sets the flag
    /// read by ``interruptRequested`` and, while ``readLine(prompt:)`` waits, cancels the line.
    /// ``forceQuitPresses`` presses that nobody reads while a command runs end the process as a plain
    /// Ctrl-C would (exit status 130), so a command that never polls cannot trap the learner.
    /// Call it before the first command runs, from the REPL's set-up (it is not thread-safe).
    static func installInterruptFlag() {
        guard !interruptHandlerInstalled else { return }
        interruptHandlerInstalled = true
        // Touch every global the handler reads so their lazy initialisation is over before it can run.
        interruptState.pending.store(0, ordering: .sequentiallyConsistent)
        interruptState.readerActive.store(false, ordering: .sequentiallyConsistent)
        _ = Self.forceQuitPresses
        var descriptors: [Int32] = [-1, -1]
        if pipe(&descriptors) == 0 {
            for descriptor in descriptors {
                _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
                _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            }
            wakeReadDescriptor = descriptors[0]
            wakeWriteDescriptor = descriptors[1]
        }
        var action = sigaction()
        action.__sigaction_handler.sa_handler = interruptSignalHandler
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
    }

    /// Whether Ctrl-C was pressed since the last time this was read; reading clears it. Poll it from a long
    /// command (`shouldCancel: { ReadlineReader.interruptRequested }`). Needs ``installInterruptFlag()``.
    static var interruptRequested: Bool {
        let pressed = interruptState.pending.exchange(0, ordering: .sequentiallyConsistent) > 0
        if pressed { drainWakePipe() }
        return pressed
    }

    private static func drainWakePipe() {
        guard wakeReadDescriptor >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeReadDescriptor, &buffer, buffer.count) > 0 {}
    }

    // MARK: - Prompt

    /// Wraps each ANSI escape sequence of `prompt` in `\u{01}`…`\u{02}` (RL_PROMPT_START/END_IGNORE) so
    /// readline leaves it out of the prompt's width. A prompt that already has markers is left alone.
    static func markingInvisibleSequences(in prompt: String) -> String {
        let scalars = Array(prompt.unicodeScalars)
        guard scalars.contains("\u{1B}"), !scalars.contains("\u{01}") else { return prompt }
        var result = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "\u{1B}" else {
                result.append(scalars[index])
                index += 1
                continue
            }
            var end = index + 1
            if end < scalars.count && scalars[end] == "[" {  // CSI: parameters, then a final byte @…~
                end += 1
                while end < scalars.count && !(0x40...0x7E).contains(scalars[end].value) { end += 1 }
                end = min(end + 1, scalars.count)
            } else if end < scalars.count && scalars[end] == "]" {  // OSC: up to BEL or ESC \
                end += 1
                while end < scalars.count && scalars[end] != "\u{07}" && scalars[end] != "\u{1B}" { end += 1 }
                if end < scalars.count { end += scalars[end] == "\u{07}" ? 1 : min(2, scalars.count - end) }
            } else {
                end = min(end + 1, scalars.count)
            }
            result.append("\u{01}")
            result.append(contentsOf: scalars[index..<end])
            result.append("\u{02}")
            index = end
        }
        return String(result)
    }

    // MARK: - Set-up helpers

    /// The process-wide readline settings, applied once.
    private static func configureReadline() {
        guard !readlineConfigured else { return }
        readlineConfigured = true
        rl_instream = stdin
        rl_outstream = stdout
        rl_readline_name = UnsafePointer(strdup("reslab"))  // for `$if reslab` in ~/.inputrc; never freed
        rl_catch_signals = 0  // our SIGINT handler, not readline's
        rl_catch_sigwinch = 1
        rl_persistent_signal_handlers = 1  // readline's SIGWINCH handler stays while the prompt waits
        rl_change_environment = 0  // do not export LINES and COLUMNS
        rl_completer_word_break_characters = UnsafePointer(strdup(wordBreakCharacters))
        rl_completer_quote_characters = UnsafePointer(strdup("\"'"))
        rl_attempted_completion_function = readlineAttemptCompletion
        rl_completion_display_matches_hook = readlineDisplayMatches
        rl_bind_key(4, readlineControlD)
    }
}

// MARK: - Process-wide state shared with C

/// The reader whose `readLine` is running, for readline's C callbacks (which cannot capture context).
/// Only read and written on the thread inside `readLine`: `nonisolated(unsafe)` states that contract.
nonisolated(unsafe) private var activeReader: ReadlineReader?
nonisolated(unsafe) private var readlineConfigured = false
nonisolated(unsafe) private var interruptHandlerInstalled = false
/// The self-pipe: the SIGINT handler writes a byte so that `poll` wakes whichever thread got the signal.
/// Set once, before the handler is installed, then only read.
nonisolated(unsafe) private var wakeReadDescriptor: Int32 = -1
nonisolated(unsafe) private var wakeWriteDescriptor: Int32 = -1

/// Written by the SIGINT handler: lock-free atomics only, which are async-signal-safe.
private struct InterruptState: ~Copyable {
    /// Ctrl-C presses not yet consumed.
    let pending = Atomic<Int>(0)
    /// Whether `readLine` is waiting for keys (then the presses never end the process).
    let readerActive = Atomic<Bool>(false)
}
private let interruptState = InterruptState()

/// The SIGINT handler: async-signal-safe (atomics, `write`, `signal`, `raise`; errno preserved).
private func interruptSignalHandler(_ signalNumber: Int32) {
    let savedErrno = errno
    let presses = interruptState.pending.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
    if presses >= ReadlineReader.forceQuitPresses
        && !interruptState.readerActive.load(ordering: .sequentiallyConsistent)
    {
        // Nobody is polling the flag: give the learner their shell back.
        signal(SIGINT, SIG_DFL)
        raise(SIGINT)
    }
    if wakeWriteDescriptor >= 0 {
        var byte: UInt8 = 0
        _ = write(wakeWriteDescriptor, &byte, 1)
    }
    errno = savedErrno
}

/// readline's line callback: takes the line (`nil` at end of input) and uninstalls the callback, which
/// also restores the terminal, so nothing is displayed again until the next `readLine`.
private func readlineLineHandler(_ line: UnsafeMutablePointer<CChar>?) {
    let text = line.map { String(cString: $0) }
    free(line)
    rl_callback_handler_remove()
    activeReader?.finish(with: text)
}

/// Ctrl-D: on a line that holds only white space (the indentation the prompt put before a block's
/// next line), the end of input, so that it cancels the cell as on an empty line; else readline's own.
private func readlineControlD(_ count: Int32, _ key: Int32) -> Int32 {
    guard let reader = activeReader, let buffer = rl_line_buffer, rl_end > 0,
        String(cString: buffer).allSatisfy({ $0 == " " || $0 == "\t" })
    else { return rl_delete(count, key) }
    reader.endOfInputRequested = true
    rl_done = 1
    return 0
}

/// readline's completion hook: file paths inside an unclosed quote (readline found it, counting quotes
/// before the cursor, and `text` starts after it), else the reader's `completer`. Never falls back to
/// readline's default (file names) outside quotes.
private func readlineAttemptCompletion(
    _ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32
) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    rl_attempted_completion_over = 1
    guard let text else { return nil }
    if rl_completion_quote_character != 0 {
        rl_completion_suppress_append = 1  // just the closing quote after a file name
        return rl_completion_matches(text, rl_filename_completion_function)
    }
    guard let completer = activeReader?.completer, let buffer = rl_line_buffer else { return nil }
    let word = String(cString: text)
    let cursor = max(0, min(Int(end), Int(rl_end)))
    let line = buffer.withMemoryRebound(to: UInt8.self, capacity: cursor) {
        String(decoding: UnsafeBufferPointer(start: $0, count: cursor), as: UTF8.self)
    }
    var seen = Set<String>()
    let candidates = completer(line, word).filter { !$0.isEmpty && seen.insert($0).inserted }
    guard !candidates.isEmpty else { return nil }
    activeReader?.matchLabels = activeReader?.describer?(line) ?? [:]
    rl_completion_suppress_append = 1  // no space after `model.summary`
    return makeMatchList(candidates, replacing: word)
}

/// readline's match list: `[substitution, match…, NULL]`, or `[match, NULL]` for one match; all malloc'ed
/// (readline frees them).
private func makeMatchList(_ candidates: [String], replacing word: String)
    -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
{
    let substitution: String
    if candidates.count == 1 {
        substitution = candidates[0]
    } else {
        let common = commonPrefix(of: candidates)
        substitution = common.hasPrefix(word) ? common : word  // never erase what was typed
    }
    let entries = candidates.count == 1 ? [substitution] : [substitution] + candidates
    guard let list = malloc((entries.count + 1) * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride) else {
        return nil
    }
    let matches = list.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: entries.count + 1)
    for (index, entry) in entries.enumerated() { matches[index] = strdup(entry) }
    matches[entries.count] = nil
    return matches
}

private func commonPrefix(of strings: [String]) -> String {
    guard var prefix = strings.first.map(Array.init) else { return "" }
    for string in strings.dropFirst() {
        let characters = Array(string)
        var length = 0
        while length < prefix.count && length < characters.count && prefix[length] == characters[length] { length += 1 }
        prefix.removeLast(prefix.count - length)
    }
    return String(prefix)
}

/// readline's hook for listing several matches: for dotted names, lists only what follows the shared
/// `object.` (`summary  layers`, not `model.summary  model.layers`); file names as readline does.
private func readlineDisplayMatches(
    _ matches: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ count: Int32, _ longest: Int32
) {
    guard let matches, count > 0, let common = matches[0] else { return }
    if let labels = activeReader?.matchLabels, !labels.isEmpty {
        // Labelled matches (lesson numbers with their titles): one per line.
        let lines = (1...Int(count)).compactMap { matches[$0].map { String(cString: $0) } }.map { labels[$0] ?? $0 }
        let output = rl_outstream ?? stdout
        fputs("\n" + lines.map { "  " + $0 }.joined(separator: "\n") + "\n", output)
        fflush(output)
        rl_on_new_line()
        rl_forced_update_display()
        return
    }
    var cut = 0
    if rl_filename_completion_desired == 0, let dot = strrchr(common, Int32(UInt8(ascii: "."))) {
        cut = common.distance(to: dot) + 1
        for index in 1...Int(count) where matches[index].map({ strncmp($0, common, cut) != 0 }) ?? true {
            cut = 0
        }
    }
    if cut == 0 {
        rl_display_match_list(matches, count, longest)
    } else {
        var shortened = (0...Int(count)).map { matches[$0].map { $0 + cut } }
        shortened.append(nil)
        let width = shortened.dropFirst().compactMap { $0.map { String(cString: $0).count } }.max() ?? 0
        shortened.withUnsafeMutableBufferPointer { rl_display_match_list($0.baseAddress, count, Int32(width)) }
    }
    rl_forced_update_display()
}
