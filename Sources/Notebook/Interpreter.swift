import ResNetCore

/// A function the learner wrote with `def`: its definition and its defaults, evaluated when the
/// `def` ran (as Python does).
public final class UserFunction {
    let definition: FunctionDefinition
    let defaults: [String: Value]
    var name: String { definition.name }

    init(definition: FunctionDefinition, defaults: [String: Value]) {
        self.definition = definition
        self.defaults = defaults
    }
}

/// How a statement ended: on to the next, or leaving a function or a loop early.
enum Flow {
    case next
    case returned(Value)
    case breakLoop
    case continueLoop
}

/// An error and the line of the statement that raised it.
struct StatementError: Error, CustomStringConvertible {
    let line: Int
    let underlying: any Error
    var description: String { "\(underlying)" }
}

/// Evaluates parsed cells against the session's variables.
final class Interpreter {
    /// The session's (global) variables.
    var variables: [String: Value] = [:]
    /// The local variables of the user functions being run, innermost last.
    private var frames: [[String: Value]] = []
    /// The built-in names and members, and the Keras state they act on.
    let library = Library()
    /// Calls deeper than this are refused: a function that calls itself forever stops with a message.
    static let maximumCallDepth = 100
    /// Expressions being evaluated, one inside another, across the calls being run.
    private var evaluationDepth = 0
    /// Deepest evaluation accepted: the parser bounds one expression (``Parser/maximumHeight``), this bounds
    /// them all together through the calls of a recursive function, so that the stack cannot run out.
    static let maximumEvaluationDepth = 1000
    /// Deepest list or tuple a literal may make (`x = [x]` in a loop): printing, comparing and freeing a
    /// value walk into it, so its depth is bounded like an expression's.
    static let maximumValueNesting = 200

    /// `value`, a list or tuple just made, if it is nested at most ``maximumValueNesting`` deep.
    private func nestingChecked(_ value: Value) throws -> Value {
        guard value.nestingDepth(limit: Self.maximumValueNesting) <= Self.maximumValueNesting else {
            throw NotebookError.unsupported(Message.valueNestedTooDeep(Self.maximumValueNesting).localized)
        }
        return value
    }

    /// A local variable, else a session variable, else a built-in name.
    func lookup(_ name: String) throws -> Value {
        if let value = frames.last?[name] ?? variables[name] ?? library.globals[name] { return value }
        let known = Array(frames.last?.keys ?? [:].keys) + Array(variables.keys) + Array(library.globals.keys)
        throw NotebookError.unknownName(name, suggestions: closest(to: name, among: known))
    }

    /// Gives `name` a value in the innermost scope: the function's, or the session's.
    private func assign(_ name: String, _ value: Value) {
        if frames.isEmpty { variables[name] = value } else { frames[frames.count - 1][name] = value }
    }

    /// `owner.name`, from the owner's member table.
    func attribute(_ name: String, of owner: Value) throws -> Value {
        let members = library.members(of: owner)
        if let value = try members?.resolve(name) { return value }
        throw NotebookError.unknownAttribute(
            name, of: owner.typeName, suggestions: closest(to: name, among: members?.names ?? []))
    }

    /// Forgets every variable and layer (`%reset`).
    func reset() {
        variables = [:]
        library.graph = LayerGraph()
    }

    /// Runs one simple statement at the top level; returns its value and the names it assigned, so
    /// the prompt can echo what each line made.
    func execute(_ statement: Statement) throws -> (value: Value?, assigned: [String]) {
        switch statement {
        case .expression(let expression):
            return (try evaluate(expression), [])
        case .assignment(let targets, let expression):
            let value = try evaluate(expression)
            try assign(targets, value)
            return (value, targets)
        default:
            try expectNextFlow(try run([Located(statement: statement, line: 1)]))
            return (nil, [])
        }
    }

    /// Runs statements at the top level; `return`, `break` and `continue` cannot leave it.
    func runTopLevel(_ statements: [Located]) throws {
        try expectNextFlow(try run(statements))
    }

    private func expectNextFlow(_ flow: Flow) throws {
        switch flow {
        case .next: return
        case .returned: throw NotebookError.typeMismatch(Message.returnOutsideFunction.localized)
        case .breakLoop, .continueLoop: throw NotebookError.typeMismatch(Message.breakOutsideLoop.localized)
        }
    }

    /// Runs statements in order until one leaves early. Errors carry the line of their statement.
    func run(_ statements: [Located]) throws -> Flow {
        for located in statements {
            let flow: Flow
            do {
                flow = try run(located.statement)
            } catch let error as StatementError {
                throw error
            } catch {
                throw StatementError(line: located.line, underlying: error)
            }
            if case .next = flow { continue }
            return flow
        }
        return .next
    }

    private func run(_ statement: Statement) throws -> Flow {
        switch statement {
        case .expression(let expression):
            _ = try evaluate(expression)
        case .assignment(let targets, let expression):
            try assign(targets, try evaluate(expression))
        case .importStatement, .pass:
            break
        case .returnStatement(let expression):
            guard !frames.isEmpty else { throw NotebookError.typeMismatch(Message.returnOutsideFunction.localized) }
            return .returned(try expression.map(evaluate) ?? .none)
        case .breakStatement:
            return .breakLoop
        case .continueStatement:
            return .continueLoop
        case .delete(let names):
            for name in names { try delete(name) }
        case .functionDefinition(let definition):
            try define(definition)
        case .ifStatement(let branches, let orElse):
            for branch in branches where try evaluate(branch.condition).isTruthy {
                return try run(branch.body)
            }
            return try run(orElse)
        case .forStatement(let targets, let iterable, let body):
            for item in try items(of: try evaluate(iterable)) {
                if library.shouldCancel() { throw NotebookError.interrupted }
                try assign(targets, item)
                switch try run(body) {
                case .next, .continueLoop: continue
                case .breakLoop: return .next
                case .returned(let value): return .returned(value)
                }
            }
        }
        return .next
    }

    /// `x = v`, or `a, b, c = v` unpacking a tuple or list.
    private func assign(_ targets: [String], _ value: Value) throws {
        if targets.count == 1 {
            assign(targets[0], value)
            return
        }
        guard case .tuple(let items) = value.unpackable, items.count == targets.count else {
            throw NotebookError.typeMismatch(
                Message.cannotUnpack(type: value.typeName, count: targets.count).localized)
        }
        for (name, item) in zip(targets, items) { assign(name, item) }
    }

    /// What a `for` loop goes through: a list's or tuple's items, a string's characters.
    private func items(of value: Value) throws -> [Value] {
        switch value {
        case .list(let items), .tuple(let items): return items
        case .string(let text): return text.map { .string(String($0)) }
        default:
            throw NotebookError.typeMismatch(Message.forNeedsSequence(value.typeName).localized)
        }
    }

    /// `def`: the function becomes a variable; replacing a built-in says so, and how to get it back.
    private func define(_ definition: FunctionDefinition) throws {
        var defaults = [String: Value]()
        for parameter in definition.parameters {
            if let expression = parameter.defaultValue { defaults[parameter.name] = try evaluate(expression) }
        }
        assign(definition.name, .userFunction(UserFunction(definition: definition, defaults: defaults)))
        guard frames.isEmpty, library.globals[definition.name] != nil else { return }
        let checkable = ["identity_block", "conv_block", "ResNet50"].contains(definition.name)
        library.printed.append(Message.replacesBuiltIn(definition.name, checkable: checkable).localized)
    }

    /// `del name`: a learner's function that hid a built-in gives way to it again.
    private func delete(_ name: String) throws {
        if frames.isEmpty {
            guard variables.removeValue(forKey: name) != nil else {
                throw NotebookError.unknownName(name, suggestions: [])
            }
            if library.globals[name] != nil { library.printed.append(Message.builtInAgain(name).localized) }
        } else {
            guard frames[frames.count - 1].removeValue(forKey: name) != nil else {
                throw NotebookError.unknownName(name, suggestions: [])
            }
        }
    }

    /// Calls a learner's function as `%check` does, in `graph`, with the arguments of `call` (and an
    /// `Input` of its shape first); what it printed is not shown, and its errors come unwrapped.
    func build(_ function: UserFunction, _ call: BlockCall, in graph: LayerGraph) throws -> BuiltNetwork {
        let (savedGraph, savedPrinted) = (library.graph, library.printed)
        library.graph = graph
        defer { (library.graph, library.printed) = (savedGraph, savedPrinted) }
        var positional = call.positional.map(\.value)
        var input: KerasTensor?
        if let shape = call.inputShape {
            input = try Input(shape: shape, in: graph)
            positional.insert(.tensor(input!), at: 0)
        }
        let result: Value
        do {
            result = try self.call(function, positional, call.keywords.map { ($0.name, $0.value.value) })
        } catch {
            throw error.innermost
        }
        switch result {
        case .tensor(let output) where input != nil: return .tensors(input: input!, output: output)
        case .model(let handle): return .model(handle.model)
        default:
            throw NotebookError.typeMismatch(
                Message.returnedWrongType(function: function.name, type: result.typeName, wantsModel: input == nil)
                    .localized)
        }
    }

    /// Calls a learner's function: its arguments bound as Python binds them, its body in a scope of its own.
    func call(_ function: UserFunction, _ positional: [Value], _ keywords: [(String, Value)]) throws -> Value {
        guard frames.count < Self.maximumCallDepth else {
            throw NotebookError.typeMismatch(
                Message.tooDeep(function: function.name, depth: Self.maximumCallDepth).localized)
        }
        let parameters = function.definition.parameters.map(\.name)
        let required = function.definition.parameters.prefix { $0.defaultValue == nil }.count
        var arguments = try bind(
            name: function.name, parameters: parameters, required: required, positional, keywords
        ).values
        for (name, value) in function.defaults where arguments[name] == nil { arguments[name] = value }
        frames.append(arguments)
        defer { frames.removeLast() }
        do {
            switch try run(function.definition.body) {
            case .returned(let value): return value
            case .next: return .none
            case .breakLoop, .continueLoop: throw NotebookError.typeMismatch(Message.breakOutsideLoop.localized)
            }
        } catch let error as StatementError {
            // A function that calls itself says where once, not once a call.
            if case NotebookError.inFunction(function.name, _, _) = error.underlying { throw error.underlying }
            throw NotebookError.inFunction(function.name, line: error.line, underlying: error.underlying)
        }
    }

    func evaluate(_ expression: Expression) throws -> Value {
        evaluationDepth += 1
        defer { evaluationDepth -= 1 }
        guard evaluationDepth <= Self.maximumEvaluationDepth else {
            throw NotebookError.unsupported(Message.evaluationTooDeep(Self.maximumEvaluationDepth).localized)
        }
        return try evaluateNode(expression)
    }

    private func evaluateNode(_ expression: Expression) throws -> Value {
        switch expression {
        case .name(let name): return try lookup(name)
        case .integer(let i): return .integer(i)
        case .float(let f): return .float(f)
        case .string(let s): return .string(s)
        case .tuple(let items): return try nestingChecked(.tuple(try items.map(evaluate)))
        case .list(let items): return try nestingChecked(.list(try items.map(evaluate)))
        case .negative(let inner):
            switch try evaluate(inner) {
            case .integer(let i): return .integer(0 &- i)
            case .float(let f): return .float(-f)
            case let other: throw NotebookError.typeMismatch(Message.cannotNegate(other.typeName).localized)
            }
        case .binary(let op, let left, let right):
            return try binary(op, try evaluate(left), try evaluate(right))
        case .comparison(let op, let left, let right):
            return .bool(try compare(op, try evaluate(left), try evaluate(right)))
        case .logical(let op, let left, let right):
            // Python's `and`/`or` give one of their operands, and skip the right one when they can.
            let first = try evaluate(left)
            return first.isTruthy == (op == "or") ? first : try evaluate(right)
        case .not(let inner):
            return .bool(!(try evaluate(inner)).isTruthy)
        case .attribute(let owner, let name):
            return try attribute(name, of: try evaluate(owner))
        case .subscripted(let owner, let index):
            return try subscripted(try evaluate(owner), try evaluate(index))
        case .call(let callee, let arguments, let keywords):
            let function = try evaluate(callee)
            let positional = try arguments.map(evaluate)
            let named = try keywords.map { ($0.name, try evaluate($0.value)) }
            return try call(function, positional, named)
        }
    }

    /// Python's comparisons: numbers with numbers, strings with strings, `==` on anything, `in` on
    /// lists, tuples and strings, `is` on `None` and the same object.
    private func compare(_ op: String, _ a: Value, _ b: Value) throws -> Bool {
        switch op {
        case "==": return a.equals(b)
        case "!=": return !a.equals(b)
        case "is": return a.isIdentical(to: b)
        case "is not": return !a.isIdentical(to: b)
        case "in", "not in":
            let found: Bool
            switch (a, b) {
            case (.string(let part), .string(let whole)): found = whole.contains(part)
            case (_, .list(let items)), (_, .tuple(let items)): found = items.contains { a.equals($0) }
            default: throw NotebookError.typeMismatch(Message.inNeedsSequence(b.typeName).localized)
            }
            return op == "in" ? found : !found
        default:
            let order: Bool
            switch (a, b) {
            case (.string(let x), .string(let y)):
                order = op == "<" ? x < y : op == "<=" ? x <= y : op == ">" ? x > y : x >= y
            default:
                guard let x = a.asNumber, let y = b.asNumber else {
                    throw NotebookError.typeMismatch(
                        Message.cannotCompare(op: op, left: a.typeName, right: b.typeName).localized)
                }
                order = op == "<" ? x < y : op == "<=" ? x <= y : op == ">" ? x > y : x >= y
            }
            return order
        }
    }

    private func binary(_ op: String, _ a: Value, _ b: Value) throws -> Value {
        if ["/", "//", "%"].contains(op), a.asDouble != nil, b.asDouble == 0 {
            throw NotebookError.typeMismatch(Message.divisionByZero.localized)
        }
        switch (op, a, b) {
        case ("+", .string(let x), .string(let y)): return .string(x + y)
        case ("+", .list(let x), .list(let y)): return .list(x + y)
        case ("+", .tuple(let x), .tuple(let y)): return .tuple(x + y)
        case (_, .integer(let x), .integer(let y)):
            switch op {
            case "+":
                let (r, o) = x.addingReportingOverflow(y)
                if !o { return .integer(r) }
            case "-":
                let (r, o) = x.subtractingReportingOverflow(y)
                if !o { return .integer(r) }
            case "*":
                let (r, o) = x.multipliedReportingOverflow(by: y)
                if !o { return .integer(r) }
            case "/": return .float(Double(x) / Double(y))
            // Python rounds // down and gives % the sign of the divisor.
            case "//" where !(x == .min && y == -1):
                let quotient = x / y
                return .integer(quotient - ((x % y != 0 && (x < 0) != (y < 0)) ? 1 : 0))
            case "%" where !(x == .min && y == -1):
                let remainder = x % y
                return .integer(remainder != 0 && (remainder < 0) != (y < 0) ? remainder + y : remainder)
            default: break
            }
            throw NotebookError.typeMismatch(Message.integerOverflow("\(x) \(op) \(y)").localized)
        case (_, .integer, .float), (_, .float, .integer), (_, .float, .float):
            let x = a.asDouble!
            let y = b.asDouble!
            switch op {
            case "+": return .float(x + y)
            case "-": return .float(x - y)
            case "*": return .float(x * y)
            case "//": return .float((x / y).rounded(.down))
            case "%": return .float(x - y * (x / y).rounded(.down))
            default: return .float(x / y)
            }
        case ("+", .string, _), ("+", _, .string):
            throw NotebookError.typeMismatch(
                Message.cannotAddTextAndNumber(left: a.typeName, right: b.typeName).localized)
        case ("+", .tensor, .tensor):
            throw NotebookError.teaching(
                Message.addTensorsWithAdd.localized)
        default:
            throw NotebookError.typeMismatch(
                Message.unsupportedOperation("\(a.typeName) \(op) \(b.typeName)").localized)
        }
    }

    private func subscripted(_ owner: Value, _ index: Value) throws -> Value {
        guard case .integer(let i) = index else {
            throw NotebookError.typeMismatch(Message.indicesMustBeIntegers.localized)
        }
        switch owner {
        case .tuple(let items), .list(let items):
            let position = i < 0 ? items.count + i : i
            guard items.indices.contains(position) else {
                throw NotebookError.typeMismatch(Message.indexOutOfRange(i, length: items.count).localized)
            }
            return items[position]
        case .string(let s):
            let characters = Array(s)
            let position = i < 0 ? characters.count + i : i
            guard characters.indices.contains(position) else {
                throw NotebookError.typeMismatch(Message.indexOutOfRange(i, length: nil).localized)
            }
            return .string(String(characters[position]))
        case .predictions(let batches, _):
            let position = i < 0 ? batches.count + i : i
            guard batches.indices.contains(position) else {
                throw NotebookError.typeMismatch(Message.indexOutOfRange(i, length: nil).localized)
            }
            return .list(
                batches[position].map {
                    .tuple([
                        .string($0.imageNetClass.wnid), .string($0.imageNetClass.label), .float(Double($0.probability)),
                    ])
                })
        case .array(let tensor, let random, let preprocessed):
            guard tensor.shape.count > 1, (0..<tensor.shape[0]).contains(i < 0 ? tensor.shape[0] + i : i) else {
                throw NotebookError.typeMismatch(
                    Message.indexOutOfRangeForShape(i, shape: weightShape(tensor.shape)).localized)
            }
            let row = i < 0 ? tensor.shape[0] + i : i
            let size = tensor.count / tensor.shape[0]
            return .array(
                Tensor(
                    shape: Array(tensor.shape.dropFirst()), data: Array(tensor.data[(row * size)..<((row + 1) * size)])),
                randomWeights: random, preprocessed: preprocessed)
        default:
            throw NotebookError.typeMismatch(Message.cannotBeIndexed(owner.typeName).localized)
        }
    }

    func call(_ function: Value, _ positional: [Value], _ keywords: [(String, Value)]) throws -> Value {
        switch function {
        case .function(let builtin):
            return try builtin.body(
                bind(
                    name: builtin.name, parameters: builtin.parameters, required: builtin.required, positional,
                    keywords))
        case .userFunction(let function):
            return try call(function, positional, keywords)
        case .layer(let layer):
            guard keywords.isEmpty, positional.count == 1 else {
                throw NotebookError.wrongArgument(
                    function: type(of: layer).kerasClassName, message: Message.layerTakesOneTensor.localized)
            }
            if case .list(let items) = positional[0], layer is Add {
                return .tensor(
                    try library.graph.apply(
                        layer, to: try items.map { try Convert.tensor($0, function: "Add", parameter: "inputs") }))
            }
            let input = try Convert.tensor(positional[0], function: type(of: layer).kerasClassName, parameter: "input")
            return .tensor(try input.graph.apply(layer, to: [input]))
        case .model:
            throw NotebookError.notCallable(Message.modelNotCallable.localized)
        default:
            switch function {
            case .integer, .float, .string, .tuple, .list:
                // `Conv2D(64 (1, 1))`: a value followed by brackets is a call in Python.
                throw NotebookError.teaching(
                    Message.missingComma(
                        value: String(function.representation.prefix(40)),
                        article: function.typeName == "int" ? "an" : "a", type: function.typeName
                    ).localized)
            default:
                throw NotebookError.notCallable("\(function.typeName) \(function.representation.prefix(40))")
            }
        }
    }

    /// Binds a call's arguments to parameter names, as Python does; a trailing `*name` takes the rest.
    func bind(
        name function: String, parameters: [String], required: Int, _ positional: [Value],
        _ keywords: [(String, Value)]
    ) throws -> Arguments {
        var values = [String: Value]()
        var rest = [Value]()
        let variadic = parameters.last?.hasPrefix("*") == true
        let named = variadic ? Array(parameters.dropLast()) : parameters
        for (index, value) in positional.enumerated() {
            if index < named.count {
                values[named[index]] = value
            } else if variadic {
                rest.append(value)
            } else {
                throw NotebookError.wrongArgument(
                    function: function,
                    message: Message.tooManyPositional(
                        count: named.count, names: named.joined(separator: ", "), got: positional.count
                    ).localized)
            }
        }
        for (name, value) in keywords {
            guard named.contains(name) else {
                let hint = closest(to: name, among: named)
                throw NotebookError.wrongArgument(
                    function: function,
                    message: Message.unexpectedKeyword(
                        name, suggestion: hint.first, parameters: named.joined(separator: ", ")
                    ).localized)
            }
            guard values[name] == nil else {
                throw NotebookError.wrongArgument(function: function, message: Message.twoValues(name).localized)
            }
            values[name] = value
        }
        for name in named.prefix(required) where values[name] == nil {
            throw NotebookError.wrongArgument(function: function, message: Message.missingArgument(name).localized)
        }
        return Arguments(function: function, values: values, rest: rest)
    }
}

extension Value {
    /// Python's truth: `None`, `False`, zero, empty strings and collections are false.
    var isTruthy: Bool {
        switch self {
        case .none: return false
        case .bool(let b): return b
        case .integer(let i): return i != 0
        case .float(let f): return f != 0
        case .string(let s): return !s.isEmpty
        case .tuple(let items), .list(let items): return !items.isEmpty
        default: return true
        }
    }

    /// A number, with `True` and `False` as 1 and 0 (Python's bool is an int).
    var asNumber: Double? {
        if case .bool(let b) = self { return b ? 1 : 0 }
        return asDouble
    }

    /// Python's `==`: numbers by value, strings and collections by content, Keras objects by identity.
    func equals(_ other: Value) -> Bool {
        switch (self, other) {
        case (.none, .none): return true
        case (.string(let a), .string(let b)): return a == b
        case (.tuple(let a), .tuple(let b)), (.list(let a), .list(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.equals($1) }
        default:
            if let a = asNumber, let b = other.asNumber { return a == b }
            return isIdentical(to: other)
        }
    }

    /// Python's `is`: the same object (`None` is `None`; equal small values count as the same).
    func isIdentical(to other: Value) -> Bool {
        switch (self, other) {
        case (.none, .none): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.tensor(let a), .tensor(let b)): return a.graph === b.graph && a.node == b.node
        case (.model(let a), .model(let b)): return a === b
        case (.userFunction(let a), .userFunction(let b)): return a === b
        case (.module(let a), .module(let b)): return a == b
        default: return false
        }
    }

    var asDouble: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .float(let f): return f
        default: return nil
        }
    }
    /// Lists unpack like tuples.
    var unpackable: Value {
        if case .list(let items) = self { return .tuple(items) }
        return self
    }
}
