// Sizes and counts that cannot trap: every shape, element count, parameter count and multiply-add
// count is computed here with overflow-reporting arithmetic and checked against reslab's limits,
// and every large allocation is checked against a memory budget before it is made.

import Platform

/// The limits on what one tensor may hold.
public enum SizeLimits {
    /// The most values one tensor (an activation of one example, or a weight array) may hold: 2^40.
    public static let maxElements = 1 << 40
}

/// Integer arithmetic that reports overflow as `nil` instead of trapping.
public enum Checked {
    /// `a + b`, or `nil` if it overflows.
    public static func sum(_ a: Int, _ b: Int) -> Int? {
        let (value, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : value
    }

    /// The sum of `terms`, or `nil` if it overflows.
    public static func sum(_ terms: some Sequence<Int>) -> Int? {
        var total = 0
        for term in terms {
            guard let next = sum(total, term) else { return nil }
            total = next
        }
        return total
    }

    /// The product of `factors` (1 for none), or `nil` if it overflows.
    public static func product(_ factors: some Sequence<Int>) -> Int? {
        var total = 1
        for factor in factors {
            let (value, overflow) = total.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            total = value
        }
        return total
    }
}

/// Which tensor of a layer is too large.
public enum TensorRole: Equatable, Sendable {
    /// The layer's output (one example; printed with Keras's `None` batch axis).
    case output
    /// One of the layer's weight arrays, by Keras's name (`kernel`, `bias`, …).
    case weight(String)
}

/// The number of values in a tensor of `shape`, or `.tooManyValues` if it is beyond `SizeLimits.maxElements`.
func checkedElementCount(_ shape: [Int], layer: String, role: TensorRole) throws(ShapeError) -> Int {
    guard let count = Checked.product(shape), count <= SizeLimits.maxElements else {
        throw .tooManyValues(layer: layer, role: role, axes: shape.map(String.init))
    }
    return count
}

/// Multiply-adds of one layer for one example: convolutions and dense layers (the rest is negligible).
func multiplyAdds(of layer: any Layer, inputs: [Shape], output: Shape) throws(ShapeError) -> Int {
    let factors: [Int]
    if let conv = layer as? Conv2D {
        factors = [output[0], output[1], conv.kernelSize.0, conv.kernelSize.1, inputs[0][2], conv.filters]
    } else if let dense = layer as? Dense {
        factors = [inputs[0][0], dense.units]
    } else {
        return 0
    }
    guard let count = Checked.product(factors) else {
        throw .countOverflow(layer: layer.displayName, count: .multiplyAdds)
    }
    return count
}

// MARK: - Memory budget

/// What a large allocation is for, for the message that refuses it.
public enum MemoryUse: Equatable, Sendable {
    /// A model's weights (`parameters` float32 values), e.g. drawn by `%random_weights`.
    case weights(model: String, parameters: Int)
    /// The activations of a forward pass (`operation`: `predict`) on `batch` examples; `layer` and
    /// `shape` name the largest one.
    case activations(operation: String, batch: Int, layer: String, shape: Shape)
}

/// The most memory reslab lets one operation take, checked before large allocations are made.
public enum MemoryBudget {
    /// The environment variable that overrides the default: bytes, or a number with `K`, `M`, `G` or `T`.
    public static let environmentVariable = "RESLAB_MEMORY_LIMIT"

    /// The budget in bytes: `RESLAB_MEMORY_LIMIT` when set, otherwise half the physical memory.
    public static let bytes: Int = {
        if let text = getenv(environmentVariable).map({ String(cString: $0) }), let value = parse(text) {
            return value
        }
        let pages = sysconf(Int32(_SC_PHYS_PAGES))
        let pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0, let total = Checked.product([pages, pageSize]) else { return 1 << 32 }
        return total / 2
    }()

    /// `"12G"` → 12·2^30, `"500000"` → 500000; `nil` for anything else.
    static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: " ")
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = Substring(trimmed)
        var unit = 1
        if let last = digits.last?.uppercased().first, let scale = units[last] {
            unit = scale
            digits = digits.dropLast()
        }
        guard let number = Int(digits), number > 0 else { return nil }
        return Checked.product([number, unit])
    }

    /// Throws `.overMemoryBudget` unless `bytes` (`nil`: too many to count) fits in `limit`.
    public static func check(_ bytes: Int?, for use: MemoryUse, limit: Int = bytes) throws(ShapeError) {
        guard let bytes, bytes <= limit else { throw .overMemoryBudget(use: use, bytes: bytes, limit: limit) }
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}

/// `1_600_000_000_000` → `1.6 TB`: decimal units, as people read memory sizes.
public func byteCount(_ bytes: Int) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    if unit == 0 { return "\(bytes) bytes" }
    let rounded = value >= 10 ? String(Int(value.rounded())) : String((value * 10).rounded() / 10)
    return "\(rounded) \(units[unit])"
}

extension Model {
    /// Bytes of float32 weights the model owns (counts were checked when the model was made).
    public var weightBytes: Int? { Checked.product([parameterCount.total, MemoryLayout<Float>.size]) }

    /// Throws `.overMemoryBudget` unless the model's weights fit in the memory budget.
    public func checkWeightsFit(limit: Int = MemoryBudget.bytes) throws(ShapeError) {
        try MemoryBudget.check(weightBytes, for: .weights(model: name, parameters: parameterCount.total), limit: limit)
    }

    /// The memory a forward pass on `batch` examples needs at its peak, layer by layer: the values
    /// still to be read plus the new output plus a convolution's im2col matrix (one example); `nil`
    /// when it is too large to count. Also names the largest activation.
    public func activationPeak(batch: Int) -> (bytes: Int?, largest: Int) {
        var lastUse = [Int](repeating: -1, count: nodes.count)
        for (index, node) in nodes.enumerated() { for source in node.inputs { lastUse[source] = index } }
        let float = MemoryLayout<Float>.size
        var sizes = [Int?](repeating: nil, count: nodes.count)
        var live: Int? = 0
        var peak: Int? = 0
        var largest = 0
        for (index, node) in nodes.enumerated() {
            let elements = Checked.product(node.outputShape)
            sizes[index] = elements.flatMap { Checked.product([$0, batch, float]) }
            if (elements ?? .max) > (Checked.product(nodes[largest].outputShape) ?? .max) { largest = index }
            var scratch = 0
            if let conv = node.layer as? Conv2D, conv.kernelSize != (1, 1) || conv.strides != (1, 1) {
                let input = nodes[node.inputs[0]].outputShape
                let window = [node.outputShape[0], node.outputShape[1], conv.kernelSize.0, conv.kernelSize.1]
                guard let im2col = Checked.product(window + [input[2], float]) else { return (nil, largest) }
                scratch = im2col
            }
            guard let size = sizes[index], let now = live.flatMap({ Checked.sum($0, size) }),
                let withScratch = Checked.sum(now, scratch)
            else { return (nil, largest) }
            live = now
            peak = max(peak ?? 0, withScratch)
            for source in Set(node.inputs) where lastUse[source] == index { live = live.map { $0 - sizes[source]! } }
        }
        return (peak, largest)
    }

    /// Throws `.overMemoryBudget` unless a forward pass (`operation`) on `batch` examples fits.
    public func checkActivationsFit(batch: Int, operation: String, limit: Int = MemoryBudget.bytes)
        throws(ShapeError)
    {
        let (bytes, largest) = activationPeak(batch: batch)
        let use = MemoryUse.activations(
            operation: operation, batch: batch, layer: nodes[largest].name, shape: nodes[largest].outputShape)
        try MemoryBudget.check(bytes, for: use, limit: limit)
    }
}
