import ResNetCore

/// Evaluates parsed cells against the session's variables.
final class Interpreter {
    var variables: [String: Value] = [:]
    /// The built-in names and members, and the Keras state they act on.
    let library = Library()

    /// A variable, else a built-in name.
    func lookup(_ name: String) throws -> Value {
        if let value = variables[name] ?? library.globals[name] { return value }
        throw NotebookError.unknownName(
            name, suggestions: closest(to: name, among: Array(variables.keys) + Array(library.globals.keys)))
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

    func execute(_ statement: Statement) throws -> (value: Value?, assigned: [String]) {
        switch statement {
        case .importStatement:
            return (nil, [])
        case .expression(let expression):
            return (try evaluate(expression), [])
        case .assignment(let targets, let expression):
            let value = try evaluate(expression)
            if targets.count == 1 {
                variables[targets[0]] = value
            } else {
                guard case .tuple(let items) = value.unpackable, items.count == targets.count else {
                    throw NotebookError.typeMismatch("cannot unpack \(value.typeName) into \(targets.count) names")
                }
                for (name, item) in zip(targets, items) { variables[name] = item }
            }
            return (value, targets)
        }
    }

    func evaluate(_ expression: Expression) throws -> Value {
        switch expression {
        case .name(let name): return try lookup(name)
        case .integer(let i): return .integer(i)
        case .float(let f): return .float(f)
        case .string(let s): return .string(s)
        case .tuple(let items): return .tuple(try items.map(evaluate))
        case .list(let items): return .list(try items.map(evaluate))
        case .negative(let inner):
            switch try evaluate(inner) {
            case .integer(let i): return .integer(0 &- i)
            case .float(let f): return .float(-f)
            case let other: throw NotebookError.typeMismatch("cannot negate \(other.typeName)")
            }
        case .binary(let op, let left, let right):
            return try binary(op, try evaluate(left), try evaluate(right))
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

    private func binary(_ op: String, _ a: Value, _ b: Value) throws -> Value {
        if op == "/", a.asDouble != nil, b.asDouble == 0 { throw NotebookError.typeMismatch("division by zero") }
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
            default: break
            }
            throw NotebookError.typeMismatch("integer overflow in \(x) \(op) \(y)")
        case (_, .integer, .float), (_, .float, .integer), (_, .float, .float):
            let x = a.asDouble!
            let y = b.asDouble!
            switch op {
            case "+": return .float(x + y)
            case "-": return .float(x - y)
            case "*": return .float(x * y)
            default: return .float(x / y)
            }
        case ("+", .string, _), ("+", _, .string):
            throw NotebookError.typeMismatch(
                "cannot add \(a.typeName) and \(b.typeName): turn the number into text first, e.g. 'res' + str(stage)")
        case ("+", .tensor, .tensor):
            throw NotebookError.teaching(
                "tensors are added with layers.add([a, b]), as the tutorial does at the end of each block")
        default:
            throw NotebookError.typeMismatch("unsupported operation: \(a.typeName) \(op) \(b.typeName)")
        }
    }

    private func subscripted(_ owner: Value, _ index: Value) throws -> Value {
        guard case .integer(let i) = index else { throw NotebookError.typeMismatch("indices must be integers") }
        switch owner {
        case .tuple(let items), .list(let items):
            let position = i < 0 ? items.count + i : i
            guard items.indices.contains(position) else {
                throw NotebookError.typeMismatch("index \(i) out of range (length \(items.count))")
            }
            return items[position]
        case .string(let s):
            let characters = Array(s)
            let position = i < 0 ? characters.count + i : i
            guard characters.indices.contains(position) else {
                throw NotebookError.typeMismatch("index \(i) out of range")
            }
            return .string(String(characters[position]))
        case .predictions(let batches, _):
            let position = i < 0 ? batches.count + i : i
            guard batches.indices.contains(position) else {
                throw NotebookError.typeMismatch("index \(i) out of range")
            }
            return .list(
                batches[position].map {
                    .tuple([
                        .string($0.imageNetClass.wnid), .string($0.imageNetClass.label), .float(Double($0.probability)),
                    ])
                })
        case .array(let tensor, let random):
            guard tensor.shape.count > 1, (0..<tensor.shape[0]).contains(i < 0 ? tensor.shape[0] + i : i) else {
                throw NotebookError.typeMismatch("index \(i) out of range for shape \(weightShape(tensor.shape))")
            }
            let row = i < 0 ? tensor.shape[0] + i : i
            let size = tensor.count / tensor.shape[0]
            return .array(
                Tensor(
                    shape: Array(tensor.shape.dropFirst()), data: Array(tensor.data[(row * size)..<((row + 1) * size)])),
                randomWeights: random)
        default:
            throw NotebookError.typeMismatch("\(owner.typeName) cannot be indexed")
        }
    }

    func call(_ function: Value, _ positional: [Value], _ keywords: [(String, Value)]) throws -> Value {
        switch function {
        case .function(let builtin):
            return try builtin.body(bind(builtin, positional, keywords))
        case .layer(let layer):
            guard keywords.isEmpty, positional.count == 1 else {
                throw NotebookError.wrongArgument(
                    function: type(of: layer).kerasClassName, message: "a layer is called on one tensor: layer(x)")
            }
            if case .list(let items) = positional[0], layer is Add {
                return .tensor(
                    try library.graph.apply(
                        layer, to: try items.map { try Convert.tensor($0, function: "Add", parameter: "inputs") }))
            }
            let input = try Convert.tensor(positional[0], function: type(of: layer).kerasClassName, parameter: "input")
            return .tensor(try input.graph.apply(layer, to: [input]))
        case .model:
            throw NotebookError.notCallable("a Model (use model.predict(x) to run it on data)")
        default:
            throw NotebookError.notCallable("\(function.typeName) \(function.representation.prefix(40))")
        }
    }

    func bind(_ builtin: Builtin, _ positional: [Value], _ keywords: [(String, Value)]) throws -> Arguments {
        var values = [String: Value]()
        var rest = [Value]()
        let variadic = builtin.parameters.last?.hasPrefix("*") == true
        let named = variadic ? Array(builtin.parameters.dropLast()) : builtin.parameters
        for (index, value) in positional.enumerated() {
            if index < named.count {
                values[named[index]] = value
            } else if variadic {
                rest.append(value)
            } else {
                throw NotebookError.wrongArgument(
                    function: builtin.name,
                    message:
                        "takes at most \(named.count) positional argument\(named.count == 1 ? "" : "s") (\(named.joined(separator: ", "))), got \(positional.count)"
                )
            }
        }
        for (name, value) in keywords {
            guard named.contains(name) else {
                let hint = closest(to: name, among: named)
                throw NotebookError.wrongArgument(
                    function: builtin.name,
                    message: "unexpected keyword argument '\(name)'"
                        + (hint.isEmpty ? "" : " (did you mean \(hint[0])?)")
                        + "; its parameters are " + named.joined(separator: ", "))
            }
            guard values[name] == nil else {
                throw NotebookError.wrongArgument(function: builtin.name, message: "got two values for '\(name)'")
            }
            values[name] = value
        }
        for name in named.prefix(builtin.required) where values[name] == nil {
            throw NotebookError.wrongArgument(function: builtin.name, message: "missing argument '\(name)'")
        }
        return Arguments(function: builtin.name, values: values, rest: rest)
    }
}

extension Value {
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
