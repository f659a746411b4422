// The part of Python the tutorial's Keras lines use: assignments, calls with positional and
// keyword arguments, tuples, lists, strings, numbers, attributes and `+ - * /`. Parsed into a
// small tree; anything else is a one-line error that says what is supported.

/// A line that is not in the supported subset of Python.
public struct SyntaxError: Error, Equatable, CustomStringConvertible {
    public let message: String
    /// Column (0-based) where the problem was found, when known.
    public let column: Int?
    public var description: String {
        "syntax error" + (column.map { " at column \($0 + 1)" } ?? "") + ": " + message
    }
}

// MARK: - Tokens

enum Token: Equatable {
    case name(String)
    case integer(Int)
    case float(Double)
    case string(String)
    case symbol(String)  // ( ) [ ] , = + - * / . : %
    case end
}

struct Lexer {
    /// Splits one cell into tokens with their columns; `#` starts a comment.
    static func tokens(_ source: String) throws(SyntaxError) -> [(Token, Int)] {
        let characters = Array(source.unicodeScalars)
        var result = [(Token, Int)]()
        var i = 0
        while i < characters.count {
            let c = characters[i]
            if c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\\" {
                i += 1
            } else if c == "#" {
                while i < characters.count && characters[i] != "\n" { i += 1 }
            } else if c.properties.isXIDStart || c == "_" {
                let start = i
                while i < characters.count && (characters[i].properties.isXIDContinue || characters[i] == "_") {
                    i += 1
                }
                result.append((.name(String(String.UnicodeScalarView(characters[start..<i]))), start))
            } else if ("0"..."9").contains(c)
                || (c == "." && i + 1 < characters.count && ("0"..."9").contains(characters[i + 1]))
            {
                let start = i
                var isFloat = false
                while i < characters.count {
                    let d = characters[i]
                    if ("0"..."9").contains(d) || d == "_" {
                        i += 1
                    } else if d == "." && !isFloat {
                        isFloat = true
                        i += 1
                    } else if (d == "e" || d == "E") && i + 1 < characters.count {
                        isFloat = true
                        i += 1
                        if characters[i] == "-" || characters[i] == "+" { i += 1 }
                    } else {
                        break
                    }
                }
                let text = String(String.UnicodeScalarView(characters[start..<i])).replacingUnderscores()
                if isFloat {
                    guard let value = Double(text) else {
                        throw SyntaxError(message: "'\(text)' is not a number", column: start)
                    }
                    result.append((.float(value), start))
                } else {
                    guard let value = Int(text) else {
                        throw SyntaxError(
                            message: "the number \(text.prefix(30))\(text.count > 30 ? "…" : "") is too large",
                            column: start)
                    }
                    result.append((.integer(value), start))
                }
            } else if c == "'" || c == "\"" {
                let start = i
                i += 1
                var text = String.UnicodeScalarView()
                var closed = false
                while i < characters.count {
                    let d = characters[i]
                    if d == c {
                        closed = true
                        i += 1
                        break
                    }
                    if d == "\\" && i + 1 < characters.count {
                        let e = characters[i + 1]
                        switch e {
                        case "n": text.append("\n")
                        case "t": text.append("\t")
                        default: text.append(e)
                        }
                        i += 2
                        continue
                    }
                    if d == "\n" { break }
                    text.append(d)
                    i += 1
                }
                guard closed else { throw SyntaxError(message: "the string is not closed: add \(c)", column: start) }
                result.append((.string(String(text)), start))
            } else if "()[],=+-*/.:%{}".unicodeScalars.contains(c) {
                if c == "{" || c == "}" {
                    throw SyntaxError(message: "dictionaries and sets are not supported", column: i)
                }
                result.append((.symbol(String(c)), i))
                i += 1
            } else {
                throw SyntaxError(message: "unexpected character '\(Character(c))'", column: i)
            }
        }
        result.append((.end, characters.count))
        return result
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}

// MARK: - Tree

/// An expression of the supported subset.
indirect enum Expression: Equatable {
    case name(String)
    case integer(Int)
    case float(Double)
    case string(String)
    case tuple([Expression])
    case list([Expression])
    case attribute(Expression, String)
    case call(Expression, arguments: [Expression], keywords: [KeywordArgument])
    case subscripted(Expression, Expression)
    case binary(String, Expression, Expression)
    case negative(Expression)
}

/// `name=value` in a call.
struct KeywordArgument: Equatable {
    let name: String
    let value: Expression
}

/// One statement: the tutorial's lines are assignments, expressions and imports.
enum Statement: Equatable {
    case assignment(targets: [String], value: Expression)
    case expression(Expression)
    /// `import numpy as np`, `from keras.layers import Input`: accepted, nothing to do.
    case importStatement
}

// MARK: - Parser

struct Parser {
    private var tokens: [(Token, Int)]
    private var position = 0
    /// Deepest nesting accepted, so a pathological line cannot exhaust the stack.
    static let maximumDepth = 64
    private var depth = 0

    init(_ source: String) throws(SyntaxError) { tokens = try Lexer.tokens(source) }

    /// Parses one statement (a whole cell holds one, possibly over several lines).
    static func statement(_ source: String) throws(SyntaxError) -> Statement {
        var parser = try Parser(source)
        return try parser.parseStatement()
    }

    private var current: Token { tokens[position].0 }
    private var column: Int { tokens[position].1 }

    private mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    private mutating func expect(_ symbol: String, _ context: String) throws(SyntaxError) {
        guard current == .symbol(symbol) else {
            throw SyntaxError(message: "expected '\(symbol)' \(context), found \(describe(current))", column: column)
        }
        advance()
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .name(let n): return "'\(n)'"
        case .integer(let v): return "\(v)"
        case .float(let v): return "\(v)"
        case .string: return "a string"
        case .symbol(let s): return "'\(s)'"
        case .end: return "the end of the line"
        }
    }

    mutating func parseStatement() throws(SyntaxError) -> Statement {
        if case .name(let keyword) = current {
            if keyword == "import" || keyword == "from" { return .importStatement }
            let unsupported = [
                "def", "class", "if", "for", "while", "with", "try", "return", "lambda", "del", "global", "yield",
                "async", "await", "raise", "assert", "elif", "else",
            ]
            if unsupported.contains(keyword) {
                throw SyntaxError(
                    message: "'\(keyword)' is not supported: reslab understands the tutorial's Keras lines "
                        + "(assignments, calls, tuples, lists, strings, numbers); identity_block, conv_block "
                        + "and ResNet50 are built in", column: column)
            }
        }
        // `a, b, c = filters` or `x = …`
        let start = position
        var targets = [String]()
        while case .name(let name) = current {
            targets.append(name)
            advance()
            if current == .symbol(",") {
                advance()
                continue
            }
            break
        }
        if !targets.isEmpty, current == .symbol("=") {
            advance()
            let value = try parseExpressionList()
            try expectEnd()
            return .assignment(targets: targets, value: value)
        }
        position = start
        let expression = try parseExpressionList()
        if current == .symbol("=") {
            throw SyntaxError(message: "only names can be assigned to (x = …, or a, b = …)", column: column)
        }
        try expectEnd()
        return .expression(expression)
    }

    private mutating func expectEnd() throws(SyntaxError) {
        guard current == .end else {
            throw SyntaxError(message: "unexpected \(describe(current)); one statement per cell", column: column)
        }
    }

    /// `a, b` without brackets is a tuple, as in Python.
    private mutating func parseExpressionList() throws(SyntaxError) -> Expression {
        let first = try parseExpression()
        guard current == .symbol(",") else { return first }
        var items = [first]
        while current == .symbol(",") {
            advance()
            if current == .end || current == .symbol("=") { break }
            items.append(try parseExpression())
        }
        return .tuple(items)
    }

    private mutating func parseExpression() throws(SyntaxError) -> Expression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            throw SyntaxError(message: "nested more than \(Self.maximumDepth) levels deep", column: column)
        }
        var left = try parseTerm()
        while case .symbol(let op) = current, op == "+" || op == "-" {
            advance()
            left = .binary(op, left, try parseTerm())
        }
        return left
    }

    private mutating func parseTerm() throws(SyntaxError) -> Expression {
        var left = try parseUnary()
        while case .symbol(let op) = current, op == "*" || op == "/" {
            advance()
            if op == "*" && current == .symbol("*") {
                throw SyntaxError(message: "'**' is not supported", column: column)
            }
            left = .binary(op, left, try parseUnary())
        }
        return left
    }

    private mutating func parseUnary() throws(SyntaxError) -> Expression {
        if current == .symbol("-") {
            advance()
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maximumDepth else {
                throw SyntaxError(message: "nested more than \(Self.maximumDepth) levels deep", column: column)
            }
            return .negative(try parseUnary())
        }
        if current == .symbol("+") {
            advance()
            return try parseUnary()
        }
        return try parsePostfix()
    }

    private mutating func parsePostfix() throws(SyntaxError) -> Expression {
        var expression = try parseAtom()
        while true {
            if current == .symbol("(") {
                advance()
                var arguments = [Expression]()
                var keywords = [KeywordArgument]()
                while current != .symbol(")") {
                    if case .name(let name) = current, tokens[position + 1].0 == .symbol("=") {
                        advance()
                        advance()
                        guard !keywords.contains(where: { $0.name == name }) else {
                            throw SyntaxError(message: "keyword argument '\(name)' given twice", column: column)
                        }
                        keywords.append(KeywordArgument(name: name, value: try parseExpression()))
                    } else {
                        guard keywords.isEmpty else {
                            throw SyntaxError(message: "positional argument after keyword arguments", column: column)
                        }
                        arguments.append(try parseExpression())
                    }
                    if current == .symbol(",") { advance() } else { break }
                }
                try expect(")", "to close the call")
                expression = .call(expression, arguments: arguments, keywords: keywords)
            } else if current == .symbol(".") {
                advance()
                guard case .name(let name) = current else {
                    throw SyntaxError(message: "expected a name after '.'", column: column)
                }
                advance()
                expression = .attribute(expression, name)
            } else if current == .symbol("[") {
                advance()
                let index = try parseExpression()
                if current == .symbol(":") { throw SyntaxError(message: "slices are not supported", column: column) }
                try expect("]", "to close the subscript")
                expression = .subscripted(expression, index)
            } else {
                return expression
            }
        }
    }

    private mutating func parseAtom() throws(SyntaxError) -> Expression {
        let token = current
        switch token {
        case .name(let name):
            advance()
            return .name(name)
        case .integer(let value):
            advance()
            return .integer(value)
        case .float(let value):
            advance()
            return .float(value)
        case .string(var value):
            advance()
            while case .string(let more) = current {  // 'a' 'b' concatenates, as in Python
                value += more
                advance()
            }
            return .string(value)
        case .symbol("("):
            advance()
            if current == .symbol(")") {
                advance()
                return .tuple([])
            }
            let first = try parseExpression()
            if current == .symbol(")") {
                advance()
                return first
            }
            var items = [first]
            while current == .symbol(",") {
                advance()
                if current == .symbol(")") { break }
                items.append(try parseExpression())
            }
            try expect(")", "to close the tuple")
            return .tuple(items)
        case .symbol("["):
            advance()
            var items = [Expression]()
            while current != .symbol("]") {
                items.append(try parseExpression())
                if current == .symbol(",") { advance() } else { break }
            }
            try expect("]", "to close the list")
            return .list(items)
        default:
            throw SyntaxError(message: "unexpected \(describe(token))", column: column)
        }
    }
}

/// Whether a cell is unfinished, so the prompt reads another line: a bracket is still open and the
/// last line ends with an opening bracket or a comma (`Conv2D(16, (3, 3),`), or with a backslash.
public func needsMoreInput(_ source: String) -> Bool {
    let lastLine = source.split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
    guard let end = lastLine.last(where: { !$0.isWhitespace }) else { return false }
    if end == "\\" { return true }
    return "([{,".contains(end) && hasOpenBracket(source)
}

/// Whether `source` opens more brackets than it closes (outside strings and comments).
func hasOpenBracket(_ source: String) -> Bool {
    var depth = 0
    var quote: Character?
    var escaped = false
    var inComment = false
    for character in source {
        if inComment {
            if character == "\n" { inComment = false }
            continue
        }
        if let q = quote {
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == q {
                quote = nil
            }
            continue
        }
        switch character {
        case "'", "\"": quote = character
        case "#": inComment = true
        case "(", "[", "{": depth += 1
        case ")", "]", "}": depth -= 1
        default: break
        }
    }
    return depth > 0
}
