import ResNetCore
import ResNetIO

// The names the tutorial uses: Keras's layers and functions, numpy's expand_dims, print and str.

extension Interpreter {
    func makeBuiltins() -> [String: Value] {
        var names = [String: Value]()
        func define(
            _ name: String, _ parameters: [String], required: Int, _ body: @escaping (Arguments) throws -> Value
        ) {
            names[name] = .function(Builtin(name: name, parameters: parameters, required: required, body: body))
        }

        // MARK: Layers (each returns a layer, which is then called on a tensor)
        define("Input", ["shape", "name"], required: 1) { [unowned self] a in
            let shape = try Convert.ints(try a.value("shape"), function: "Input", parameter: "shape")
            return .tensor(try ResNetCore.Input(shape: shape, name: try a.optionalString("name"), in: self.graph))
        }
        define(
            "Conv2D", ["filters", "kernel_size", "strides", "padding", "activation", "use_bias", "name"], required: 2
        ) { a in
            let useBias: Bool
            switch a.optional("use_bias") {
            case nil: useBias = true
            case .bool(let b)?: useBias = b
            case let other?: throw Convert.wrong(other, "True or False", "Conv2D", "use_bias")
            }
            return .layer(
                Conv2D(
                    try a.int("filters"), kernelSize: try a.pair("kernel_size"),
                    strides: try a.optional("strides").map {
                        try Convert.pair($0, function: "Conv2D", parameter: "strides")
                    } ?? (1, 1),
                    padding: try Convert.padding(a.optional("padding"), function: "Conv2D"), useBias: useBias,
                    activation: try Convert.activation(a.optional("activation"), function: "Conv2D"),
                    name: try a.optionalString("name")))
        }
        define("BatchNormalization", ["axis", "epsilon", "name"], required: 0) { a in
            if let axis = a.optional("axis") {
                let value = try Convert.int(axis, function: "BatchNormalization", parameter: "axis")
                guard value == -1 || value == 3 else {
                    throw NotebookError.wrongArgument(
                        function: "BatchNormalization",
                        message: "axis must be -1 or 3 (channels last, as in the tutorial)")
                }
            }
            let epsilon =
                try a.optional("epsilon").map { value -> Float in
                    guard let e = value.asDouble, e > 0 else {
                        throw Convert.wrong(value, "a positive number", "BatchNormalization", "epsilon")
                    }
                    return Float(e)
                } ?? 1e-3
            return .layer(BatchNormalization(epsilon: epsilon, name: try a.optionalString("name")))
        }
        define("Activation", ["activation", "name"], required: 1) { a in
            .layer(
                Activation(
                    try Convert.activation(try a.value("activation"), function: "Activation"),
                    name: try a.optionalString("name")))
        }
        define("ZeroPadding2D", ["padding", "name"], required: 0) { a in
            guard let value = a.optional("padding") else {
                return .layer(ZeroPadding2D(name: try a.optionalString("name")))
            }
            if case .tuple(let items) = value.unpackable, items.count == 2, case .tuple = items[0].unpackable {
                let rows = try Convert.pair(items[0], function: "ZeroPadding2D", parameter: "padding")
                let columns = try Convert.pair(items[1], function: "ZeroPadding2D", parameter: "padding")
                return .layer(ZeroPadding2D(padding: (rows, columns), name: try a.optionalString("name")))
            }
            return .layer(ZeroPadding2D(padding: try a.pair("padding"), name: try a.optionalString("name")))
        }
        for (name, isMax) in [("MaxPooling2D", true), ("AveragePooling2D", false)] {
            define(name, ["pool_size", "strides", "padding", "name"], required: 0) { a in
                let poolSize =
                    try a.optional("pool_size").map { try Convert.pair($0, function: name, parameter: "pool_size") }
                    ?? (2, 2)
                let strides = try a.optional("strides").map {
                    try Convert.pair($0, function: name, parameter: "strides")
                }
                let padding = try Convert.padding(a.optional("padding"), function: name)
                let layerName = try a.optionalString("name")
                return isMax
                    ? .layer(MaxPooling2D(poolSize: poolSize, strides: strides, padding: padding, name: layerName))
                    : .layer(AveragePooling2D(poolSize: poolSize, strides: strides, padding: padding, name: layerName))
            }
        }
        define("GlobalAveragePooling2D", ["name"], required: 0) { a in
            .layer(GlobalAveragePooling2D(name: try a.optionalString("name")))
        }
        define("Flatten", ["name"], required: 0) { a in .layer(Flatten(name: try a.optionalString("name"))) }
        define("Dense", ["units", "activation", "name"], required: 1) { a in
            .layer(
                Dense(
                    try a.int("units"), activation: try Convert.activation(a.optional("activation"), function: "Dense"),
                    name: try a.optionalString("name")))
        }
        define("Add", ["name"], required: 0) { a in .layer(Add(name: try a.optionalString("name"))) }
        // `from keras.layers import add` makes the function available by its own name.
        define("add", ["inputs", "name"], required: 1) { [unowned self] a in
            try self.call(
                try self.attribute("add", of: .module("layers")), [try a.value("inputs")],
                a.optional("name").map { [("name", $0)] } ?? [])
        }

        // MARK: Blocks and models
        define("identity_block", ["input_tensor", "kernel_size", "filters", "stage", "block"], required: 5) { a in
            let input = try a.tensor("input_tensor")
            let filters = try Convert.ints(try a.value("filters"), function: "identity_block", parameter: "filters")
            if filters.count == 3, let channels = input.shape.last, channels != filters[2] {
                throw NotebookError.teaching(Teaching.identityBlockMismatch(input: input.shape, filters: filters))
            }
            return .tensor(
                try identityBlock(
                    input, kernelSize: try a.int("kernel_size"), filters: filters, stage: try a.int("stage"),
                    block: try a.string("block")))
        }
        define("conv_block", ["input_tensor", "kernel_size", "filters", "stage", "block", "strides"], required: 5) {
            a in
            .tensor(
                try convBlock(
                    try a.tensor("input_tensor"), kernelSize: try a.int("kernel_size"),
                    filters: try Convert.ints(try a.value("filters"), function: "conv_block", parameter: "filters"),
                    stage: try a.int("stage"), block: try a.string("block"),
                    strides: try a.optional("strides").map {
                        try Convert.pair($0, function: "conv_block", parameter: "strides")
                    } ?? (2, 2)))
        }
        define("ResNet50", ["input_shape", "classes"], required: 0) { [unowned self] a in
            let shape =
                try a.optional("input_shape").map {
                    try Convert.ints($0, function: "ResNet50", parameter: "input_shape")
                } ?? [224, 224, 3]
            let classes =
                try a.optional("classes").map { try Convert.int($0, function: "ResNet50", parameter: "classes") }
                ?? 1000
            let model = try ResNetCore.ResNet50(inputShape: shape, classes: classes, in: self.graph)
            // As the tutorial's ResNet50() loads its weight file; read lazily, on the first predict.
            guard shape == [224, 224, 3] && classes == 1000 else { return .model(ModelHandle(model: model)) }
            if let path = self.cachedWeights {
                return .model(ModelHandle(model: model, weightsSource: .cachedTutorialFile(path)))
            }
            if let seed = self.randomWeightsFallbackSeed {
                self.printed.append(
                    "(no trained weights here: this run gives ResNet50() seeded RANDOM weights, seed \(seed); every prediction says so)"
                )
                let handle = ModelHandle(model: model)
                try handle.loadWeights(.random(seed: seed))
                return .model(handle)
            }
            return .model(ModelHandle(model: model))
        }
        define("Model", ["inputs", "outputs", "name"], required: 2) { a in
            .model(
                ModelHandle(
                    model: try Model(
                        inputs: try a.tensor("inputs"), outputs: try a.tensor("outputs"),
                        name: try a.optionalString("name") ?? "model")))
        }

        // MARK: Python
        define("print", ["*args"], required: 0) { [unowned self] a in
            self.printed.append(a.rest.map(\.text).joined(separator: " "))
            return .none
        }
        define("str", ["object"], required: 1) { a in .string(try a.value("object").text) }
        define("len", ["object"], required: 1) { a in
            switch try a.value("object") {
            case .string(let s): return .integer(s.count)
            case .tuple(let items), .list(let items): return .integer(items.count)
            case let other: throw NotebookError.typeMismatch("\(other.typeName) has no len()")
            }
        }
        names["None"] = Value.none
        names["True"] = .bool(true)
        names["False"] = .bool(false)

        // MARK: Modules and the prediction helpers
        for module in ["layers", "image", "np", "K"] { names[module] = .module(module) }
        define("preprocess_input", ["x"], required: 1) { a in
            guard case .array(let tensor, let random) = try a.value("x"), tensor.shape.last == 3 else {
                throw NotebookError.wrongArgument(
                    function: "preprocess_input",
                    message: "takes an array of RGB images, e.g. np.expand_dims(image.img_to_array(img), axis=0)")
            }
            return .array(preprocessInput(tensor), randomWeights: random)
        }
        define("decode_predictions", ["preds", "top"], required: 1) { a in
            guard case .array(let tensor, let random) = try a.value("preds") else {
                throw NotebookError.wrongArgument(
                    function: "decode_predictions", message: "takes the array model.predict returns")
            }
            let top =
                try a.optional("top").map { try Convert.int($0, function: "decode_predictions", parameter: "top") } ?? 5
            return .predictions(try ImageNetLabels.bundled().decodePredictions(tensor, top: top), randomWeights: random)
        }
        return names
    }

    /// `owner.name`: module functions, model methods, `.shape`.
    func attribute(_ name: String, of owner: Value) throws -> Value {
        func method(
            _ qualified: String, _ parameters: [String], required: Int, _ body: @escaping (Arguments) throws -> Value
        ) -> Value {
            .function(Builtin(name: qualified, parameters: parameters, required: required, body: body))
        }
        var known = [String]()
        switch owner {
        case .module("layers"):
            known = ["add", "Add"]
            if name == "Add", let add = builtins["Add"] { return add }
            if name == "add" {
                return method("layers.add", ["inputs", "name"], required: 1) { a in
                    guard case .list(let items) = try a.value("inputs").unpackable.asList else {
                        throw NotebookError.wrongArgument(
                            function: "layers.add", message: "takes a list of tensors: layers.add([x, shortcut])")
                    }
                    return .tensor(
                        try add(
                            try items.map { try Convert.tensor($0, function: "layers.add", parameter: "inputs") },
                            name: try a.optionalString("name")))
                }
            }
        case .module("image"):
            known = ["load_img", "img_to_array"]
            if name == "load_img" {
                return method("image.load_img", ["path", "target_size"], required: 1) { a in
                    let size = try a.optional("target_size").map {
                        try Convert.pair($0, function: "image.load_img", parameter: "target_size")
                    }
                    return .image(
                        try loadImage(path: try a.string("path"), targetSize: size.map { (height: $0.0, width: $0.1) }))
                }
            }
            if name == "img_to_array" {
                return method("image.img_to_array", ["img"], required: 1) { a in
                    guard case .image(let img) = try a.value("img") else {
                        throw NotebookError.wrongArgument(
                            function: "image.img_to_array", message: "takes the image image.load_img returns")
                    }
                    return .array(
                        Tensor(shape: [img.height, img.width, 3], data: img.pixels.map(Float.init)),
                        randomWeights: false)
                }
            }
        case .module("np"):
            known = ["expand_dims"]
            if name == "expand_dims" {
                return method("np.expand_dims", ["a", "axis"], required: 1) { a in
                    guard case .array(let tensor, let random) = try a.value("a") else {
                        throw NotebookError.wrongArgument(function: "np.expand_dims", message: "takes an array")
                    }
                    let axis =
                        try a.optional("axis").map {
                            try Convert.int($0, function: "np.expand_dims", parameter: "axis")
                        } ?? 0
                    guard (-tensor.shape.count - 1...tensor.shape.count).contains(axis) else {
                        throw NotebookError.wrongArgument(
                            function: "np.expand_dims",
                            message: "axis \(axis) is out of range for shape \(weightShape(tensor.shape))")
                    }
                    var shape = tensor.shape
                    shape.insert(1, at: axis < 0 ? shape.count + 1 + axis : axis)
                    return .array(Tensor(shape: shape, data: tensor.data), randomWeights: random)
                }
            }
        case .model(let handle):
            known = [
                "summary", "load_weights", "predict", "layers", "name", "input_shape", "output_shape", "count_params",
            ]
            switch name {
            case "summary":
                return method("model.summary", [], required: 0) { [unowned self] _ in
                    self.printed.append(handle.model.summary())
                    return .none
                }
            case "load_weights":
                return method("model.load_weights", ["filepath"], required: 1) { a in
                    try handle.loadWeights(.file(try a.string("filepath")))
                    return .none
                }
            case "predict":
                return method("model.predict", ["x"], required: 1) { [unowned self] a in
                    guard case .array(let input, _) = try a.value("x") else {
                        throw NotebookError.wrongArgument(
                            function: "model.predict", message: "takes an array like preprocess_input returns")
                    }
                    let engine = try handle.inferenceEngine()
                    do {
                        return .array(
                            try engine.predict(input, shouldCancel: self.shouldCancel),
                            randomWeights: handle.hasRandomWeights)
                    } catch is ForwardPassCancelled {
                        throw NotebookError.interrupted
                    }
                }
            case "name": return .string(handle.model.name)
            case "input_shape": return pythonShape(handle.model.inputShape)
            case "output_shape": return pythonShape(handle.model.outputShape)
            case "count_params":
                return method("model.count_params", [], required: 0) { _ in .integer(handle.model.parameterCount.total)
                }
            case "layers": return .list(handle.model.kerasLayerOrder.map { .layer(handle.model.nodes[$0].layer) })
            default: break
            }
        case .tensor(let t):
            known = ["shape", "name"]
            if name == "shape" { return pythonShape(t.shape) }
            if name == "name" { return .string(t.layerName) }
        case .array(let tensor, _):
            known = ["shape"]
            if name == "shape" { return .tuple(tensor.shape.map(Value.integer)) }
        case .image(let img):
            known = ["size"]
            if name == "size" { return .tuple([.integer(img.width), .integer(img.height)]) }
        default:
            break
        }
        throw NotebookError.unknownAttribute(name, of: owner.typeName, suggestions: closest(to: name, among: known))
    }
}

/// `(None, 55, 55, 64)` as a Python tuple.
func pythonShape(_ shape: Shape) -> Value { .tuple([.none] + shape.map(Value.integer)) }

extension Value {
    var asList: Value {
        if case .tuple(let items) = self { return .list(items) }
        return self
    }
}

/// The explanations errors give.
enum Teaching {
    static func identityBlockMismatch(input: Shape, filters: [Int]) -> String {
        var mainPath = input
        mainPath[mainPath.count - 1] = filters[2]
        return """
            identity_block cannot take this input: its shortcut adds the input unchanged to the main path, \
            so the input needs filters[2] = \(filters[2]) channels. Input \(kerasShape(input)), main path output \(kerasShape(mainPath)). \
            Use conv_block, whose 1x1 convolution on the shortcut changes the channels (and, with strides, the size).
            """
    }
}
