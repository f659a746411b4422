// Text fitted to a terminal: how many columns a text takes, and prose wrapped to a width (at spaces in
// Latin text, between characters in Chinese).

/// The widths output is laid out to.
public enum TextWidth {
    /// Without a terminal (a pipe, `reslab run`, a saved notebook), and where nothing else is known.
    public static let standard = 80
    /// The widest prose gets, however wide the terminal: longer lines are hard to read.
    public static let reading = 100
    /// The narrowest prose gets, however narrow the terminal.
    public static let minimum = 40

    /// The width prose wraps to on a terminal `columns` wide: within [40, 100].
    public static func prose(columns: Int) -> Int { min(max(columns, minimum), reading) }

    /// The terminal's width while a notebook cell runs (``Notebook/width``), for the commands that draw.
    @TaskLocal static var current = standard
}

/// The columns `text` takes on a terminal: East Asian wide and fullwidth characters take two, combining
/// marks and ANSI escape sequences none.
public func displayWidth(_ text: some StringProtocol) -> Int {
    glyphs(of: Substring(text)).reduce(0) { $0 + $1.width }
}

/// `text` with each line wrapped to `width` columns: at spaces, and between CJK characters (never
/// before closing punctuation such as `，。）` nor after opening punctuation such as `（「`).
///
/// A line that starts with four spaces (code) is left as it is; a list item (`- `, `1. `) continues
/// under its text; a word longer than the width is broken.
public func wrap(_ text: String, width: Int) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
        if line.hasPrefix("    ") || displayWidth(line) <= width { return String(line) }
        return wrapLine(line, width: width).joined(separator: "\n")
    }.joined(separator: "\n")
}

/// One line of a table or a signature wrapped to `width` columns, its continuation lines starting at
/// column `hangingIndent`: `usage   summary…` continues under the summary, `Conv2D(filters, …` under
/// the first parameter.
public func wrap(_ line: String, width: Int, hangingIndent: Int) -> String {
    if displayWidth(line) <= width { return line }
    let indent = min(hangingIndent, max(0, width - TextWidth.minimum / 2))
    return wrapLine(Substring(line), width: width, continuation: String(repeating: " ", count: indent))
        .joined(separator: "\n")
}

/// A cell's output fitted to a terminal `width` columns wide: a line of words (a value, a long list)
/// wider than the terminal wraps at spaces, continuing under what follows `name = `. What Keras itself
/// prints is left as Keras prints it: a table row (columns padded with runs of spaces, as in
/// `model.summary()`) and the tutorial's `Predicted:` line.
public func fitted(_ output: String, width: Int) -> String {
    output.split(separator: "\n", omittingEmptySubsequences: false).map { line in
        let text = String(line)
        if displayWidth(text) <= width || text.contains("   ") || text.hasPrefix("Predicted:") { return text }
        let assignment = text.range(of: " = ").map { text.distance(from: text.startIndex, to: $0.upperBound) }
        return wrap(text, width: width, hangingIndent: assignment.map { min($0, 24) } ?? 4)
    }.joined(separator: "\n")
}

/// A line of Python wrapped to `width` columns the way it could have been typed: after a comma inside
/// brackets (the outermost brackets' first), the rest under the first character after the bracket
/// (Python's implicit line joining), so that the wrapped text still runs when copied. A line with no
/// such comma stays as it is. A comment wraps at words into comment lines.
public func wrapCode(_ line: String, width: Int) -> String {
    guard displayWidth(line) > width else { return line }
    let indentation = String(line.prefix { $0 == " " })
    if line.dropFirst(indentation.count).hasPrefix("# ") {
        // A comment continues as a comment.
        return wrapLine(Substring(line), width: width, continuation: indentation + "# ").joined(separator: "\n")
    }
    let characters = Array(line)
    // Where a line may end (just after `, ` inside brackets) and the bracket it is inside.
    var breaks = [(at: Int, bracket: Int, depth: Int)]()
    var open = [Int]()
    var quote: Character?
    var index = 0
    while index < characters.count {
        let character = characters[index]
        if let q = quote {
            if character == "\\" { index += 1 } else if character == q { quote = nil }
        } else if character == "'" || character == "\"" {
            quote = character
        } else if "([{".contains(character) {
            open.append(index)
        } else if ")]}".contains(character) {
            _ = open.popLast()
        } else if character == ",", let bracket = open.last, index + 1 < characters.count,
            characters[index + 1] == " "
        {
            breaks.append((index + 2, bracket, open.count))
        }
        index += 1
    }
    func columns(_ range: Range<Int>) -> Int { displayWidth(String(characters[range])) }
    var lines = [String]()
    var start = 0
    var indent = 0
    var bracketColumn = [Int: Int]()  // an open bracket's column on the screen, once placed
    while start < characters.count {
        let fitting = breaks.filter { $0.at > start && indent + columns(start..<($0.at - 1)) <= width }
        let rest = indent + columns(start..<characters.count)
        // The outermost brackets' commas first: `[(…), (…),` breaks between the tuples, not inside one.
        let shallowest = fitting.map(\.depth).min()
        let preferred = fitting.last { $0.depth == shallowest }
        guard rest > width, let cut = preferred ?? breaks.first(where: { $0.at > start }) else {
            lines.append(String(repeating: " ", count: indent) + String(characters[start...]))
            break
        }
        for (position, character) in characters[start..<cut.at].enumerated() where "([{".contains(character) {
            bracketColumn[start + position] = indent + columns(start..<(start + position))
        }
        lines.append(String(repeating: " ", count: indent) + String(characters[start..<(cut.at - 1)]))
        indent = (bracketColumn[cut.bracket] ?? 0) + 1
        start = cut.at
    }
    return lines.joined(separator: "\n")
}

/// One character as a terminal draws it, with the escape sequences just before it.
private struct Glyph {
    var text: Substring
    var width: Int
    /// `nil` for escape sequences at the very end of a text.
    var character: Character?

    var isSpace: Bool { character == " " }
    /// The escape sequences alone (kept when a space they sit on is dropped at a line break).
    var escapes: Substring { character == nil ? text : text.dropLast() }
}

private func glyphs(of text: Substring) -> [Glyph] {
    var result = [Glyph]()
    var index = text.startIndex
    var escapesStart: String.Index?
    while index < text.endIndex {
        let start = index
        if text[index] == "\u{1B}" {
            index = endOfEscapeSequence(in: text, at: index)
            escapesStart = escapesStart ?? start
            continue
        }
        let character = text[index]
        index = text.index(after: index)
        result.append(
            Glyph(text: text[(escapesStart ?? start)..<index], width: columns(of: character), character: character))
        escapesStart = nil
    }
    if let escapesStart {
        result.append(Glyph(text: text[escapesStart...], width: 0, character: nil))
    }
    return result
}

/// Where the escape sequence that starts at `index` ends: CSI (`ESC [ … m`), OSC (`ESC ] … BEL`), or
/// `ESC` and one character.
private func endOfEscapeSequence(in text: Substring, at index: String.Index) -> String.Index {
    var current = text.index(after: index)
    guard current < text.endIndex else { return current }
    let kind = text[current]
    current = text.index(after: current)
    switch kind {
    case "[":
        while current < text.endIndex {
            let scalar = text[current].unicodeScalars.first!.value
            current = text.index(after: current)
            if (0x40...0x7E).contains(scalar) { break }
        }
    case "]":
        while current < text.endIndex {
            let character = text[current]
            if character == "\u{07}" { return text.index(after: current) }
            if character == "\u{1B}" {
                let next = text.index(after: current)
                return next < text.endIndex && text[next] == "\\" ? text.index(after: next) : next
            }
            current = text.index(after: current)
        }
    default:
        break
    }
    return current
}

/// A character's columns: the widest of its scalars (a letter and its accents take one).
private func columns(of character: Character) -> Int {
    character.unicodeScalars.reduce(0) { max($0, columns(of: $1)) }
}

private func columns(of scalar: Unicode.Scalar) -> Int {
    let value = scalar.value
    if value < 0x20 || (0x7F..<0xA0).contains(value) { return 0 }
    switch scalar.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format: return 0
    default: break
    }
    if (0x1160...0x11FF).contains(value) { return 0 }  // Hangul vowels and finals join the syllable
    return wideRanges.contains { $0.contains(value) } ? 2 : 1
}

/// East Asian Wide and Fullwidth characters (Unicode's EastAsianWidth.txt, W and F): CJK ideographs, kana,
/// Hangul, fullwidth forms and punctuation, emoji.
private let wideRanges: [ClosedRange<UInt32>] = [
    0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0...0x23F0, 0x23F3...0x23F3,
    0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F...0x267F, 0x2693...0x2693, 0x26A1...0x26A1,
    0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE...0x26CE, 0x26D4...0x26D4, 0x26EA...0x26EA,
    0x26F2...0x26F3, 0x26F5...0x26F5, 0x26FA...0x26FA, 0x26FD...0x26FD, 0x2705...0x2705, 0x270A...0x270B,
    0x2728...0x2728, 0x274C...0x274C, 0x274E...0x274E, 0x2753...0x2755, 0x2757...0x2757, 0x2795...0x2797,
    0x27B0...0x27B0, 0x27BF...0x27BF, 0x2B1B...0x2B1C, 0x2B50...0x2B50, 0x2B55...0x2B55, 0x2E80...0x303E,
    0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
    0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4,
    0x17000...0x18CFF, 0x1AFF0...0x1B2FF, 0x1F004...0x1F004, 0x1F0CF...0x1F0CF, 0x1F18E...0x1F18E,
    0x1F191...0x1F19A, 0x1F200...0x1F2FF, 0x1F300...0x1F64F, 0x1F680...0x1F6FF, 0x1F7E0...0x1F7EB,
    0x1F90C...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
]

/// Punctuation a line may not start with.
private let closingPunctuation: Set<Character> = [
    "，", "。", "、", "：", "；", "！", "？", "）", "」", "』", "》", "〉", "】", "〕", "”", "’", "…", "—",
    ",", ".", ":", ";", "!", "?", ")", "]", "}",
]
/// Punctuation a line may not end with.
private let openingPunctuation: Set<Character> = ["（", "「", "『", "《", "〈", "【", "〔", "“", "‘", "(", "[", "{"]

/// Whether a line may break between `before` and `after` where no space separates them: next to a wide
/// (CJK) character, unless that would start a line with closing punctuation or end one with opening.
private func mayBreak(between before: Glyph, and after: Glyph) -> Bool {
    guard let first = before.character, let second = after.character else { return false }
    return (before.width == 2 || after.width == 2) && !closingPunctuation.contains(second)
        && !openingPunctuation.contains(first)
}

/// A piece no line breaks inside (a Latin word, one CJK character and its punctuation), with the spaces
/// before it.
private struct Piece {
    var gap: [Glyph] = []
    var word: [Glyph] = []
}

/// Whether `piece` is the next number after `word` in a tuple or a list: `55,` then ` 256)`.
private func continuesNumbers(_ word: [Glyph], _ piece: Piece) -> Bool {
    let text = String(word.compactMap(\.character))
    guard text.hasSuffix(","), piece.gap.count == 1, piece.word.first?.character?.isASCII == true,
        piece.word.first?.character?.isNumber == true
    else { return false }
    return text.dropLast().last?.isNumber == true || text.hasSuffix("None,")
}

/// `line` wrapped to `width`; its lines after the first start with `continuation`, by default the line's
/// own indentation (and, for a list item, the width of its marker).
private func wrapLine(_ line: Substring, width: Int, continuation: String? = nil) -> [String] {
    let indentation = line.prefix { $0 == " " }
    let content = line.dropFirst(indentation.count)
    // A list item's lines after its first start under its text.
    let marker = content.prefix { $0.isNumber }
    let hanging =
        content.hasPrefix("- ") || content.hasPrefix("* ")
        ? 2 : !marker.isEmpty && content.dropFirst(marker.count).hasPrefix(". ") ? marker.count + 2 : 0
    let continuation = continuation ?? String(indentation) + String(repeating: " ", count: hanging)

    var pieces = [Piece()]
    for glyph in glyphs(of: content) {
        if glyph.isSpace {
            if !pieces[pieces.count - 1].word.isEmpty { pieces.append(Piece()) }
            pieces[pieces.count - 1].gap.append(glyph)
        } else if let last = pieces[pieces.count - 1].word.last, mayBreak(between: last, and: glyph) {
            pieces.append(Piece(word: [glyph]))
        } else {
            pieces[pieces.count - 1].word.append(glyph)
        }
    }
    // A shape or a list of numbers (`(None, 55, 55, 256)`, `[64, 64, 256]`) stays on one line.
    pieces = pieces.reduce(into: []) { merged, piece in
        if let last = merged.last, continuesNumbers(last.word, piece) {
            merged[merged.count - 1].word += piece.gap + piece.word
        } else {
            merged.append(piece)
        }
    }

    var lines = [String]()
    var current = String(indentation)
    var currentWidth = indentation.count
    var hasWord = false
    func breakLine() {
        lines.append(current)
        current = continuation
        currentWidth = continuation.count
        hasWord = false
    }
    for piece in pieces {
        let gapWidth = piece.gap.reduce(0) { $0 + $1.width }
        var word = piece.word[...]
        guard !word.isEmpty else {
            // Spaces at the end of the line: only their escape sequences are kept.
            current += piece.gap.map(\.escapes).joined()
            continue
        }
        let wordWidth = word.reduce(0) { $0 + $1.width }
        if hasWord && currentWidth + gapWidth + wordWidth <= width {
            current += piece.gap.map(\.text).joined() + word.map(\.text).joined()
            currentWidth += gapWidth + wordWidth
            continue
        }
        if hasWord {
            current += piece.gap.map(\.escapes).joined()
            breakLine()
        }
        // A word wider than a whole line is broken where the line ends.
        while !word.isEmpty && currentWidth + word.reduce(0, { $0 + $1.width }) > width {
            var taken = 0
            for glyph in word {
                if taken > 0 && currentWidth + glyph.width > width { break }
                taken += 1
                currentWidth += glyph.width
            }
            current += word.prefix(taken).map(\.text).joined()
            word = word.dropFirst(taken)
            breakLine()
        }
        guard !word.isEmpty else { continue }
        current += word.map(\.text).joined()
        currentWidth += word.reduce(0) { $0 + $1.width }
        hasWord = true
    }
    if hasWord || lines.isEmpty { lines.append(current) }
    return lines
}

/// Whether every line of `text` fits in `width` columns.
func fits(_ text: String, in width: Int) -> Bool {
    text.split(separator: "\n").allSatisfy { displayWidth($0) <= width }
}
