import Foundation
import Platform
import ResNetCore
import ResNetIO

// Pictures of what the network saw: the class activation map (Zhou et al., 2016) of a network that
// ends in global average pooling and one Dense layer, and grids of a layer's feature maps. The
// numbers come from `Model.forwardLayerByLayer`, the unfused pass that computes as Keras does.

// MARK: - Errors

/// Why a picture of the network's activations cannot be drawn.
public enum ActivationPictureError: Error, Equatable, CustomStringConvertible {
    /// `%cam` or `%features` before any forward pass of the session.
    case noForwardPass(command: String)
    /// The model does not end in (global) average pooling and one Dense layer.
    case noGlobalPoolingAndDense(model: String)
    /// A class that is neither an index nor an ImageNet label.
    case unknownClass(String, suggestion: String?)
    /// A class index outside the Dense layer's units.
    case classOutOfRange(Int, classes: Int)
    /// A layer the model of the last forward pass does not have.
    case unknownLayer(String, model: String, suggestion: String?)
    /// A layer whose output is not a stack of feature maps (`(None, 1000)`).
    case notFeatureMaps(layer: String, shape: String)

    public var message: Message {
        switch self {
        case .noForwardPass(let command): return .needsForwardPass(command)
        case .noGlobalPoolingAndDense(let model): return .camNeedsGlobalPooling(model: model)
        case .unknownClass(let word, let suggestion): return .unknownClass(word, suggestion: suggestion)
        case .classOutOfRange(let index, let classes): return .classOutOfRange(index, classes: classes)
        case .unknownLayer(let name, let model, let suggestion):
            return .layerNotInModel(name, model: model, suggestion: suggestion)
        case .notFeatureMaps(let layer, let shape): return .notFeatureMaps(layer: layer, shape: shape)
        }
    }

    public var description: String { message.localized }
}

// MARK: - Class activation map

/// Where a class activation map is read: the 4-D activations that the network averages over every
/// position (`AveragePooling2D((7, 7))` + `Flatten`, or `GlobalAveragePooling2D`) and the Dense layer
/// that weighs the averages. Found by the network's structure, not by its layers' names.
public struct ClassActivationSite: Sendable, Equatable {
    /// The node whose output is pooled: `activation_49` (tutorial), `conv5_block3_out` (keras.applications).
    public let features: Int
    /// The Dense layer at the end: `fc1000`, `predictions`.
    public let dense: Int

    public init(model: Model) throws(ActivationPictureError) {
        let nodes = model.nodes
        var index = model.outputIndex
        // A softmax written as its own layer may follow the Dense layer.
        while nodes[index].layer is Activation, let source = nodes[index].inputs.first { index = source }
        guard nodes[index].layer is Dense, let pooled = nodes[index].inputs.first else {
            throw .noGlobalPoolingAndDense(model: model.name)
        }
        var node = pooled
        if nodes[node].layer is Flatten, let source = nodes[node].inputs.first { node = source }
        let averagesEverything: Bool
        switch nodes[node].layer {
        case is GlobalAveragePooling2D: averagesEverything = true
        case is AveragePooling2D: averagesEverything = nodes[node].outputShape.prefix(2) == [1, 1]
        default: averagesEverything = false
        }
        guard averagesEverything, let source = nodes[node].inputs.first, nodes[source].outputShape.count == 3 else {
            throw .noGlobalPoolingAndDense(model: model.name)
        }
        features = source
        dense = index
    }
}

/// The class activation map of one class for one image: Σ_k w[k, c] · A[:, :, k], where A is the
/// pooled activations (7×7×2048 in ResNet50) and w the Dense layer's kernel. Its mean plus the Dense
/// layer's bias is the class's score before the softmax.
public struct ClassActivationMap: Sendable {
    public let site: ClassActivationSite
    public let classIndex: Int
    /// The network's output for the class (a probability after a softmax).
    public let probability: Float
    public let height: Int
    public let width: Int
    /// `height × width` values, row by row, before any scaling.
    public let values: [Float]
    /// The network's input image (the preprocessing undone), when it has three channels.
    public let image: RGBImage?

    /// Runs `model` layer by layer on the first image of `input` and reads the map of the class that
    /// `choose` picks from the network's outputs.
    public init(
        model: Model, weights: ModelWeights, input: Tensor, choose: ([Float]) throws -> Int
    ) throws {
        site = try ClassActivationSite(model: model)
        let one = firstImage(input)
        let kept = try model.forwardLayerByLayer(one, weights: weights, keeping: [site.features])
        let outputs = kept[model.outputIndex]!.data
        classIndex = try choose(outputs)
        probability = outputs[classIndex]
        let activations = kept[site.features]!
        let kernel = weights.byLayer[model.nodes[site.dense].name]?.first ?? Tensor(shape: [0, 0])
        (height, width) = (activations.shape[1], activations.shape[2])
        values = Self.map(activations: activations, kernel: kernel, classIndex: classIndex)
        image = one.shape.count == 4 && one.shape[3] == 3 ? deprocessedImage(one) : nil
    }

    /// Σ_k kernel[k, c] · activations[0, y, x, k] for every position: `[1, h, w, K]` activations, a
    /// `[K, classes]` kernel.
    public static func map(activations: Tensor, kernel: Tensor, classIndex: Int) -> [Float] {
        let channels = activations.shape[3]
        let classes = kernel.shape[1]
        let positions = activations.shape[1] * activations.shape[2]
        precondition(kernel.shape[0] == channels && (0..<classes).contains(classIndex), "map: kernel does not fit")
        return (0..<positions).map { position in
            var sum: Float = 0
            for k in 0..<channels {
                sum += activations.data[position * channels + k] * kernel.data[k * classes + classIndex]
            }
            return sum
        }
    }

    /// The map scaled to 0…1, upsampled to the image's size (bilinear, pixel centres aligned as
    /// `tf.image.resize` aligns them), coloured with jet and laid half over the image.
    public var picture: RGBImage {
        let (outWidth, outHeight) = (image?.width ?? 224, image?.height ?? 224)
        let low = values.min() ?? 0
        let high = values.max() ?? 0
        let scale: Float = high > low ? 1 / (high - low) : 0
        var pixels = [UInt8](repeating: 0, count: outWidth * outHeight * 3)
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                let value = bilinear(x: x, y: y, outWidth: outWidth, outHeight: outHeight)
                let colour = ColourMap.jet.colour((value - low) * scale)
                let i = (y * outWidth + x) * 3
                if let image {
                    let under = image.pixel(x: x, y: y)
                    pixels[i] = UInt8((Float(under.r) + Float(colour.r)) / 2)
                    pixels[i + 1] = UInt8((Float(under.g) + Float(colour.g)) / 2)
                    pixels[i + 2] = UInt8((Float(under.b) + Float(colour.b)) / 2)
                } else {
                    (pixels[i], pixels[i + 1], pixels[i + 2]) = colour
                }
            }
        }
        return RGBImage(width: outWidth, height: outHeight, pixels: pixels)
    }

    private func bilinear(x: Int, y: Int, outWidth: Int, outHeight: Int) -> Float {
        func source(_ out: Int, _ outSize: Int, _ inSize: Int) -> (Int, Int, Float) {
            let position = min(Float(inSize - 1), max(0, (Float(out) + 0.5) * Float(inSize) / Float(outSize) - 0.5))
            let low = Int(position)
            return (low, min(low + 1, inSize - 1), position - Float(low))
        }
        let (x0, x1, fx) = source(x, outWidth, width)
        let (y0, y1, fy) = source(y, outHeight, height)
        let top = values[y0 * width + x0] * (1 - fx) + values[y0 * width + x1] * fx
        let bottom = values[y1 * width + x0] * (1 - fx) + values[y1 * width + x1] * fx
        return top * (1 - fy) + bottom * fy
    }
}

/// The class `%cam CLASS` names: an index (`101`) or a label (`tusker`, `'African_elephant'`); none
/// means the most probable class.
public enum ClassArgument {
    /// The class's index among `outputs`; ImageNet labels are understood when there are 1000 classes.
    public static func index(_ word: String?, outputs: [Float], labels: ImageNetLabels?) throws(ActivationPictureError)
        -> Int
    {
        guard var word = word?.trimmingWhitespace(), !word.isEmpty else {
            return outputs.indices.max { outputs[$0] < outputs[$1] || (outputs[$0] == outputs[$1] && $0 > $1) } ?? 0
        }
        if word.count >= 2, let first = word.first, first == "'" || first == "\"", word.last == first {
            word = String(word.dropFirst().dropLast())
        }
        if let index = Int(word) {
            guard outputs.indices.contains(index) else { throw .classOutOfRange(index, classes: outputs.count) }
            return index
        }
        let classes = labels.flatMap { $0.classes.count == outputs.count ? $0.classes : nil } ?? []
        let wanted = word.replacingOccurrences(of: " ", with: "_").lowercased()
        if let found = classes.first(where: { $0.label == word })
            ?? classes.first(where: { $0.label.lowercased() == wanted || $0.wnid == word })
        {
            return found.index
        }
        throw .unknownClass(word, suggestion: closest(to: word, among: classes.map(\.label)).first)
    }
}

// MARK: - Feature maps

/// How a grid of feature maps is laid out: tiles of one channel each, row by row, `gap` pixels apart;
/// small maps are enlarged by a whole factor so that each value is a square of pixels.
public struct FeatureGridLayout: Sendable, Equatable {
    /// Pixels between tiles, and (``panelGap``) between the panels of an `add` layer.
    public static let gap = 2
    public static let panelGap = 8

    public let columns: Int
    public let rows: Int
    /// Each value of a map becomes `scale × scale` pixels.
    public let scale: Int
    public let tileWidth: Int
    public let tileHeight: Int
    /// The size of one grid.
    public let width: Int
    public let height: Int

    /// The layout of `count` maps of `mapHeight × mapWidth`: `⌈√count⌉` columns, maps enlarged to at
    /// least 56 pixels where a whole factor allows (7×7 → 63×63, 55×55 stays).
    public init(count: Int, mapHeight: Int, mapWidth: Int) {
        columns = max(1, Int(Double(count).squareRoot().rounded(.up)))
        rows = max(1, (count + columns - 1) / columns)
        scale = max(1, 64 / max(mapHeight, mapWidth))
        tileWidth = mapWidth * scale
        tileHeight = mapHeight * scale
        width = columns * tileWidth + (columns - 1) * Self.gap
        height = rows * tileHeight + (rows - 1) * Self.gap
    }

    /// The top-left pixel of tile `index`'s map in a grid that starts at (`originX`, 0).
    public func tileOrigin(_ index: Int, originX: Int = 0) -> (x: Int, y: Int) {
        (originX + (index % columns) * (tileWidth + Self.gap), (index / columns) * (tileHeight + Self.gap))
    }

    /// The size of `panels` grids side by side.
    public func size(panels: Int) -> (width: Int, height: Int) {
        (panels * width + (panels - 1) * Self.panelGap, height)
    }
}

/// Grids of the first channels of one or more activations of one shape (`[1, h, w, C]`), side by
/// side, on one colour scale: viridis from the lowest value shown (dark) to the highest (yellow).
public struct FeatureGrid: Sendable {
    public let layout: FeatureGridLayout
    public let channels: Int
    public let low: Float
    public let high: Float
    public let image: RGBImage

    public init(panels: [Tensor], channels requested: Int) {
        let shape = panels[0].shape
        let (mapHeight, mapWidth, depth) = (shape[1], shape[2], shape[3])
        channels = max(1, min(requested, depth))
        layout = FeatureGridLayout(count: channels, mapHeight: mapHeight, mapWidth: mapWidth)
        var low = Float.infinity
        var high = -Float.infinity
        for panel in panels {
            for position in 0..<(mapHeight * mapWidth) {
                for c in 0..<channels {
                    let value = panel.data[position * depth + c]
                    low = min(low, value)
                    high = max(high, value)
                }
            }
        }
        (self.low, self.high) = (low, high)
        let scale: Float = high > low ? 1 / (high - low) : 0
        let size = layout.size(panels: panels.count)
        var pixels = [UInt8](repeating: 255, count: size.width * size.height * 3)
        for (p, panel) in panels.enumerated() {
            for c in 0..<channels {
                let origin = layout.tileOrigin(c, originX: p * (layout.width + FeatureGridLayout.panelGap))
                for y in 0..<layout.tileHeight {
                    for x in 0..<layout.tileWidth {
                        let position = (y / layout.scale) * mapWidth + x / layout.scale
                        let colour = ColourMap.viridis.colour((panel.data[position * depth + c] - low) * scale)
                        let i = ((origin.y + y) * size.width + origin.x + x) * 3
                        (pixels[i], pixels[i + 1], pixels[i + 2]) = colour
                    }
                }
            }
        }
        image = RGBImage(width: size.width, height: size.height, pixels: pixels)
    }
}

// MARK: - Shared pieces

/// The first image of a batch, as a batch of one.
func firstImage(_ batch: Tensor) -> Tensor {
    guard batch.shape.count > 1, batch.shape[0] > 1 else { return batch }
    let shape = [1] + batch.shape.dropFirst()
    return Tensor(shape: shape, data: Array(batch.data.prefix(shape.reduce(1, *))))
}

/// A number for a caption: three significant digits (`-12.3`, `0.0412`, `1.2e+03`).
func short(_ value: Float) -> String { String(format: "%.3g", Double(value)) }

/// The bytes of a NumPy `.npy` file (format 1.0) holding `values` as little-endian float32 of `shape`,
/// which `numpy.load` reads back.
public func npyData(shape: [Int], values: [Float]) -> [UInt8] {
    precondition(shape.reduce(1, *) == values.count, "npyData: \(values.count) values for shape \(shape)")
    let dimensions = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dimensions)), }"
    // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, ending in \n.
    let total = (10 + header.utf8.count + 1 + 63) / 64 * 64
    header += String(repeating: " ", count: total - 10 - header.utf8.count - 1) + "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    let length = UInt16(header.utf8.count)
    bytes += [UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8)
    for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
    return bytes
}
