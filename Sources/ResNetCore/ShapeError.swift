import Platform

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
    case invalidArgument(layer: String, argument: String, value: String, reason: ArgumentProblem)
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
    /// A tensor would hold more than `SizeLimits.maxElements` values (or its size overflows); `axes` are
    /// its sizes as written, e.g. `8 + 9223372036854775807 + 1` for a padded axis.
    case tooManyValues(layer: String, role: TensorRole, axes: [String])
    /// A count (parameters or multiply-adds) is beyond what a 64-bit integer holds.
    case countOverflow(layer: String, count: CountKind)
    /// An operation would need more memory than reslab's budget (`bytes` nil: too many to count).
    case overMemoryBudget(use: MemoryUse, bytes: Int?, limit: Int)

    public var description: String { Language.current.pick(text) }

    /// The error in English and in Chinese.
    public var text: Bilingual {
        switch self {
        case .wrongRank(let layer, let rank, let found):
            return Bilingual(
                "\(layer): expects an input with \(rank + 1) axes (batch included), got \(kerasShape(found))",
                "\(layer)：输入要有 \(rank + 1) 个轴（含批次轴），收到的是 \(kerasShape(found))"
            )
        case .windowLargerThanInput(let layer, let window, let input):
            let size = window.map(String.init).joined(separator: "x")
            return Bilingual(
                "\(layer): window \(size) does not fit in input \(kerasShape(input))",
                "\(layer)：\(size) 的窗口放不进输入 \(kerasShape(input))"
            )
        case .addShapesDiffer(let layer, let shapes):
            return Bilingual(
                "\(layer): add needs inputs of one shape, got " + shapes.map(kerasShape).joined(separator: " and "),
                "\(layer)：add 的输入必须形状相同，收到的是 " + shapes.map(kerasShape).joined(separator: " 和 ")
            )
        case .invalidArgument(let layer, let argument, let value, let reason):
            let why = reason.text
            return Bilingual("\(layer): \(argument)=\(value) \(why.en)", "\(layer)：\(argument)=\(value) \(why.zh)")
        case .differentGraphs(let layer):
            return Bilingual(
                "\(layer): its inputs come from different Input(...) graphs",
                "\(layer)：它的输入来自不同的 Input(...) 图"
            )
        case .wrongInputCount(let layer, let expected, let found):
            return Bilingual(
                "\(layer): takes \(expected) input(s), got \(found)", "\(layer)：要 \(expected) 个输入，收到 \(found) 个")
        case .duplicateLayerName(let name):
            return Bilingual(
                "the model has two layers named '\(name)'; layer names must be unique",
                "模型里有两层都叫 '\(name)'；层名必须各不相同"
            )
        case .outputNotConnected(let output, let input):
            return Bilingual(
                "the output '\(output)' is not computed from the input '\(input)'",
                "输出 '\(output)' 不是从输入 '\(input)' 算出来的"
            )
        case .inputMismatch(let expected, let found):
            return Bilingual(
                "the model takes input \(kerasShape(expected)), got an array of shape \(weightShape(found))",
                "模型的输入是 \(kerasShape(expected))，收到的数组形状是 \(weightShape(found))"
            )
        case .tooManyValues(let layer, let role, let axes):
            let limit = SizeLimits.maxElements.formatted(thousandsSeparator: ",")
            let shape: Bilingual
            switch role {
            case .output:
                let text = "(" + (["None"] + axes).joined(separator: ", ") + ")"
                shape = Bilingual("its output " + text, "输出 " + text)
            case .weight(let name):
                let text = axes.count == 1 ? "(\(axes[0]),)" : "(" + axes.joined(separator: ", ") + ")"
                shape = Bilingual("its \(name) " + text, "权重 \(name) " + text)
            }
            return Bilingual(
                "\(layer): \(shape.en) would hold more than \(limit) values, the most reslab allows in one tensor",
                "\(layer)：\(shape.zh) 的数值会超过 \(limit) 个，这是 reslab 单个张量的上限")
        case .countOverflow(let layer, let count):
            let what = count.text
            return Bilingual(
                "\(layer): its \(what.en) are too many to count in a 64-bit integer",
                "\(layer)：\(what.zh)多到 64 位整数都数不下")
        case .overMemoryBudget(let use, let bytes, let limit):
            let need = bytes.map(byteCount) ?? "more than \(byteCount(Int.max))"
            let needZh = bytes.map(byteCount) ?? "超过 \(byteCount(Int.max))"
            let budget = byteCount(limit)
            let change = MemoryBudget.environmentVariable
            switch use {
            case .weights(let model, let parameters):
                let count = parameters.formatted(thousandsSeparator: ",")
                return Bilingual(
                    "the weights of \(model) (\(count) parameters) would need \(need); reslab's limit is \(budget) "
                        + "(\(change) sets it)",
                    "\(model) 的权重（\(count) 个参数）需要 \(needZh) 内存；reslab 的上限是 \(budget)（用 \(change) 设置）")
            case .activations(let operation, let batch, let layer, let shape):
                return Bilingual(
                    "\(operation) on a batch of \(batch) would need \(need), its largest activation \(layer) "
                        + "\(kerasShape(shape)); reslab's limit is \(budget) (\(change) sets it)",
                    "对 \(batch) 个样本做 \(operation) 需要 \(needZh) 内存，最大的激活是 \(layer) \(kerasShape(shape))；"
                        + "reslab 的上限是 \(budget)（用 \(change) 设置）")
            }
        }
    }
}

/// A count that can grow past 64 bits.
public enum CountKind: Equatable, Sendable {
    case parameters
    case multiplyAdds

    /// Its name, in English and in Chinese.
    public var text: Bilingual {
        switch self {
        case .parameters: Bilingual("parameters", "参数")
        case .multiplyAdds: Bilingual("multiply-adds", "乘加次数")
        }
    }
}

/// What is wrong with an argument's value.
public enum ArgumentProblem: Equatable, Sendable {
    /// A size or count that must be above zero.
    case notPositive
    /// One side of a padding (`top`, `bottom`, `left` or `right`) is below zero.
    case negativePadding(side: String)
    /// A block's `filters` is not a list of three numbers.
    case notThreeFilters

    /// Why, in English and in Chinese.
    public var text: Bilingual {
        switch self {
        case .notPositive: Bilingual("must be positive", "必须是正数")
        case .negativePadding(let side): Bilingual("(\(side)) must not be negative", "（\(side)）不能是负数")
        case .notThreeFilters: Bilingual("must list three numbers, e.g. [64, 64, 256]", "要列出三个数，例如 [64, 64, 256]")
        }
    }
}
