import Foundation
import Platform
import ResNetCore

/// One ImageNet class: its index in the 1000 outputs, WordNet id and Keras label.
public struct ImageNetClass: Sendable, Equatable, Codable {
    public let index: Int
    public let wnid: String
    public let label: String
}

/// One line of `decode_predictions`: a class and its probability.
public struct Prediction: Sendable, Equatable {
    public let imageNetClass: ImageNetClass
    public let probability: Float
}

/// Why the labels could not be read.
public enum LabelsError: Error, CustomStringConvertible {
    case resourceMissing
    case malformed(String)
    case wrongOutputSize(Int)

    public var description: String { text.localized }

    /// The error in English and in Chinese.
    public var text: Bilingual {
        switch self {
        case .resourceMissing:
            return Bilingual(
                "cannot find imagenet_class_index.json beside reslab; reinstall or run reslab from its build folder",
                "reslab 旁边找不到 imagenet_class_index.json；请重新安装，或者在构建目录里运行 reslab")
        case .malformed(let reason):
            return Bilingual(
                "imagenet_class_index.json is malformed: \(reason)", "imagenet_class_index.json 格式不对：\(reason)")
        case .wrongOutputSize(let count):
            return Bilingual(
                "decode_predictions expects 1000 class probabilities per image, got \(count)",
                "decode_predictions 要每张图像 1000 个类别的概率，收到的是 \(count) 个")
        }
    }
}

/// The ImageNet-1k labels Keras's `decode_predictions` uses (`imagenet_class_index.json`,
/// `"386": ["n02504458", "African_elephant"]`), shipped with reslab as a resource.
public struct ImageNetLabels: Sendable {
    /// The 1000 classes, by index.
    public let classes: [ImageNetClass]

    /// Reads the copy shipped with reslab.
    public static func bundled() throws(LabelsError) -> ImageNetLabels { try shipped.get() }

    /// Read once per process: every `decode_predictions` at the prompt uses the same labels.
    private static let shipped: Result<ImageNetLabels, LabelsError> = {
        guard let url = Bundle.module.url(forResource: "imagenet_class_index", withExtension: "json"),
            let data = try? Data(contentsOf: url)
        else { return .failure(.resourceMissing) }
        do throws(LabelsError) {
            return .success(try ImageNetLabels(json: data))
        } catch {
            return .failure(error)
        }
    }()

    /// Parses Keras's class-index JSON: an object from "0"…"999" to `[wnid, label]`.
    public init(json: Data) throws(LabelsError) {
        guard let object = try? JSONDecoder().decode([String: [String]].self, from: json) else {
            throw .malformed("expected an object of \"index\": [\"wnid\", \"label\"]")
        }
        var classes = [ImageNetClass?](repeating: nil, count: object.count)
        for (key, pair) in object {
            guard let index = Int(key), classes.indices.contains(index), pair.count == 2 else {
                throw .malformed("bad entry \"\(key)\"")
            }
            classes[index] = ImageNetClass(index: index, wnid: pair[0], label: pair[1])
        }
        self.classes = classes.compactMap { $0 }
        guard self.classes.count == object.count else { throw .malformed("indices are not 0…\(object.count - 1)") }
    }

    /// Keras's `decode_predictions(preds, top)`: for each image (row of `[N, 1000]`), the `top`
    /// classes by falling probability (ties keep the lower index first).
    public func decodePredictions(_ predictions: Tensor, top: Int = 5) throws(LabelsError) -> [[Prediction]] {
        let width = predictions.shape.last ?? 0
        guard width == classes.count else { throw .wrongOutputSize(width) }
        return (0..<(predictions.count / width)).map { row in
            let probabilities = predictions.data[(row * width)..<((row + 1) * width)]
            // NaN ranks last (as -inf), so the order stays a total one whatever the values.
            func key(_ index: Int) -> Float { probabilities[index].isNaN ? -.infinity : probabilities[index] }
            let ranked = probabilities.indices.sorted { key($0) != key($1) ? key($0) > key($1) : $0 < $1 }
            return ranked.prefix(max(0, top)).map {
                Prediction(imageNetClass: classes[$0 - row * width], probability: probabilities[$0])
            }
        }
    }
}
