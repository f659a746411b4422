import ResNetCore

/// What went wrong in a cell, said so that the learner can act on it.
public enum NotebookError: Error, CustomStringConvertible {
    case unknownName(String, suggestions: [String])
    case unknownAttribute(String, of: String, suggestions: [String])
    case notCallable(String)
    case wrongArgument(function: String, message: String)
    case typeMismatch(String)
    case unsupported(String)
    /// A lesson in one message: what the rule is, the shapes involved, and what to use instead.
    case teaching(String)
    case noWeights(model: String)
    case unknownCommand(String, suggestions: [String])
    case interrupted
    /// An error inside a learner's function, at a line of it.
    case inFunction(String, line: Int, underlying: any Error)

    public var description: String {
        switch self {
        case .unknownName(let name, let suggestions):
            if kerasWords.contains(name) { return Message.kerasWordUnquoted(name).localized }
            return Message.nameNotDefined(shortened(name)).localized + Message.didYouMean(suggestions).localized
        case .unknownAttribute(let name, let owner, let suggestions):
            return Message.noAttribute(owner: owner, name: shortened(name)).localized
                + Message.didYouMean(suggestions).localized
        case .notCallable(let what):
            return Message.cannotBeCalled(what).localized
        case .wrongArgument(let function, let message):
            return "\(function)(): \(message)"
        case .typeMismatch(let message), .unsupported(let message), .teaching(let message):
            return message
        case .noWeights(let model):
            return Message.noWeights(model: model).localized
        case .unknownCommand(let name, let suggestions):
            return Message.unknownCommand(name, suggestion: suggestions.first).localized
        case .interrupted:
            return Message.interrupted.localized
        case .inFunction(let name, let line, let underlying):
            return Message.inFunction(name, line: line).localized + "\(underlying)"
        }
    }
}

extension Error {
    /// The error a learner's function raised, without the `in f, line n:` wrapping around it.
    var innermost: any Error {
        if case .inFunction(_, _, let underlying)? = self as? NotebookError { return underlying.innermost }
        if let located = self as? StatementError { return located.underlying.innermost }
        return self
    }
}

/// Words Keras takes as strings (`Activation('relu')`, `padding='same'`); typed bare they are undefined names.
private let kerasWords: Set<String> = [
    "relu", "softmax", "linear", "sigmoid", "tanh", "same", "valid", "channels_last",
]

/// A name cut to 40 characters for messages (a pasted megabyte should not come back whole).
private func shortened(_ name: String) -> String { name.count > 40 ? name.prefix(40) + "…" : name }

/// The candidates closest to `name` by edit distance (at most three), for "did you mean".
func closest(to name: String, among candidates: [String]) -> [String] {
    guard name.count <= 64 else { return [] }
    // One or two letters are too short to guess from: `x` is not a typo for `K`.
    if name.count < 3 { return candidates.filter { $0.lowercased() == name.lowercased() && $0 != name } }
    let target = Array(name.lowercased())
    let scored = candidates.map { candidate -> (String, Int) in
        (candidate, editDistance(target, Array(candidate.lowercased())))
    }
    let limit = max(1, target.count / 3)
    return scored.filter { $0.1 <= limit || $0.0.lowercased().hasPrefix(name.lowercased()) && !name.isEmpty }
        .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
        .prefix(3).map(\.0)
}

private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
