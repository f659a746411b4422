import Foundation
import Platform
import ResNetCore

/// A Keras HDF5 weight file in the legacy layout of Keras 2 / tf-keras `model.save_weights('x.h5')`,
/// which the tutorial's `resnet50_weights_tf_dim_ordering_tf_kernels.h5` also uses:
///
/// - attribute `layer_names`: every layer, in model order, including layers without weights;
/// - one group per layer, with attribute `weight_names`: that layer's weights in Keras order
///   (conv: kernel `(kh, kw, in, out)`, bias; batch norm: gamma, beta, moving mean, moving variance;
///   dense: kernel `(in, out)`, bias);
/// - each weight is the dataset `<layer>/<weight name>`; a `/` in a weight name (`conv1/kernel:0`) is a nested group.
///
/// A full-model file (`model.save('x.h5')`) has the same structure under the group `model_weights`;
/// both are read. The file stays open until the object goes away. Every method throws `WeightsError`.
public final class KerasWeightsFile: Sendable {
    /// The path the file was opened from, as given.
    public let path: String
    /// Every layer in the file, in the order Keras saved them (`layer_names`).
    public let layerNames: [String]
    /// `true` for a full-model file, whose weights live under `model_weights`.
    public let isFullModelFile: Bool
    /// The `keras_version` attribute, if the writer left one (the 2016 tutorial file may not).
    public let kerasVersion: String?
    /// The `backend` attribute (e.g. `tensorflow`), if present.
    public let backend: String?

    private let file: HDF5File
    /// "" (the root) or "model_weights/".
    private let prefix: String
    private let layerSet: Set<String>

    /// Opens the weight file at `path` and reads its list of layers.
    public init(path: String) throws(WeightsError) {
        self.path = path
        // Only a regular file goes to the HDF5 library: a FIFO or a device would block or never end.
        close(try WeightsError.openRegularFile(path).descriptor)

        let file: HDF5File
        do throws(HDF5Error) {
            file = try HDF5File(path: path)
        } catch .notHDF5 {
            throw .notHDF5(path: path)
        } catch {
            throw .corruptFile(path: path, detail: nil)
        }

        let prefix: String
        if file.hasAttribute("layer_names") || file.hasAttribute("layer_names0") {
            prefix = ""
        } else if file.objectKind("model_weights") == .group
            && (file.hasAttribute("layer_names", on: "model_weights")
                || file.hasAttribute("layer_names0", on: "model_weights"))
        {
            prefix = "model_weights/"
        } else {
            throw .notKerasWeightsFile(path: path)
        }
        let group = prefix.isEmpty ? "/" : "model_weights"
        let names = try Self.keras(strings: "layer_names", on: group, in: file, path: path)

        self.file = file
        self.prefix = prefix
        self.layerNames = names
        self.layerSet = Set(names)
        self.isFullModelFile = !prefix.isEmpty
        // Informational only: a damaged or odd-typed attribute must not stop the weights loading.
        self.kerasVersion = (try? file.stringsAttribute("keras_version"))?.first
        self.backend = (try? file.stringsAttribute("backend"))?.first
    }

    /// Whether the file has a layer called `layer`.
    public func contains(layer: String) -> Bool { layerSet.contains(layer) }

    /// The names of `layer`'s weights, in the order Keras saved them (`weight_names`); `[]` for a
    /// layer without weights.
    public func weightNames(forLayer layer: String) throws(WeightsError) -> [String] {
        guard layerSet.contains(layer) else { throw .missingLayer(path: path, layer: layer) }
        let group = prefix + layer
        guard file.objectKind(group) == .group else {
            throw .corruptFile(path: path, detail: "layer '\(layer)' is listed in layer_names but has no group")
        }
        // Keras treats a missing weight_names like an empty one.
        if !file.hasAttribute("weight_names", on: group) && !file.hasAttribute("weight_names0", on: group) {
            return []
        }
        return try Self.keras(strings: "weight_names", on: group, in: file, path: path)
    }

    /// `layer`'s weights, in `weight_names` order, each with the shape stored in the file.
    /// - Throws: a read error, `.weightTooLarge`, or `.nonFiniteWeight`.
    public func weights(forLayer layer: String) throws(WeightsError) -> [Tensor] {
        let names = try weightNames(forLayer: layer)
        let shapes = try names.map { (name) throws(WeightsError) in try declaredShape(layer: layer, weight: name) }
        return try zip(names, shapes).map { (name, shape) throws(WeightsError) in
            try read(layer: layer, weight: name, shape: shape)
        }
    }

    /// `layer`'s weights, checked against the weights the layer owns with ResNetCore's `ModelWeights.check`
    /// from the file's metadata before any value is read: the count of `weight_names` first, then the
    /// shape each dataset's header declares. Only then is each read, into exactly the checked size.
    /// - Throws: `.missingLayer`, `.wrongWeightCount`, `.shapeMismatch`, a read error, or `.nonFiniteWeight`.
    public func weights(forLayer layer: String, expecting specs: [WeightSpec]) throws(WeightsError) -> [Tensor] {
        let names = try weightNames(forLayer: layer)
        do throws(WeightsMismatch) {
            try ModelWeights.check(count: names.count, layer: layer, specs: specs)
        } catch {
            throw WeightsError(error, path: path)
        }
        let shapes = try names.map { (name) throws(WeightsError) in try declaredShape(layer: layer, weight: name) }
        do throws(WeightsMismatch) {
            try ModelWeights.check(shapes: shapes, layer: layer, specs: specs)
        } catch {
            throw WeightsError(error, path: path)
        }
        return try zip(names, shapes).map { (name, shape) throws(WeightsError) in
            try read(layer: layer, weight: name, shape: shape)
        }
    }

    /// The shape the header of `layer`'s weight `name` declares; no value is read.
    private func declaredShape(layer: String, weight name: String) throws(WeightsError) -> [Int] {
        do throws(HDF5Error) {
            return try file.datasetShape(prefix + layer + "/" + name)
        } catch {
            throw readError(error, layer: layer, weight: name)
        }
    }

    /// Reads `layer`'s weight `name`, whose header declared `shape`, and checks every value is finite.
    private func read(layer: String, weight name: String, shape: [Int]) throws(WeightsError) -> Tensor {
        let data: [Float]
        do throws(HDF5Error) {
            data = try file.readFloats(prefix + layer + "/" + name, shape: shape)
        } catch {
            throw readError(error, layer: layer, weight: name)
        }
        if let position = Self.firstNonFinite(data), let value = NonFiniteValue(data[position]) {
            throw .nonFiniteWeight(path: path, layer: layer, weightName: name, position: position, value: value)
        }
        return Tensor(shape: shape, data: data)
    }

    /// The position of the first value in `data` that is not a finite number, or nil. Every one of a
    /// file's 25 million values is checked, so blocks are checked 16 lanes at a time: `x - x` is 0 for
    /// a finite `x` and NaN otherwise, and only a block where that sum is not 0 is searched value by value.
    static func firstNonFinite(_ data: [Float]) -> Int? {
        data.withUnsafeBufferPointer { (values) -> Int? in
            let block = 1024
            var start = 0
            while start < values.count {
                let end = min(start + block, values.count)
                var sum = SIMD16<Float>()
                var index = start
                while index + 16 <= end {
                    let lanes = UnsafeRawPointer(values.baseAddress! + index).loadUnaligned(as: SIMD16<Float>.self)
                    sum += lanes - lanes
                    index += 16
                }
                if sum != SIMD16() || index < end, let found = values[start..<end].firstIndex(where: { !$0.isFinite }) {
                    return found
                }
                start = end
            }
            return nil
        }
    }

    /// What a failure of the HDF5 layer on `layer`'s weight `name` means to the learner.
    private func readError(_ error: HDF5Error, layer: String, weight name: String) -> WeightsError {
        switch error {
        case .noSuchObject: return .missingWeight(path: path, layer: layer, weightName: name)
        case .unsupportedType: return .unsupportedWeightType(path: path, layer: layer, weightName: name)
        case .tooLarge: return .weightTooLarge(path: path, layer: layer, weightName: name)
        default: return .corruptFile(path: path, detail: "cannot read layer '\(layer)' weight '\(name)'")
        }
    }

    /// Every layer that has weights, read into the engine's `ModelWeights` (layers without weights are left out).
    public func modelWeights() throws(WeightsError) -> ModelWeights {
        var byLayer: [String: [Tensor]] = [:]
        for layer in layerNames {
            let tensors = try weights(forLayer: layer)
            if !tensors.isEmpty { byLayer[layer] = tensors }
        }
        return ModelWeights(byLayer: byLayer)
    }

    /// Reads a Keras string-list attribute. Keras splits one that would overflow the 64 KB object
    /// header into `name0`, `name1`, …; those are joined back.
    private static func keras(
        strings name: String, on group: String, in file: HDF5File, path: String
    ) throws(WeightsError) -> [String] {
        do throws(HDF5Error) {
            if file.hasAttribute(name, on: group) {
                return try file.stringsAttribute(name, on: group)
            }
            var result: [String] = []
            var chunk = 0
            while file.hasAttribute("\(name)\(chunk)", on: group) {
                result += try file.stringsAttribute("\(name)\(chunk)", on: group)
                chunk += 1
            }
            return result
        } catch .unsupportedType {
            let owner = group == "/" ? "" : " of '\(group)'"
            throw .corruptFile(path: path, detail: "attribute '\(name)'\(owner) is not a list of strings")
        } catch {
            throw .corruptFile(path: path, detail: nil)
        }
    }
}

/// A float that is not a finite number, as a weight file can hold one.
public enum NonFiniteValue: String, Sendable, Equatable {
    case nan = "NaN"
    case infinity = "inf"
    case minusInfinity = "-inf"

    /// What `value` is, or nil when it is a finite number.
    init?(_ value: Float) {
        if value.isNaN {
            self = .nan
        } else if value.isInfinite {
            self = value > 0 ? .infinity : .minusInfinity
        } else {
            return nil
        }
    }
}
