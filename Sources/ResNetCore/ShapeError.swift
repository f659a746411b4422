/// The shape of one example as Keras prints it, without the batch axis: `[55, 55, 64]`
/// is printed `(None, 55, 55, 64)`.
public typealias Shape = [Int]

/// Formats a shape the way Keras prints output shapes: `(None, 55, 55, 64)`.
public func kerasShape(_ shape: Shape) -> String {
    "(" + (["None"] + shape.map(String.init)).joined(separator: ", ") + ")"
}

/// Formats an array shape the way Keras and numpy print it: `(1, 1, 64, 256)`, `(64,)`, `()`.
public func weightShape(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}

/// A layer was applied to a tensor whose shape it cannot take, or a model was put together wrongly.
public enum ShapeError: Error, Equatable, CustomStringConvertible {
    /// The layer needs an input of `expectedRank` axes (batch left out).
    case wrongRank(layer: String, expectedRank: Int, found: Shape)
    /// A window (kernel or pool) does not fit in the (padded) input.
    case windowLargerThanInput(layer: String, window: [Int], input: Shape)
    /// `add` needs all its inputs to have the same shape.
    case addShapesDiffer(layer: String, shapes: [Shape])
    /// An argument is out of range (e.g. zero filters or a negative padding).
    case invalidArgument(layer: String, argument: String, value: String, reason: String)
    /// Tensors from different graphs (different `Input`s sessions) were combined.
    case differentGraphs(layer: String)
    /// A layer got the wrong number of inputs.
    case wrongInputCount(layer: String, expected: String, found: Int)
    /// Two layers of one model share a name; Keras requires unique names.
    case duplicateLayerName(String)
    /// A model's output does not depend on its input.
    case outputNotConnected(output: String, input: String)
    /// The data given to `predict` does not fit the model's input.
    case inputMismatch(expected: Shape, found: [Int])

    public var description: String {
        switch self {
        case .wrongRank(let layer, let rank, let found):
            return "\(layer): expects an input with \(rank + 1) axes (batch included), got \(kerasShape(found))"
        case .windowLargerThanInput(let layer, let window, let input):
            return
                "\(layer): window \(window.map(String.init).joined(separator: "x")) does not fit in input \(kerasShape(input))"
        case .addShapesDiffer(let layer, let shapes):
            return "\(layer): add needs inputs of one shape, got " + shapes.map(kerasShape).joined(separator: " and ")
        case .invalidArgument(let layer, let argument, let value, let reason):
            return "\(layer): \(argument)=\(value) \(reason)"
        case .differentGraphs(let layer):
            return "\(layer): its inputs come from different Input(...) graphs"
        case .wrongInputCount(let layer, let expected, let found):
            return "\(layer): takes \(expected) input(s), got \(found)"
        case .duplicateLayerName(let name):
            return "the model has two layers named '\(name)'; layer names must be unique"
        case .outputNotConnected(let output, let input):
            return "the output '\(output)' is not computed from the input '\(input)'"
        case .inputMismatch(let expected, let found):
            return "the model takes input \(kerasShape(expected)), got an array of shape \(weightShape(found))"
        }
    }
}
