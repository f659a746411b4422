import ResNetCore

/// A function the prompt knows: Keras's layers and helpers, `print`, `str`, …
public struct Builtin {
    public let name: String
    /// Parameter names in order; a trailing `*` name takes the remaining positional arguments.
    let parameters: [String]
    let required: Int
    let body: (Arguments) throws -> Value
}

/// A call's arguments bound to parameter names.
struct Arguments {
    let function: String
    var values: [String: Value]
    let rest: [Value]

    func value(_ name: String) throws -> Value {
        guard let value = values[name] else {
            throw NotebookError.wrongArgument(function: function, message: Message.missingArgument(name).localized)
        }
        return value
    }
    func optional(_ name: String) -> Value? {
        if let value = values[name], case .none = value { return nil }
        return values[name]
    }
    func int(_ name: String) throws -> Int { try Convert.int(try value(name), function: function, parameter: name) }
    func string(_ name: String) throws -> String {
        try Convert.string(try value(name), function: function, parameter: name)
    }
    func pair(_ name: String) throws -> (Int, Int) {
        try Convert.pair(try value(name), function: function, parameter: name)
    }
    func optionalString(_ name: String) throws -> String? {
        try optional(name).map { try Convert.string($0, function: function, parameter: name) }
    }
    func tensor(_ name: String) throws -> KerasTensor {
        try Convert.tensor(try value(name), function: function, parameter: name)
    }
    func ints(_ name: String) throws -> [Int] { try Convert.ints(try value(name), function: function, parameter: name) }

    // MARK: Optional arguments, with the default Keras gives them

    func int(_ name: String, default fallback: Int) throws -> Int {
        try optional(name).map { try Convert.int($0, function: function, parameter: name) } ?? fallback
    }
    func ints(_ name: String, default fallback: [Int]) throws -> [Int] {
        try optional(name).map { try Convert.ints($0, function: function, parameter: name) } ?? fallback
    }
    func pair(_ name: String, default fallback: (Int, Int)) throws -> (Int, Int) {
        try optionalPair(name) ?? fallback
    }
    func optionalPair(_ name: String) throws -> (Int, Int)? {
        try optional(name).map { try Convert.pair($0, function: function, parameter: name) }
    }
    func bool(_ name: String, default fallback: Bool) throws -> Bool {
        switch optional(name) {
        case nil: return fallback
        case .bool(let b)?: return b
        case let other?: throw Convert.wrong(other, .trueOrFalse, function, name)
        }
    }
    /// A number greater than zero (`epsilon`).
    func positive(_ name: String, default fallback: Double) throws -> Double {
        guard let value = optional(name) else { return fallback }
        guard let number = value.asDouble, number > 0 else {
            throw Convert.wrong(value, .aPositiveNumber, function, name)
        }
        return number
    }
    /// `activation='relu'`; none is Keras's `linear`.
    func activation() throws -> ActivationFunction {
        try Convert.activation(optional("activation"), function: function)
    }
    /// `padding='same'`; none is Keras's `valid`.
    func padding() throws -> Padding { try Convert.padding(optional("padding"), function: function) }
    /// An array argument; otherwise the function "takes `expected`".
    func array(_ name: String, expected: Message) throws -> (Tensor, randomWeights: Bool) {
        guard case .array(let tensor, let random, _) = try value(name) else { throw wrong(.takes(expected)) }
        return (tensor, random)
    }

    /// An error about this call: `np.expand_dims(): axis 5 is out of range…`.
    func wrong(_ message: Message) -> NotebookError {
        .wrongArgument(function: function, message: message.localized)
    }

    /// No arguments (an attribute's read).
    static var none: Arguments { Arguments(function: "", values: [:], rest: []) }
}

/// Turning prompt values into the Swift types the engine takes, with errors that name the parameter.
enum Convert {
    static func wrong(_ value: Value, _ expected: Message, _ function: String, _ parameter: String) -> NotebookError {
        .wrongArgument(
            function: function,
            message: Message.mustBe(
                parameter: parameter, expected: expected,
                got: "\(value.typeName) \(value.representation.prefix(60))"
            ).localized)
    }
    static func int(_ value: Value, function: String, parameter: String) throws -> Int {
        if case .integer(let i) = value { return i }
        throw wrong(value, .anInteger, function, parameter)
    }
    static func string(_ value: Value, function: String, parameter: String) throws -> String {
        if case .string(let s) = value { return s }
        throw wrong(value, .aString, function, parameter)
    }
    static func ints(_ value: Value, function: String, parameter: String) throws -> [Int] {
        switch value {
        case .tuple(let items), .list(let items):
            return try items.map { try int($0, function: function, parameter: parameter) }
        default: throw wrong(value, .aListOfIntegers, function, parameter)
        }
    }
    /// `3` or `(3, 3)` or `[3, 3]`.
    static func pair(_ value: Value, function: String, parameter: String) throws -> (Int, Int) {
        if case .integer(let i) = value { return (i, i) }
        let items = try ints(value, function: function, parameter: parameter)
        guard items.count == 2 else { throw wrong(value, .anIntegerOrAPair, function, parameter) }
        return (items[0], items[1])
    }
    static func tensor(_ value: Value, function: String, parameter: String) throws -> KerasTensor {
        if case .tensor(let t) = value { return t }
        throw wrong(value, .aTensor, function, parameter)
    }
    static func activation(_ value: Value?, function: String) throws -> ActivationFunction {
        guard let value else { return .linear }
        let name = try string(value, function: function, parameter: "activation")
        guard let activation = ActivationFunction(rawValue: name) else {
            throw NotebookError.wrongArgument(
                function: function, message: Message.activationNotSupported(name).localized)
        }
        return activation
    }
    static func padding(_ value: Value?, function: String) throws -> Padding {
        guard let value else { return .valid }
        let name = try string(value, function: function, parameter: "padding")
        guard let padding = Padding(rawValue: name) else {
            throw NotebookError.wrongArgument(
                function: function, message: Message.paddingMustBe(name).localized)
        }
        return padding
    }
}
