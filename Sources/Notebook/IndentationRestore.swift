// The tutorial's web page (Lessons/tutorial-zh.txt) shows its code with the indentation lost: every
// line starts at column 0. `restoreIndentation` puts it back for the two shapes that page has, function
// bodies that end at their `return` and an `if __name__ == '__main__':` block that runs to the end, and
// leaves every other source alone: a learner's correctly indented code is never rewritten.

/// The source with the indentation a web page lost put back, and a one-line note saying what was done;
/// `nil` when the source needs no restoring (it is already indented Python, or has no block openers) or
/// has a shape this does not restore (an unindented `for` body, say), rather than a guess.
///
/// The rules:
/// * Applied only when the source cannot be valid Python as it stands: some statement ending in `:`
///   (a block opener) is followed by no statement, or by one not indented deeper. Blank lines, comment
///   lines and prose lines (below) do not count as the following statement.
/// * And only when every statement starts at column 0, the way the page shows them (continuation lines
///   inside brackets may be indented any way).
/// * `def …:` at the top level: its body is every following statement up to and including the first
///   one that starts with `return`; a `def` without a `return` is not restored.
///   `if __name__ == '__main__':` at the top level: its body runs to the end of the source.
///   Any other block opener (`for`, `if`, `class`, a `def` inside a body…) is not restored.
/// * Body statements get 4 spaces. A continuation line inside brackets lines up after the innermost
///   open bracket (`x = Conv2D(a,` then `name=…` under `a`), or 4 spaces deeper than the bracket's
///   line when nothing follows the bracket on it; a line after a backslash goes 4 spaces deeper than its
///   statement; the lines a multi-line string runs through are kept to the letter.
/// * Comment lines take the indentation of the block they stand in; blank lines stay blank.
/// * A line at column 0 that starts a statement and has a non-ASCII character outside its strings and
///   comments is prose from the page (`建立网络后,可以用以下的代码进行预测。`), not Python: it is dropped, and
///   counted. (An indented one is a statement: Python allows such names, and the page has none.)
/// * A UTF-8 byte order mark is dropped and CRLF or CR line ends become LF.
///
/// The note reads, for the tutorial's page, `restored the indentation the page lost: 3 function bodies
/// and 1 if-block; skipped 2 lines that are not Python` ("1 function body", "1 if-block", "1 line that
/// is not Python"; a part with nothing to count is left out).
public func restoreIndentation(_ source: String) -> (source: String, note: String)? {
    let (lines, finalNewline) = normalizedLines(source)
    let scan = SourceScan(lines)
    guard scan.lacksAnIndentedBlock, scan.statements.allSatisfy({ $0.indentation == 0 }) else { return nil }

    enum Block {
        case top
        case function
        case main(statements: Int)
    }
    var block = Block.top
    var functions = 0
    var skipped = 0
    var output = [String]()
    var outputIndentation = [Int](repeating: 0, count: lines.count)
    var statementIndentation = 0
    for (index, line) in scan.lines.enumerated() {
        let blockIndentation: Int
        if case .top = block { blockIndentation = 0 } else { blockIndentation = 4 }
        var indentation = 0
        switch line.kind {
        case .blank:
            output.append("")
            continue
        case .prose:
            // A blank line in its place, so that every other line keeps its number for error messages.
            skipped += 1
            output.append("")
            continue
        case .insideString:
            indentation = 0
        case .comment:
            indentation = blockIndentation
        case .continuation(.bracket(let bracket)):
            indentation = outputIndentation[bracket.line] + (bracket.hanging ? 4 : bracket.offset + 1)
        case .continuation(.backslash):
            indentation = statementIndentation + 4
        case .statement(let number):
            let statement = scan.statements[number]
            switch block {
            case .top:
                if statement.opensBlock {
                    if statement.isDef {
                        block = .function
                    } else if statement.isMainGuard {
                        block = .main(statements: 0)
                    } else {
                        return nil
                    }
                }
            case .function:
                guard !statement.opensBlock else { return nil }
                if statement.firstWord == "return" {
                    functions += 1
                    block = .top
                }
            case .main(let statements):
                guard !statement.opensBlock else { return nil }
                block = .main(statements: statements + 1)
            }
            indentation = blockIndentation
            statementIndentation = indentation
        }
        outputIndentation[index] = indentation
        output.append(String(repeating: " ", count: indentation) + String(String.UnicodeScalarView(line.body)))
    }
    var blocks = 0
    switch block {
    case .top: break
    case .function: return nil  // a body without its `return`: where it ends is a guess
    case .main(let statements):
        guard statements > 0 else { return nil }
        blocks = 1
    }

    var parts = [String]()
    if functions > 0 { parts.append(functions == 1 ? "1 function body" : "\(functions) function bodies") }
    if blocks > 0 { parts.append(blocks == 1 ? "1 if-block" : "\(blocks) if-blocks") }
    var note = "restored the indentation the page lost: " + parts.joined(separator: " and ")
    if skipped > 0 {
        note += "; skipped \(skipped) " + (skipped == 1 ? "line that is not Python" : "lines that are not Python")
    }
    return (output.joined(separator: "\n") + (finalNewline ? "\n" : ""), note)
}

/// The source's lines without their line ends (a byte order mark dropped; LF, CRLF and CR all end a line),
/// and whether the last line had one.
private func normalizedLines(_ source: String) -> (lines: [[Unicode.Scalar]], finalNewline: Bool) {
    var lines = [[Unicode.Scalar]]()
    var line = [Unicode.Scalar]()
    var previous: Unicode.Scalar?
    for (position, scalar) in source.unicodeScalars.enumerated() {
        defer { previous = scalar }
        if position == 0 && scalar == "\u{FEFF}" { continue }
        if scalar == "\n" && previous == "\r" { continue }
        if scalar == "\n" || scalar == "\r" {
            lines.append(line)
            line = []
        } else {
            line.append(scalar)
        }
    }
    let finalNewline = line.isEmpty && !lines.isEmpty
    if !line.isEmpty { lines.append(line) }
    return (lines, finalNewline)
}

// MARK: - Reading the lines the way Python's tokenizer groups them

/// A bracket still open at the end of a line.
private struct OpenBracket {
    /// The line it is on, and its offset in that line's `body`.
    var line: Int
    var offset: Int
    /// Nothing but a comment follows it on its line.
    var hanging: Bool
}

private enum Continuation {
    case bracket(OpenBracket)
    case backslash
}

private enum LineKind {
    case blank
    case comment
    case prose
    /// The first line of statement number N.
    case statement(Int)
    case continuation(Continuation)
    /// A line that starts inside a multi-line string: kept to the letter.
    case insideString
}

private struct SourceLine {
    var kind: LineKind
    /// The text written after the new indentation: the line without its leading blanks, or all of it
    /// when it starts inside a string.
    var body: [Unicode.Scalar]
}

private struct PageStatement {
    /// Columns of the first line's leading blanks (a tab to the next multiple of 8).
    var indentation: Int
    /// The first line's code without its comment and blanks: `if__name__=='__main__':`.
    var squeezed: String
    var firstWord: String
    var opensBlock = false

    var isDef: Bool { firstWord == "def" || squeezed.hasPrefix("asyncdef") }
    var isMainGuard: Bool {
        [
            "if__name__=='__main__':", "if__name__==\"__main__\":", "if'__main__'==__name__:",
            "if\"__main__\"==__name__:",
        ]
        .contains(squeezed)
    }
}

/// What the tokenizer carries from one line to the next.
private struct TokenizerState {
    var brackets = [OpenBracket]()
    /// The quote of the string a line ends in (a triple-quoted one, or one whose line ends in a backslash).
    var string: (quote: Unicode.Scalar, triple: Bool)?
    var backslash = false

    var inLogicalLine: Bool { !brackets.isEmpty || string != nil || backslash }
}

/// What one line holds, outside its strings and comments.
private struct LineFacts {
    var lastCode: Unicode.Scalar?
    var commentStart: Int?
    var nonASCIICode = false
}

private struct SourceScan {
    var lines = [SourceLine]()
    var statements = [PageStatement]()

    init(_ source: [[Unicode.Scalar]]) {
        var state = TokenizerState()
        var current: Int?  // the statement whose logical line is open
        for (number, text) in source.enumerated() {
            let blanks = text.prefix { $0 == " " || $0 == "\t" || $0 == "\u{0C}" }
            let body = Array(text.dropFirst(blanks.count))
            if state.string != nil {
                lines.append(SourceLine(kind: .insideString, body: text))
                let facts = Self.tokenize(text, line: number, state: &state)
                endStatement(&current, state: state, facts: facts)
            } else if state.inLogicalLine {
                let continuation = state.brackets.last.map(Continuation.bracket) ?? .backslash
                lines.append(SourceLine(kind: .continuation(continuation), body: body))
                let facts = Self.tokenize(body, line: number, state: &state)
                endStatement(&current, state: state, facts: facts)
            } else if body.isEmpty {
                lines.append(SourceLine(kind: .blank, body: body))
            } else if body[0] == "#" {
                lines.append(SourceLine(kind: .comment, body: body))
            } else {
                var trial = state
                let facts = Self.tokenize(body, line: number, state: &trial)
                if facts.nonASCIICode && blanks.isEmpty {
                    lines.append(SourceLine(kind: .prose, body: body))
                    continue
                }
                state = trial
                let code = body.prefix(facts.commentStart ?? body.count)
                let squeezed = String(String.UnicodeScalarView(code.filter { $0 != " " && $0 != "\t" }))
                let word = code.prefix { $0.properties.isXIDContinue }
                statements.append(
                    PageStatement(
                        indentation: Self.columns(blanks), squeezed: squeezed,
                        firstWord: String(String.UnicodeScalarView(word))))
                lines.append(SourceLine(kind: .statement(statements.count - 1), body: body))
                current = statements.count - 1
                endStatement(&current, state: state, facts: facts)
            }
        }
    }

    /// Python's "expected an indented block": a block opener followed by no statement, or by one that
    /// is not indented deeper.
    var lacksAnIndentedBlock: Bool {
        statements.indices.contains { index in
            statements[index].opensBlock
                && (index + 1 == statements.count || statements[index + 1].indentation <= statements[index].indentation)
        }
    }

    private mutating func endStatement(_ current: inout Int?, state: TokenizerState, facts: LineFacts) {
        guard let number = current, !state.inLogicalLine else { return }
        statements[number].opensBlock = facts.lastCode == ":"
        current = nil
    }

    private static func columns(_ blanks: ArraySlice<Unicode.Scalar>) -> Int {
        blanks.reduce(0) { column, blank in blank == "\t" ? (column / 8 + 1) * 8 : column + 1 }
    }

    /// Reads one line from `state`: strings (single, triple, with escapes), comments, brackets and a
    /// final backslash, as Python's tokenizer does.
    private static func tokenize(_ body: [Unicode.Scalar], line: Int, state: inout TokenizerState) -> LineFacts {
        var facts = LineFacts()
        state.backslash = false
        var i = 0
        var escapedLineEnd = false
        while i < body.count {
            let c = body[i]
            if let string = state.string {
                if c == "\\" {
                    escapedLineEnd = i == body.count - 1
                    i += 2
                } else if c == string.quote && !string.triple {
                    state.string = nil
                    facts.lastCode = c
                    i += 1
                } else if c == string.quote && i + 2 < body.count && body[i + 1] == c && body[i + 2] == c {
                    state.string = nil
                    facts.lastCode = c
                    i += 3
                } else {
                    i += 1
                }
                continue
            }
            if c == " " || c == "\t" || c == "\u{0C}" {
                i += 1
                continue
            }
            if c == "#" {
                facts.commentStart = i
                break
            }
            // Something follows every bracket opened before it on this line. Those still hanging are the
            // last ones opened, so the walk stops at the first that is not: linear in the line, however
            // many brackets are open.
            var index = state.brackets.endIndex
            while index > 0, state.brackets[index - 1].line == line, state.brackets[index - 1].hanging {
                index -= 1
                state.brackets[index].hanging = false
            }
            facts.lastCode = c
            if c.value > 127 { facts.nonASCIICode = true }
            switch c {
            case "'", "\"":
                let triple = i + 2 < body.count && body[i + 1] == c && body[i + 2] == c
                state.string = (c, triple)
                i += triple ? 3 : 1
                continue
            case "(", "[", "{":
                state.brackets.append(OpenBracket(line: line, offset: i, hanging: true))
            case ")", "]", "}":
                _ = state.brackets.popLast()
            case "\\" where i == body.count - 1:
                state.backslash = true
            default:
                break
            }
            i += 1
        }
        // A single-quoted string ends with its line unless a backslash continues it (else: a syntax error).
        if let string = state.string, !string.triple, !escapedLineEnd { state.string = nil }
        return facts
    }
}
