import ResNetCore

extension KerasWeightsFile {
    /// Which ResNet50 the file holds, told from its layer names (`res2a_branch2a` or `conv2_block1_1_conv`).
    public var resNet50Variant: ResNet50Variant? { ResNet50Variant.detect(layerNames: layerNames) }

    /// Reads the weights of every layer of `model` that owns weights, checking each layer's count
    /// and shapes against the model before anything is used.
    ///
    /// - Throws: ``WeightsError`` naming the file, the layer and both shapes where relevant.
    public func weights(for model: Model) throws(WeightsError) -> ModelWeights {
        var weights = ModelWeights()
        for (layer, specs) in model.weightedLayers {
            guard contains(layer: layer) else { throw .missingLayer(path: path, layer: layer) }
            weights.byLayer[layer] = try self.weights(forLayer: layer, expecting: specs)
        }
        return weights
    }
}

extension InferenceEngine {
    /// Compiles `model` with the weights of `file`, read a layer at a time while the layers before are
    /// lowered (see ``InferenceEngine/init(model:readingWeights:)``).
    ///
    /// - Throws: ``WeightsError`` as ``KerasWeightsFile/weights(for:)`` does, or as the engine does.
    public convenience init(model: Model, weightsFile file: KerasWeightsFile) throws {
        try self.init(model: model) { layer, specs in try file.weights(forLayer: layer, expecting: specs) }
    }
}
