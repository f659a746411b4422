// The part of Python the tutorial's code uses: assignments, calls with positional and keyword
// arguments, tuples, lists, strings, numbers, attributes, arithmetic, comparisons and `and`/`or`/
// `not`, and the blocks `def`/`return`, `if`/`elif`/`else` and `for` (see `Blocks.swift`). Parsed
// into a small tree; anything else is a one-line error that says what is supported.

/// A line that is not in the supported subset of Python.
public struct SyntaxError: Error, Equatable, CustomStringConvertible {
    public let message: String
    /// Column (0-based) where the problem was found, when known.
    public let column: Int?
    /// Line (1-based) in a cell of several lines, when known.
    public var line: Int? = nil

    public init(message: String, column: Int?, line: Int? = nil) {
        self.message = message
        self.column = column
        self.line = line
    }

    public var description: String {
        let place = line == nil && column == nil ? nil : Message.lineColumn(line: line, column: column.map { $0 + 1 })
        return Message.syntaxError(place: place?.localized, message: message).localized
    }
}

// MARK: - Tokens

enum Token: Equatable {
    case name(String)
    case integer(Int)
    case float(Double)
    case string(String)
    case symbol(String)  // ( ) [ ] , = + - * / // % . : == != < <= > >=
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
                        throw SyntaxError(message: Message.notANumber(text).localized, column: start)
                    }
                    result.append((.float(value), start))
                } else {
                    guard let value = Int(text) else {
                        throw SyntaxError(
                            message: Message.numberTooLarge(text.prefix(30) + (text.count > 30 ? "…" : "")).localized,
                            column: start)
                    }
                    result.append((.integer(value), start))
                }
            } else if c == "'" || c == "\"", i + 2 < characters.count, characters[i + 1] == c, characters[i + 2] == c {
                // A docstring: everything up to the same three quotes, newlines included.
                let start = i
                i += 3
                var text = String.UnicodeScalarView()
                while i < characters.count
                    && !(characters[i] == c && i + 2 < characters.count && characters[i + 1] == c
                        && characters[i + 2] == c)
                {
                    text.append(characters[i])
                    i += 1
                }
                guard i < characters.count else {
                    throw SyntaxError(message: Message.stringNotClosed("\(c)\(c)\(c)").localized, column: start)
                }
                i += 3
                result.append((.string(String(text)), start))
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
                guard closed else {
                    throw SyntaxError(message: Message.stringNotClosed("\(c)").localized, column: start)
                }
                result.append((.string(String(text)), start))
            } else if i + 1 < characters.count,
                let pair = ["==", "!=", "<=", ">=", "//", "**"].first(where: {
                    $0.unicodeScalars.elementsEqual([c, characters[i + 1]])
                })
            {
                if pair == "**" { throw SyntaxError(message: Message.powerNotSupported.localized, column: i) }
                result.append((.symbol(pair), i))
                i += 2
            } else if "()[],=+-*/.:%{}<>".unicodeScalars.contains(c) {
                if c == "{" || c == "}" {
                    throw SyntaxError(message: Message.dictionariesNotSupported.localized, column: i)
                }
                result.append((.symbol(String(c)), i))
                i += 1
            } else {
                throw SyntaxError(message: Message.unexpectedCharacter(String(Character(c))).localized, column: i)
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
    /// `==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`, `is`, `is not`.
    case comparison(String, Expression, Expression)
    /// `and` or `or`, which evaluate their right side only when needed.
    case logical(String, Expression, Expression)
    case not(Expression)
}

/// `name=value` in a call.
struct KeywordArgument: Equatable {
    let name: String
    let value: Expression
}

/// One statement: the tutorial's lines are assignments, expressions and imports; its functions are
/// `def` blocks, its main part an `if` block.
indirect enum Statement: Equatable {
    case assignment(targets: [String], value: Expression)
    case expression(Expression)
    /// `import numpy as np`, `from keras.layers import Input`: accepted, nothing to do.
    case importStatement
    case pass
    case returnStatement(Expression?)
    case breakStatement
    case continueStatement
    /// `del name`: forgets a variable (a learner's `identity_block` gives way to the built-in again).
    case delete([String])
    case functionDefinition(FunctionDefinition)
    /// `if` / `elif` … with their bodies, then the `else` body (empty when there is none).
    case ifStatement([ConditionalBranch], orElse: [Located])
    case forStatement(targets: [String], iterable: Expression, body: [Located])
}

extension Statement {
    /// An assignment or an expression: a line whose result the prompt shows.
    var isSimple: Bool {
        switch self {
        case .assignment, .expression: return true
        default: return false
        }
    }
}

/// A statement and the line it starts on (1-based, in the text it came from).
struct Located: Equatable {
    let statement: Statement
    let line: Int
}

/// `def name(a, b, c=1):` and its body.
struct FunctionDefinition: Equatable {
    let name: String
    let parameters: [Parameter]
    let body: [Located]
    /// The line of `def`.
    let line: Int

    /// A parameter and its default (evaluated when the `def` runs, as in Python).
    struct Parameter: Equatable {
        let name: String
        let defaultValue: Expression?
    }
}

/// One `if` or `elif` with its body.
struct ConditionalBranch: Equatable {
    let condition: Expression
    let body: [Located]
}

// MARK: - Parser

struct Parser {
    private var tokens: [(Token, Int)]
    private var position = 0
    /// Deepest nesting of brackets, `-` and `not` accepted, so a pathological line cannot exhaust the stack.
    static let maximumDepth = 64
    private var depth = 0
    /// Tallest expression tree accepted: operators, calls, attributes and subscripts one after another
    /// (`1+1+…`, `x.shape.shape…`) nest the tree as deeply as brackets do, and the interpreter follows
    /// the tree by recursion.
    static let maximumHeight = 200

    init(_ source: String) throws(SyntaxError) { tokens = try Lexer.tokens(source) }

    /// Parses one statement (a whole cell holds one, possibly over several lines).
    static func statement(_ source: String) throws(SyntaxError) -> Statement {
        var parser = try Parser(source)
        return try parser.parseStatement()
    }

    private var current: Token { tokens[position].0 }
    private var column: Int { tokens[position].1 }

    private mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    private mutating func expect(_ symbol: String, _ context: Message) throws(SyntaxError) {
        guard current == .symbol(symbol) else {
            throw SyntaxError(
                message: Message.expectedSymbol(symbol, context: context, found: describe(current)).localized,
                column: column)
        }
        advance()
    }

    private func describe(_ token: Token) -> Message {
        switch token {
        case .name(let n): return .token("'\(n)'")
        case .integer(let v): return .token("\(v)")
        case .float(let v): return .token("\(v)")
        case .string: return .aStringToken
        case .symbol(let s): return .token("'\(s)'")
        case .end: return .endOfLine
        }
    }

    /// Python keywords outside what reslab runs, each refused in one line.
    static let refusedKeywords: Set<String> = [
        "class", "while", "with", "try", "except", "finally", "lambda", "global", "nonlocal", "yield", "async",
        "await", "raise", "assert", "match",
    ]

    /// The modules an `import` may name: the tutorial's; the rest are outside what reslab runs.
    static let importableModules: Set<String> = ["__future__", "numpy", "keras", "tensorflow", "tf_keras"]

    static func outside(_ what: Message, column: Int?) -> SyntaxError {
        SyntaxError(message: Message.outsideReslab(what).localized, column: column)
    }

    /// One simple statement: an assignment, an expression, `return`, `pass`, `del`, an import.
    mutating func parseStatement() throws(SyntaxError) -> Statement {
        if case .name(let keyword) = current {
            switch keyword {
            case "import", "from":
                return try parseImport()
            case "pass", "break", "continue":
                advance()
                try expectEnd()
                return keyword == "pass" ? .pass : keyword == "break" ? .breakStatement : .continueStatement
            case "return":
                advance()
                if current == .end { return .returnStatement(nil) }
                let value = try parseExpressionList()
                try expectEnd()
                return .returnStatement(value)
            case "del":
                advance()
                var names = [String]()
                while case .name(let name) = current {
                    names.append(name)
                    advance()
                    if current == .symbol(",") { advance() } else { break }
                }
                guard !names.isEmpty else {
                    throw SyntaxError(message: Message.delTakesNames.localized, column: column)
                }
                try expectEnd()
                return .delete(names)
            case "def", "if", "elif", "else", "for":
                throw SyntaxError(message: Message.opensBlock(keyword).localized, column: column)
            case let word where Self.refusedKeywords.contains(word):
                throw Self.outside(.quoted(word), column: column)
            default:
                break
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
            throw SyntaxError(message: Message.onlyNamesAssigned.localized, column: column)
        }
        try expectEnd()
        return .expression(expression)
    }

    /// `import numpy as np`, `from keras.layers import Input, Dense`: the tutorial's modules only.
    private mutating func parseImport() throws(SyntaxError) -> Statement {
        let start = column
        advance()
        guard case .name(let module) = current else {
            throw SyntaxError(message: Message.expectedModuleName.localized, column: column)
        }
        guard Self.importableModules.contains(module) else {
            throw Self.outside(.importing(module), column: start)
        }
        // The rest of the line names what is imported; reslab has it all built in.
        while current != .end { advance() }
        return .importStatement
    }

    /// A compound statement's first line without its `:` (`def f(a, b=1)`, `if x > 1`, `for b in 'bc'`).
    enum Header: Equatable {
        case function(name: String, parameters: [FunctionDefinition.Parameter])
        case ifBranch(Expression)
        case elifBranch(Expression)
        case elseBranch
        case forLoop(targets: [String], iterable: Expression)
    }

    /// Parses a header, given the text before its `:`.
    static func header(_ source: String) throws(SyntaxError) -> Header {
        var parser = try Parser(source)
        return try parser.parseHeader()
    }

    private mutating func parseHeader() throws(SyntaxError) -> Header {
        guard case .name(let keyword) = current else {
            throw SyntaxError(message: Message.expectedBlockKeyword.localized, column: column)
        }
        let keywordColumn = column
        advance()
        let header: Header
        switch keyword {
        case "def":
            guard case .name(let name) = current else {
                throw SyntaxError(message: Message.expectedFunctionName.localized, column: column)
            }
            advance()
            try expect("(", .afterFunctionName)
            var parameters = [FunctionDefinition.Parameter]()
            while case .name(let parameter) = current {
                advance()
                var defaultValue: Expression?
                if current == .symbol("=") {
                    advance()
                    defaultValue = try parseExpression()
                } else if parameters.last?.defaultValue != nil {
                    throw SyntaxError(
                        message: Message.parameterAfterDefault.localized, column: column)
                }
                guard !parameters.contains(where: { $0.name == parameter }) else {
                    throw SyntaxError(message: Message.parameterTwice(parameter).localized, column: column)
                }
                parameters.append(.init(name: parameter, defaultValue: defaultValue))
                if current == .symbol(",") { advance() } else { break }
            }
            if current == .symbol("*") { throw Self.outside(.starArgs, column: column) }
            try expect(")", .toCloseParameters)
            header = .function(name: name, parameters: parameters)
        case "if": header = .ifBranch(try parseExpression())
        case "elif": header = .elifBranch(try parseExpression())
        case "else": header = .elseBranch
        case "for":
            var targets = [String]()
            while case .name(let name) = current, name != "in" {
                targets.append(name)
                advance()
                if current == .symbol(",") { advance() } else { break }
            }
            guard !targets.isEmpty, current == .name("in") else {
                throw SyntaxError(message: Message.expectedForIn.localized, column: column)
            }
            advance()
            header = .forLoop(targets: targets, iterable: try parseExpressionList())
        default:
            if Self.refusedKeywords.contains(keyword) { throw Self.outside(.quoted(keyword), column: keywordColumn) }
            throw SyntaxError(message: Message.doesNotOpenBlock(keyword).localized, column: keywordColumn)
        }
        try expectEnd()
        return header
    }

    private mutating func expectEnd() throws(SyntaxError) {
        guard current == .end else {
            throw SyntaxError(message: Message.oneStatementPerCell(describe(current)).localized, column: column)
        }
    }

    /// An expression and the height of its tree (a name or a number is 0), so that no tree is built taller
    /// than ``maximumHeight``.
    private struct Parsed {
        let expression: Expression
        let height: Int
    }

    /// A leaf: a name, a number, a string.
    private func leaf(_ expression: Expression) -> Parsed { Parsed(expression: expression, height: 0) }

    /// `expression` over `children`: one level taller than the tallest; refused beyond ``maximumHeight``.
    private func node(_ expression: Expression, _ children: [Parsed]) throws(SyntaxError) -> Parsed {
        let height = (children.map(\.height).max() ?? 0) + 1
        guard height <= Self.maximumHeight else {
            throw SyntaxError(message: Message.expressionTooTall(Self.maximumHeight).localized, column: column)
        }
        return Parsed(expression: expression, height: height)
    }

    /// One level deeper into brackets, `-` or `not`; refused beyond ``maximumDepth``.
    private mutating func enter() throws(SyntaxError) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw SyntaxError(message: Message.nestedTooDeep(Self.maximumDepth).localized, column: column)
        }
    }

    /// `a, b` without brackets is a tuple, as in Python.
    private mutating func parseExpressionList() throws(SyntaxError) -> Expression {
        try parseExpressionListTree().expression
    }

    private mutating func parseExpressionListTree() throws(SyntaxError) -> Parsed {
        let first = try parseExpressionTree()
        guard current == .symbol(",") else { return first }
        var items = [first]
        while current == .symbol(",") {
            advance()
            if current == .end || current == .symbol("=") { break }
            items.append(try parseExpressionTree())
        }
        return try node(.tuple(items.map(\.expression)), items)
    }

    private mutating func parseExpression() throws(SyntaxError) -> Expression { try parseExpressionTree().expression }

    /// `or` binds loosest, then `and`, `not`, comparisons, `+ -`, `* / // %`, unary minus, then
    /// calls, attributes and subscripts: Python's order. Chains of operators are read in a loop, their
    /// trees' heights counted.
    private mutating func parseExpressionTree() throws(SyntaxError) -> Parsed {
        try enter()
        defer { depth -= 1 }
        var left = try parseAnd()
        while current == .name("or") {
            advance()
            let right = try parseAnd()
            left = try node(.logical("or", left.expression, right.expression), [left, right])
        }
        if current == .name("if") {
            throw Self.outside(.conditionalExpression, column: column)
        }
        return left
    }

    private mutating func parseAnd() throws(SyntaxError) -> Parsed {
        var left = try parseNot()
        while current == .name("and") {
            advance()
            let right = try parseNot()
            left = try node(.logical("and", left.expression, right.expression), [left, right])
        }
        return left
    }

    private mutating func parseNot() throws(SyntaxError) -> Parsed {
        guard current == .name("not") else { return try parseComparison() }
        advance()
        try enter()
        defer { depth -= 1 }
        let inner = try parseNot()
        return try node(.not(inner.expression), [inner])
    }

    /// `a < b`, `x in items`, `y is None`; a chain `a < b < c` is refused rather than misread.
    private mutating func parseComparison() throws(SyntaxError) -> Parsed {
        let left = try parseArithmetic()
        guard let op = comparisonOperator() else { return left }
        let right = try parseArithmetic()
        let expression = try node(.comparison(op, left.expression, right.expression), [left, right])
        if comparisonOperator() != nil {
            throw Self.outside(.chainedComparison, column: column)
        }
        return expression
    }

    /// The comparison operator at the current token, consumed; `nil` (nothing consumed) if there is none.
    private mutating func comparisonOperator() -> String? {
        switch current {
        case .symbol(let s) where ["==", "!=", "<", "<=", ">", ">="].contains(s):
            advance()
            return s
        case .name("in"):
            advance()
            return "in"
        case .name("not") where tokens[position + 1].0 == .name("in"):
            advance()
            advance()
            return "not in"
        case .name("is"):
            advance()
            if current == .name("not") {
                advance()
                return "is not"
            }
            return "is"
        default:
            return nil
        }
    }

    private mutating func parseArithmetic() throws(SyntaxError) -> Parsed {
        var left = try parseTerm()
        while case .symbol(let op) = current, op == "+" || op == "-" {
            advance()
            let right = try parseTerm()
            left = try node(.binary(op, left.expression, right.expression), [left, right])
        }
        return left
    }

    private mutating func parseTerm() throws(SyntaxError) -> Parsed {
        var left = try parseUnary()
        while case .symbol(let op) = current, ["*", "/", "//", "%"].contains(op) {
            advance()
            let right = try parseUnary()
            left = try node(.binary(op, left.expression, right.expression), [left, right])
        }
        return left
    }

    /// Signs before an operand, read in a loop: `+` changes nothing, each `-` negates; each counts as a level
    /// of nesting, as in Python's tree.
    private mutating func parseUnary() throws(SyntaxError) -> Parsed {
        var negations = 0
        let entered = depth
        defer { depth = entered }
        while current == .symbol("-") || current == .symbol("+") {
            if current == .symbol("-") { negations += 1 }
            try enter()
            advance()
        }
        var operand = try parsePostfix()
        for _ in 0..<negations { operand = try node(.negative(operand.expression), [operand]) }
        return operand
    }

    private mutating func parsePostfix() throws(SyntaxError) -> Parsed {
        var parsed = try parseAtom()
        while true {
            if current == .symbol("(") {
                advance()
                var arguments = [Parsed]()
                var keywords = [(name: String, value: Parsed)]()
                while current != .symbol(")") {
                    if case .name(let name) = current, tokens[position + 1].0 == .symbol("=") {
                        advance()
                        advance()
                        guard !keywords.contains(where: { $0.name == name }) else {
                            throw SyntaxError(message: Message.keywordTwice(name).localized, column: column)
                        }
                        keywords.append((name, try parseExpressionTree()))
                    } else {
                        guard keywords.isEmpty else {
                            throw SyntaxError(message: Message.positionalAfterKeyword.localized, column: column)
                        }
                        arguments.append(try parseExpressionTree())
                    }
                    if current == .symbol(",") { advance() } else { break }
                }
                try expect(")", .toCloseCall)
                parsed = try node(
                    .call(
                        parsed.expression, arguments: arguments.map(\.expression),
                        keywords: keywords.map { KeywordArgument(name: $0.name, value: $0.value.expression) }),
                    [parsed] + arguments + keywords.map(\.value))
            } else if current == .symbol(".") {
                advance()
                guard case .name(let name) = current else {
                    throw SyntaxError(message: Message.expectedNameAfterDot.localized, column: column)
                }
                advance()
                parsed = try node(.attribute(parsed.expression, name), [parsed])
            } else if current == .symbol("[") {
                advance()
                let index = try parseExpressionTree()
                if current == .symbol(":") {
                    throw SyntaxError(message: Message.slicesNotSupported.localized, column: column)
                }
                try expect("]", .toCloseSubscript)
                parsed = try node(.subscripted(parsed.expression, index.expression), [parsed, index])
            } else {
                return parsed
            }
        }
    }

    private mutating func parseAtom() throws(SyntaxError) -> Parsed {
        let token = current
        switch token {
        case .name(let name):
            if Self.refusedKeywords.contains(name) { throw Self.outside(.quoted(name), column: column) }
            advance()
            return leaf(.name(name))
        case .integer(let value):
            advance()
            return leaf(.integer(value))
        case .float(let value):
            advance()
            return leaf(.float(value))
        case .string(var value):
            advance()
            while case .string(let more) = current {  // 'a' 'b' concatenates, as in Python
                value += more
                advance()
            }
            return leaf(.string(value))
        case .symbol("("):
            advance()
            if current == .symbol(")") {
                advance()
                return leaf(.tuple([]))
            }
            let first = try parseExpressionTree()
            if current == .symbol(")") {
                advance()
                return first
            }
            var items = [first]
            while current == .symbol(",") {
                advance()
                if current == .symbol(")") { break }
                items.append(try parseExpressionTree())
            }
            try expect(")", .toCloseTuple)
            return try node(.tuple(items.map(\.expression)), items)
        case .symbol("["):
            advance()
            var items = [Parsed]()
            while current != .symbol("]") {
                items.append(try parseExpressionTree())
                if current == .name("for") { throw Self.outside(.listComprehension, column: column) }
                if current == .symbol(",") { advance() } else { break }
            }
            try expect("]", .toCloseList)
            return try node(.list(items.map(\.expression)), items)
        default:
            throw SyntaxError(message: Message.unexpected(describe(token)).localized, column: column)
        }
    }
}
