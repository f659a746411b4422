// Python's lines and blocks: a text becomes logical lines (comments dropped, a statement that
// continues inside brackets joined), logical lines become statements with their indented bodies,
// and a file or a paste becomes cells, one per top-level statement.

// MARK: - Logical lines

/// One statement's text (over one or more physical lines), its indentation and where it is.
struct LogicalLine: Equatable {
    /// The text without comments; physical lines joined with "\n".
    var text: String
    /// Columns of leading white space (a tab goes to the next multiple of 8, as in Python).
    let indent: Int
    /// The first and last physical lines (1-based).
    let firstLine: Int
    var lastLine: Int
    /// A bracket is still open at its end.
    var isUnclosed = false
}

public enum SourceText {
    /// The most a script (`reslab run FILE`, or standard input through a pipe) may hold, in bytes of UTF-8.
    public static let maximumScriptBytes = 10_000_000
    /// The most one cell may hold, in bytes of UTF-8: longer, it is refused before it is parsed.
    public static let maximumCellBytes = 1_000_000

    /// The text without a byte-order mark, with `\r\n` and lone `\r` as `\n`.
    static func normalized(_ source: String) -> String {
        var text = source
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return text.replacingCRLF()
    }

    /// The logical lines of `source`; blank and comment-only lines are dropped.
    ///
    /// A statement continues on the next physical line inside an open bracket when its line ends
    /// with an opening bracket, a comma, an operator or a backslash, or the next line is indented
    /// deeper than the statement or starts with a closing bracket. Anything else starts a new
    /// statement, so one unclosed bracket cannot swallow the lines after it.
    static func logicalLines(_ source: String, firstLine: Int = 1) -> [LogicalLine] {
        var result = [LogicalLine]()
        var current: LogicalLine?
        var scanner = BracketScanner()
        for (offset, physical) in normalized(source).split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated()
        {
            let number = firstLine + offset
            let line = String(physical)
            let indent = indentation(of: line)
            let body = line.drop { $0 == " " || $0 == "\t" || $0 == "\u{0C}" }
            if var open = current {
                let continues =
                    scanner.inTripleQuote || scanner.endsWithBackslash
                    || (scanner.depth > 0
                        && (scanner.endsOpen || indent > open.indent || body.first.map { ")]}".contains($0) } == true))
                if continues {
                    // Appended in place: a copy of the statement's text for each line would be quadratic.
                    current = nil
                    open.text += "\n" + scanner.scan(line)
                    open.lastLine = number
                    current = open
                    continue
                }
                open.isUnclosed = scanner.depth > 0
                result.append(open)
                current = nil
            }
            scanner = BracketScanner()
            let text = scanner.scan(String(body))
            if text.allSatisfy(\.isWhitespace) && !scanner.inTripleQuote { continue }
            current = LogicalLine(text: text, indent: indent, firstLine: number, lastLine: number)
        }
        if var open = current {
            open.isUnclosed = scanner.depth > 0 || scanner.inTripleQuote
            result.append(open)
        }
        return result
    }

    /// Columns of leading white space, tabs to the next multiple of 8.
    public static func indentation(of line: String) -> Int {
        var width = 0
        for character in line {
            switch character {
            case " ": width += 1
            case "\t": width = (width / 8 + 1) * 8
            case "\u{0C}": width = 0
            default: return width
            }
        }
        return width
    }
}

/// Follows strings, comments and brackets through physical lines.
struct BracketScanner {
    private(set) var depth = 0
    private var quote: (character: Character, triple: Bool)?
    /// The last line ended with an opening bracket, a comma or an operator.
    private(set) var endsOpen = false
    private(set) var endsWithBackslash = false
    var inTripleQuote: Bool { quote?.triple == true }

    /// The line without its comment, tracking the state across lines.
    mutating func scan(_ line: String) -> String {
        var kept = ""
        let characters = Array(line)
        var i = 0
        var escaped = false
        endsWithBackslash = false
        while i < characters.count {
            let c = characters[i]
            if let open = quote {
                kept.append(c)
                if escaped {
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == open.character {
                    if !open.triple {
                        quote = nil
                    } else if i + 2 < characters.count, characters[i + 1] == c, characters[i + 2] == c {
                        kept.append(c)
                        kept.append(c)
                        i += 2
                        quote = nil
                    }
                }
                i += 1
                continue
            }
            switch c {
            case "#":
                i = characters.count
                continue
            case "'", "\"":
                // Triple quotes only open a statement (a docstring), so a stray `'''` in a garbled line
                // cannot turn the rest of a file into a string.
                let triple =
                    i + 2 < characters.count && characters[i + 1] == c && characters[i + 2] == c
                    && kept.allSatisfy(\.isWhitespace)
                quote = (c, triple)
                if triple {
                    kept.append(c)
                    kept.append(c)
                    i += 2
                }
            case "(", "[", "{": depth += 1
            case ")", "]", "}": depth = max(0, depth - 1)
            default: break
            }
            kept.append(c)
            i += 1
        }
        // A single-quoted string does not continue on the next line.
        if quote?.triple == false { quote = nil }
        let trimmed = kept.trimmingWhitespace()
        if trimmed.hasSuffix("\\") && quote == nil, let backslash = kept.lastIndex(of: "\\") {
            endsWithBackslash = true
            kept.remove(at: backslash)
        }
        endsOpen = trimmed.last.map { "([{,+-*/=%<>\\".contains($0) } ?? false
        return kept
    }
}

// MARK: - Statements and blocks

extension Parser {
    /// Every statement of a cell, with its body, in order. `firstLine` numbers the cell's first line.
    static func cell(_ source: String, firstLine: Int = 1) throws(SyntaxError) -> [Located] {
        let lines = SourceText.logicalLines(source, firstLine: firstLine)
        var index = 0
        guard let first = lines.first else { return [] }
        do throws(SyntaxError) {
            let statements = try suite(lines, &index, indent: first.indent, nesting: 0)
            if index < lines.count {
                throw SyntaxError(
                    message: Message.unexpectedIndent.localized, column: lines[index].indent,
                    line: lines[index].firstLine)
            }
            return statements
        } catch {
            // A one-line cell needs no line number.
            guard firstLine == 1, !source.trimmingWhitespace().contains("\n") else { throw error }
            throw SyntaxError(message: error.message, column: error.column)
        }
    }

    /// The statements at `indent`, from `index` until a line indented less; `nesting` counts the blocks they
    /// are in, at most ``Parser/maximumDepth``.
    private static func suite(_ lines: [LogicalLine], _ index: inout Int, indent: Int, nesting: Int)
        throws(SyntaxError) -> [Located]
    {
        var statements = [Located]()
        while index < lines.count, lines[index].indent >= indent {
            guard lines[index].indent == indent else {
                throw SyntaxError(
                    message: Message.unexpectedIndent.localized, column: lines[index].indent,
                    line: lines[index].firstLine)
            }
            statements.append(try statement(lines, &index, nesting: nesting))
        }
        return statements
    }

    /// One statement and, for a block, its body (and its `elif`/`else` parts).
    private static func statement(_ lines: [LogicalLine], _ index: inout Int, nesting: Int) throws(SyntaxError)
        -> Located
    {
        let line = lines[index]
        index += 1
        let text = line.text.trimmingWhitespace()
        if line.isUnclosed {
            throw SyntaxError(message: Message.bracketNeverClosed.localized, column: nil, line: line.firstLine)
        }
        guard let (keyword, colon) = blockOpening(text) else {
            return Located(
                statement: try located(line) { () throws(SyntaxError) in try Parser.statement(text) },
                line: line.firstLine)
        }
        let headerText = String(text[..<colon])
        let inline = String(text[text.index(after: colon)...]).trimmingWhitespace()
        if refusedBlocks.contains(keyword) {
            // The whole block (and a try's except/finally parts) is one refusal, not one error a line.
            _ = try? body(after: line, inline: inline, lines, &index, nesting: nesting)
            while index < lines.count, lines[index].indent == line.indent,
                let (next, _) = blockOpening(lines[index].text.trimmingWhitespace()),
                ["except", "finally", "else"].contains(next)
            {
                index += 1
                _ = try? body(after: lines[index - 1], inline: "", lines, &index, nesting: nesting)
            }
            throw SyntaxError(
                message: Parser.outside(.quoted(keyword), column: nil).message, column: line.indent,
                line: line.firstLine)
        }
        let header = try located(line) { () throws(SyntaxError) in try Parser.header(headerText) }
        let statements = try body(after: line, inline: inline, lines, &index, nesting: nesting)
        switch header {
        case .function(let name, let parameters):
            return Located(
                statement: .functionDefinition(
                    FunctionDefinition(name: name, parameters: parameters, body: statements, line: line.firstLine)),
                line: line.firstLine)
        case .forLoop(let targets, let iterable):
            return Located(
                statement: .forStatement(targets: targets, iterable: iterable, body: statements), line: line.firstLine)
        case .ifBranch(let condition):
            var branches = [ConditionalBranch(condition: condition, body: statements)]
            var orElse = [Located]()
            while index < lines.count, lines[index].indent == line.indent,
                let (next, nextColon) = blockOpening(lines[index].text.trimmingWhitespace()),
                next == "elif" || next == "else"
            {
                let branchLine = lines[index]
                let branchText = branchLine.text.trimmingWhitespace()
                index += 1
                let branchHeader = try located(branchLine) { () throws(SyntaxError) in
                    try Parser.header(String(branchText[..<nextColon]))
                }
                let branchBody = try body(
                    after: branchLine,
                    inline: String(branchText[branchText.index(after: nextColon)...]).trimmingWhitespace(),
                    lines, &index, nesting: nesting)
                if case .elifBranch(let condition) = branchHeader {
                    branches.append(ConditionalBranch(condition: condition, body: branchBody))
                } else {
                    orElse = branchBody
                    break
                }
            }
            return Located(statement: .ifStatement(branches, orElse: orElse), line: line.firstLine)
        case .elifBranch, .elseBranch:
            throw SyntaxError(
                message: "'\(keyword)' without an 'if' before it", column: line.indent, line: line.firstLine)
        }
    }

    /// A block's body: the statement after its `:` on the same line, or the lines indented under it.
    private static func body(
        after header: LogicalLine, inline: String, _ lines: [LogicalLine], _ index: inout Int, nesting: Int
    ) throws(SyntaxError) -> [Located] {
        guard nesting < maximumDepth else {
            throw SyntaxError(
                message: Message.nestedTooDeep(maximumDepth).localized, column: nil, line: header.firstLine)
        }
        if !inline.isEmpty {
            return [
                Located(
                    statement: try located(header) { () throws(SyntaxError) in try Parser.statement(inline) },
                    line: header.firstLine)
            ]
        }
        guard index < lines.count, lines[index].indent > header.indent else {
            let opening = header.text.trimmingWhitespace()
            throw SyntaxError(
                message: "expected an indented block after '\(opening.prefix(60))'", column: nil, line: header.firstLine
            )
        }
        return try suite(lines, &index, indent: lines[index].indent, nesting: nesting + 1)
    }

    /// Keywords that open blocks reslab does not run: the block is refused whole.
    static let refusedBlocks: Set<String> = ["class", "while", "with", "try", "except", "finally", "async", "match"]

    /// Every keyword a line that opens a block starts with: reslab's blocks and the refused ones.
    static let blockKeywords: Set<String> = refusedBlocks.union(["def", "if", "elif", "else", "for"])

    /// The block keyword of a line that opens a block and the index of its `:`, or `nil`.
    static func blockOpening(_ text: String) -> (keyword: String, colon: String.Index)? {
        let keyword = String(text.prefix { $0.isLetter || $0 == "_" })
        guard blockKeywords.contains(keyword) else { return nil }
        guard let colon = topLevelColon(in: text) else { return nil }
        return (keyword, colon)
    }

    /// The first `:` outside brackets and strings.
    static func topLevelColon(in text: String) -> String.Index? {
        var search = TopLevelColon()
        return text.indices.first { search.step(text[$0]) }
    }

    /// Runs `parse` on a logical line, giving its errors the line they are on.
    private static func located<T>(_ line: LogicalLine, _ parse: () throws(SyntaxError) -> T) throws(SyntaxError) -> T {
        do {
            return try parse()
        } catch {
            guard error.line == nil else { throw error }
            // A column past a joined line's newline is on a later physical line; say the line alone then.
            let before = error.column.map { line.text.trimmingWhitespace().prefix($0) } ?? ""
            let newlines = before.filter { $0 == "\n" }.count
            throw SyntaxError(
                message: error.message, column: newlines > 0 ? nil : error.column.map { $0 + line.indent },
                line: line.firstLine + newlines)
        }
    }
}

/// Looks for a `:` outside brackets and strings, a character at a time.
struct TopLevelColon {
    private var depth = 0
    private var quote: Character?
    private var escaped = false

    /// Takes the next character; `true` when it is a `:` outside brackets and strings.
    mutating func step(_ c: Character) -> Bool {
        if let q = quote {
            if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == q { quote = nil }
            return false
        }
        switch c {
        case "'", "\"": quote = c
        case "(", "[", "{": depth += 1
        case ")", "]", "}": depth -= 1
        case ":" where depth == 0: return true
        default: break
        }
        return false
    }
}

// MARK: - Cells

/// A top-level statement's text and the line it starts on: one cell of a file or a paste.
public struct CellSource: Equatable, Sendable {
    public let text: String
    public let firstLine: Int
}

extension SourceText {
    /// The cells of a file or a paste: one per top-level statement, a block with its body (and its
    /// `elif`/`else`). Comment-only lines between statements are not cells.
    public static func cells(_ source: String) -> [CellSource] {
        let physical = normalized(source).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let lines = logicalLines(source)
        var cells = [CellSource]()
        var index = 0
        while index < lines.count {
            let start = lines[index]
            var end = start.lastLine
            index += 1
            while index < lines.count,
                lines[index].indent > start.indent
                    || (Parser.blockOpening(lines[index].text.trimmingWhitespace()).map {
                        ["elif", "else", "except", "finally"].contains($0.keyword)
                    } ?? false)
            {
                end = lines[index].lastLine
                index += 1
            }
            cells.append(
                CellSource(
                    text: physical[(start.firstLine - 1)..<end].joined(separator: "\n"), firstLine: start.firstLine))
        }
        return cells
    }

    /// Whether the prompt should read another line before running `source`: a bracket is still open
    /// (and the line ends so that it continues), or a block is open (its body ends with a blank line).
    public static func needsMoreInput(_ source: String) -> Bool {
        var pending = PendingCell()
        pending.append(source)
        return pending.needsMoreInput
    }
}

/// A cell being typed at the prompt, line by line: whether it needs another line (see
/// ``SourceText/needsMoreInput(_:)``), worked out from each line once, so that a cell of many lines takes
/// time in proportion to its length.
public struct PendingCell {
    /// Follows brackets and strings through every line, as typed.
    private var scanner = BracketScanner()
    /// Follows the logical line being read (see ``SourceText/logicalLines(_:firstLine:)``).
    private var statementScanner = BracketScanner()
    /// The indentation of the logical line being read; `nil` before the first.
    private var statementIndent: Int?
    /// Finds the `:` of the logical line being read, when it starts with a block keyword.
    private var colon: TopLevelColon?
    /// Some logical line opens a block (`def f():`, `if x:`).
    private var opensBlock = false
    private var lastLineIsBlank = true

    public init() {}

    /// Adds one or more lines (separated by newlines) to the cell.
    public mutating func append(_ text: String) {
        for physical in SourceText.normalized(text).split(separator: "\n", omittingEmptySubsequences: false) {
            appendLine(String(physical))
        }
    }

    private mutating func appendLine(_ line: String) {
        _ = scanner.scan(line)
        lastLineIsBlank = line.allSatisfy(\.isWhitespace)
        let indent = SourceText.indentation(of: line)
        let body = line.drop { $0 == " " || $0 == "\t" || $0 == "\u{0C}" }
        if let open = statementIndent {
            let continues =
                statementScanner.inTripleQuote || statementScanner.endsWithBackslash
                || (statementScanner.depth > 0
                    && (statementScanner.endsOpen || indent > open || body.first.map { ")]}".contains($0) } == true))
            if continues {
                let text = statementScanner.scan(line)
                if colon != nil { find(in: "\n" + text) }
                return
            }
            statementIndent = nil
        }
        statementScanner = BracketScanner()
        let text = statementScanner.scan(String(body))
        if text.allSatisfy(\.isWhitespace) && !statementScanner.inTripleQuote { return }
        statementIndent = indent
        let keyword = String(text.prefix { $0.isLetter || $0 == "_" })
        colon = Parser.blockKeywords.contains(keyword) ? TopLevelColon() : nil
        if colon != nil { find(in: text) }
    }

    /// Feeds the logical line's text to the search for its `:`.
    private mutating func find(in text: String) {
        guard var search = colon else { return }
        for character in text where search.step(character) {
            opensBlock = true
            colon = nil
            return
        }
        colon = search
    }

    /// Whether the prompt should read another line before running the cell.
    public var needsMoreInput: Bool {
        if scanner.inTripleQuote || scanner.endsWithBackslash { return true }
        // Inside brackets only after a line that plainly goes on, so a stray bracket cannot swallow the session.
        if scanner.depth > 0 { return scanner.endsOpen }
        // A block stays open until a blank line.
        return opensBlock && !lastLineIsBlank
    }
}

extension String {
    /// `\r\n` and lone `\r` as `\n`.
    func replacingCRLF() -> String {
        guard contains("\r") else { return self }
        var result = ""
        var previous: Character?
        for scalar in unicodeScalars {
            if scalar == "\r" {
                result.append("\n")
            } else if scalar == "\n" && previous == "\r" {
                // already written
            } else {
                result.unicodeScalars.append(scalar)
            }
            previous = Character(scalar)
        }
        return result
    }
}
