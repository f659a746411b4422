import Foundation
import ResNetCore
import ResNetIO

// The names the tutorial uses: Keras's layers and functions, numpy's expand_dims, print and str, and
// the attributes and methods of each kind of value. The evaluator (`Interpreter`) knows none of them:
// it asks the library for a global name or a member, and calls what it gets.

/// The built-in functions and member tables, with the session state they act on.
final class Library {
    /// The functional graph every `Input` and layer call of the session adds to.
    var graph = LayerGraph()
    /// What `print(...)` and `model.summary()` wrote during the cell being run.
    var printed: [String] = []
    /// The pictures drawn during the cell being run, in order.
    var pictures: [Picture] = []
    /// The model and the (preprocessed) input of the session's last forward pass, which pictures of
    /// what the network saw are drawn from.
    var lastPrediction: (model: ModelHandle, input: Tensor)?
    /// Polled during long work (a forward pass); `true` stops it.
    var shouldCancel: () -> Bool = { false }
    /// Where the tutorial's weight file is kept, used by `ResNet50()` when it is there.
    var cachedWeightsPath: String?
    /// When set and there is no cached file, `ResNet50()` gets seeded random weights (and says so).
    var randomWeightsFallbackSeed: UInt64?

    /// The cached file if it exists now (it may be downloaded while the prompt is open).
    var cachedWeights: String? {
        cachedWeightsPath.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
    }

    /// Global names: functions, modules, `None`, `True`, `False`.
    private(set) lazy var globals: [String: Value] = makeGlobals()

    /// The attributes and methods of `value`, or `nil` for a value that has none.
    func members(of value: Value) -> BoundMembers? {
        switch value {
        case .model(let handle): return modelMembers.bound(to: handle)
        case .tensor(let tensor): return tensorMembers.bound(to: tensor)
        case .array(let tensor, let random, _): return arrayMembers.bound(to: (tensor, random))
        case .image(let image): return imageMembers.bound(to: image)
        case .module(let name): return modules[name]?.bound(to: ())
        default: return nil
        }
    }
}

// MARK: - Members

/// An attribute (`model.name`) or a method (`model.summary()`) of one kind of value.
struct Member<Owner> {
    let name: String
    /// The method's parameters; `nil` for an attribute.
    let parameters: [String]?
    let required: Int
    let body: (Owner, Arguments) throws -> Value

    static func attribute(_ name: String, _ get: @escaping (Owner) throws -> Value) -> Member {
        Member(name: name, parameters: nil, required: 0) { owner, _ in try get(owner) }
    }
    static func method(
        _ name: String, _ parameters: [String] = [], required: Int = 0,
        _ body: @escaping (Owner, Arguments) throws -> Value
    ) -> Member {
        Member(name: name, parameters: parameters, required: required, body: body)
    }
}

/// The members of one kind of value: lookup, "did you mean" and Tab completion all read it.
struct MemberTable<Owner> {
    /// How the owner is named in a method's error messages: `model.predict()`.
    let ownerName: String
    let members: [Member<Owner>]

    func bound(to owner: Owner) -> BoundMembers {
        BoundMembers(
            names: members.map(\.name), methods: Set(members.filter { $0.parameters != nil }.map(\.name))
        ) { name in
            guard let member = members.first(where: { $0.name == name }) else { return nil }
            guard let parameters = member.parameters else { return try member.body(owner, Arguments.none) }
            return .function(
                Builtin(name: "\(ownerName).\(name)", parameters: parameters, required: member.required) {
                    try member.body(owner, $0)
                })
        }
    }
}

/// The members of one value.
struct BoundMembers {
    let names: [String]
    /// The names that are methods (completion adds `(`).
    let methods: Set<String>
    /// The member's value (an attribute's value, a method as a function), or `nil` if there is none.
    let resolve: (String) throws -> Value?
}

extension Library {
    private var modelMembers: MemberTable<ModelHandle> {
        MemberTable(
            ownerName: "model",
            members: [
                .method("summary") { [unowned self] handle, _ in
                    self.printed.append(handle.model.summary())
                    return .none
                },
                .method("load_weights", ["filepath"], required: 1) { [unowned self] handle, a in
                    try self.loadWeights(handle, from: try a.string("filepath"))
                    return .none
                },
                .method("predict", ["x"], required: 1) { [unowned self] handle, a in
                    let (input, _) = try a.array("x", expected: .anArrayLikePreprocessInputReturns)
                    do {
                        let output = try handle.inferenceEngine().predict(input, shouldCancel: self.shouldCancel)
                        self.lastPrediction = (handle, input)
                        return .array(output, randomWeights: handle.hasRandomWeights)
                    } catch is ForwardPassCancelled {
                        throw NotebookError.interrupted
                    }
                },
                .method("count_params") { handle, _ in .integer(handle.model.parameterCount.total) },
                .attribute("layers") { handle in
                    .list(handle.model.kerasLayerOrder.map { .layer(handle.model.nodes[$0].layer) })
                },
                .attribute("name") { .string($0.model.name) },
                .attribute("input_shape") { pythonShape($0.model.inputShape) },
                .attribute("output_shape") { pythonShape($0.model.outputShape) },
            ])
    }

    private var tensorMembers: MemberTable<KerasTensor> {
        MemberTable(
            ownerName: "tensor",
            members: [.attribute("shape") { pythonShape($0.shape) }, .attribute("name") { .string($0.layerName) }])
    }

    private var arrayMembers: MemberTable<(Tensor, Bool)> {
        MemberTable(ownerName: "array", members: [.attribute("shape") { .tuple($0.0.shape.map(Value.integer)) }])
    }

    private var imageMembers: MemberTable<RGBImage> {
        MemberTable(
            ownerName: "image", members: [.attribute("size") { .tuple([.integer($0.width), .integer($0.height)]) }])
    }

    /// `layers`, `image`, `np` and `K`, as the tutorial imports them.
    private var modules: [String: MemberTable<Void>] {
        [
            "layers": MemberTable(
                ownerName: "layers",
                members: [
                    .method("add", ["inputs", "name"], required: 1) { [unowned self] _, a in try self.add(a) },
                    .attribute("Add") { [unowned self] _ in self.globals["Add"]! },
                ]),
            "image": MemberTable(
                ownerName: "image",
                members: [
                    .method("load_img", ["path", "target_size"], required: 1) { _, a in
                        let size = try a.optionalPair("target_size")
                        return .image(
                            try loadImage(
                                path: try a.string("path"), targetSize: size.map { (height: $0.0, width: $0.1) }))
                    },
                    .method("img_to_array", ["img"], required: 1) { _, a in
                        guard case .image(let img) = try a.value("img") else {
                            throw a.wrong(.takes(.theImageLoadImgReturns))
                        }
                        return .array(
                            Tensor(shape: [img.height, img.width, 3], data: img.pixels.map(Float.init)),
                            randomWeights: false)
                    },
                ]),
            "np": MemberTable(
                ownerName: "np",
                members: [
                    .method("expand_dims", ["a", "axis"], required: 1) { _, a in
                        guard case .array(let tensor, let random, let preprocessed) = try a.value("a") else {
                            throw a.wrong(.takes(.anArray))
                        }
                        let axis = try a.int("axis", default: 0)
                        guard (-tensor.shape.count - 1...tensor.shape.count).contains(axis) else {
                            throw a.wrong(.axisOutOfRange(axis, shape: weightShape(tensor.shape)))
                        }
                        var shape = tensor.shape
                        shape.insert(1, at: axis < 0 ? shape.count + 1 + axis : axis)
                        return .array(
                            Tensor(shape: shape, data: tensor.data), randomWeights: random, preprocessed: preprocessed)
                    }
                ]),
            "K": MemberTable(ownerName: "K", members: []),
        ]
    }

    /// `model.load_weights(path)`. The tutorial's file, named as the tutorial names it, is also found in
    /// reslab's cache; where it is nowhere, the model stays without weights (or, when the session has a
    /// fallback seed, gets random ones) and a note says what to do, so that the tutorial's code goes on.
    private func loadWeights(_ handle: ModelHandle, from path: String) throws {
        let isTutorialFile = (path as NSString).lastPathComponent == WeightsCache.fileName
        guard isTutorialFile, !FileManager.default.fileExists(atPath: path) else {
            return try handle.loadWeights(.file(path))
        }
        if let cached = cachedWeights {
            printed.append(Message.usingCachedWeights(path: path, cached: cached).localized)
            return try handle.loadWeights(.cachedTutorialFile(cached))
        }
        if let seed = randomWeightsFallbackSeed {
            printed.append(Message.weightsFileRandom(path: path, seed: seed).localized)
            return try handle.loadWeights(.random(seed: seed))
        }
        printed.append(Message.weightsFileNowhere(path).localized)
    }

    /// `layers.add([x, shortcut])`, also reachable as `add` after `from keras.layers import add`.
    private func add(_ a: Arguments) throws -> Value {
        guard case .tuple(let items) = try a.value("inputs").unpackable else {
            throw a.wrong(.takes(.aListOfTensors))
        }
        return .tensor(
            try ResNetCore.add(
                try items.map { try Convert.tensor($0, function: a.function, parameter: "inputs") },
                name: try a.optionalString("name")))
    }
}

// MARK: - Global functions

extension Library {
    private func makeGlobals() -> [String: Value] {
        var names = [String: Value]()
        func define(
            _ name: String, _ parameters: [String], required: Int = 0, _ body: @escaping (Arguments) throws -> Value
        ) {
            names[name] = .function(Builtin(name: name, parameters: parameters, required: required, body: body))
        }

        // MARK: Layers (each returns a layer, which is then called on a tensor)
        define("Input", ["shape", "name"], required: 1) { [unowned self] a in
            .tensor(
                try ResNetCore.Input(shape: try a.ints("shape"), name: try a.optionalString("name"), in: self.graph))
        }
        define(
            "Conv2D", ["filters", "kernel_size", "strides", "padding", "activation", "use_bias", "name"], required: 2
        ) {
            a in
            .layer(
                Conv2D(
                    try a.int("filters"), kernelSize: try a.pair("kernel_size"),
                    strides: try a.pair("strides", default: (1, 1)),
                    padding: try a.padding(), useBias: try a.bool("use_bias", default: true),
                    activation: try a.activation(),
                    name: try a.optionalString("name")))
        }
        define("BatchNormalization", ["axis", "epsilon", "name"]) { a in
            let axis = try a.int("axis", default: -1)
            guard axis == -1 || axis == 3 else {
                throw a.wrong(.batchNormalizationAxis)
            }
            return .layer(
                BatchNormalization(
                    epsilon: Float(try a.positive("epsilon", default: 1e-3)), name: try a.optionalString("name")))
        }
        define("Activation", ["activation", "name"], required: 1) { a in
            .layer(Activation(try a.activation(), name: try a.optionalString("name")))
        }
        define("ZeroPadding2D", ["padding", "name"]) { a in
            let name = try a.optionalString("name")
            guard let value = a.optional("padding") else { return .layer(ZeroPadding2D(name: name)) }
            if case .tuple(let items) = value.unpackable, items.count == 2, case .tuple = items[0].unpackable {
                let rows = try Convert.pair(items[0], function: a.function, parameter: "padding")
                let columns = try Convert.pair(items[1], function: a.function, parameter: "padding")
                return .layer(ZeroPadding2D(padding: (rows, columns), name: name))
            }
            return .layer(ZeroPadding2D(padding: try a.pair("padding"), name: name))
        }
        for (name, isMax) in [("MaxPooling2D", true), ("AveragePooling2D", false)] {
            define(name, ["pool_size", "strides", "padding", "name"]) { a in
                let poolSize = try a.pair("pool_size", default: (2, 2))
                let strides = try a.optionalPair("strides")
                let padding = try a.padding()
                let layerName = try a.optionalString("name")
                return isMax
                    ? .layer(MaxPooling2D(poolSize: poolSize, strides: strides, padding: padding, name: layerName))
                    : .layer(AveragePooling2D(poolSize: poolSize, strides: strides, padding: padding, name: layerName))
            }
        }
        define("GlobalAveragePooling2D", ["name"]) { a in
            .layer(GlobalAveragePooling2D(name: try a.optionalString("name")))
        }
        define("Flatten", ["name"]) { a in .layer(Flatten(name: try a.optionalString("name"))) }
        define("Dense", ["units", "activation", "name"], required: 1) { a in
            .layer(Dense(try a.int("units"), activation: try a.activation(), name: try a.optionalString("name")))
        }
        define("Add", ["name"]) { a in .layer(Add(name: try a.optionalString("name"))) }
        define("add", ["inputs", "name"], required: 1) { [unowned self] a in try self.add(a) }

        // MARK: Blocks and models
        define("identity_block", ["input_tensor", "kernel_size", "filters", "stage", "block"], required: 5) { a in
            let input = try a.tensor("input_tensor")
            let filters = try a.ints("filters")
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
                    try a.tensor("input_tensor"), kernelSize: try a.int("kernel_size"), filters: try a.ints("filters"),
                    stage: try a.int("stage"), block: try a.string("block"),
                    strides: try a.pair("strides", default: (2, 2))))
        }
        define("ResNet50", ["input_shape", "classes"]) { [unowned self] a in
            let shape = try a.ints("input_shape", default: [224, 224, 3])
            let classes = try a.int("classes", default: 1000)
            let model = try ResNetCore.ResNet50(inputShape: shape, classes: classes, in: self.graph)
            // As the tutorial's ResNet50() loads its weight file; read lazily, on the first predict.
            guard shape == [224, 224, 3] && classes == 1000 else { return .model(ModelHandle(model: model)) }
            if let path = self.cachedWeights {
                return .model(ModelHandle(model: model, weightsSource: .cachedTutorialFile(path)))
            }
            if let seed = self.randomWeightsFallbackSeed {
                self.printed.append(Message.resNet50Random(seed: seed).localized)
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
        define("print", ["*args"]) { [unowned self] a in
            self.printed.append(a.rest.map(\.text).joined(separator: " "))
            return .none
        }
        define("str", ["object"], required: 1) { a in .string(try a.value("object").text) }
        define("len", ["object"], required: 1) { a in
            switch try a.value("object") {
            case .string(let s): return .integer(s.count)
            case .tuple(let items), .list(let items): return .integer(items.count)
            case let other: throw NotebookError.typeMismatch(Message.noLen(other.typeName).localized)
            }
        }
        define("range", ["start", "stop", "step"], required: 1) { a in
            var (start, stop) = (0, try a.int("start"))
            if a.optional("stop") != nil { (start, stop) = (stop, try a.int("stop")) }
            let step = try a.int("step", default: 1)
            guard step != 0 else { throw a.wrong(.stepZero) }
            let count = step > 0 ? (stop - start + step - 1) / step : (start - stop - step - 1) / -step
            guard count <= 1_000_000 else { throw a.wrong(.rangeTooLong) }
            return .list(stride(from: start, to: stop, by: step).map(Value.integer))
        }
        define("int", ["x"], required: 1) { a in
            switch try a.value("x") {
            case .integer(let i): return .integer(i)
            case .bool(let b): return .integer(b ? 1 : 0)
            case .float(let f) where f.isFinite && abs(f) < 9e18: return .integer(Int(f))
            case .string(let s) where Int(s.trimmingWhitespace()) != nil: return .integer(Int(s.trimmingWhitespace())!)
            case let other: throw Convert.wrong(other, .aNumberOrDigits, a.function, "x")
            }
        }
        define("float", ["x"], required: 1) { a in
            let value = try a.value("x")
            if let number = value.asNumber { return .float(number) }
            if case .string(let s) = value, let number = Double(s.trimmingWhitespace()) { return .float(number) }
            throw Convert.wrong(value, .aNumberOrDigits, a.function, "x")
        }
        define("help", ["object"], required: 1) { [unowned self] a in
            self.printed.append(Self.help(for: try a.value("object")))
            return .none
        }
        names["None"] = Value.none
        names["True"] = .bool(true)
        names["False"] = .bool(false)
        // The tutorial's main part runs under `if __name__ == '__main__':`.
        names["__name__"] = .string("__main__")

        // MARK: Modules and the prediction helpers
        for module in ["layers", "image", "np", "K"] { names[module] = .module(module) }
        define("preprocess_input", ["x"], required: 1) { a in
            let (tensor, random) = try a.array("x", expected: .anArrayOfRGBImages)
            guard tensor.shape.last == 3 else {
                throw a.wrong(.takes(.anArrayOfRGBImages))
            }
            return .array(preprocessInput(tensor), randomWeights: random, preprocessed: true)
        }
        define("decode_predictions", ["preds", "top"], required: 1) { a in
            let (tensor, random) = try a.array("preds", expected: .theArrayPredictReturns)
            return .predictions(
                try ImageNetLabels.bundled().decodePredictions(tensor, top: try a.int("top", default: 5)),
                randomWeights: random)
        }
        return names
    }
}

extension Library {
    /// `help(x)`: the documentation of a built-in, the parameters of the learner's own function, or what
    /// a value is.
    static func help(for value: Value) -> String {
        switch value {
        case .function(let builtin):
            return Documentation.entry(for: builtin.name)?.text
                ?? "\(builtin.name)(\(builtin.parameters.joined(separator: ", ")))"
        case .userFunction(let function):
            let parameters = function.definition.parameters.map { $0.name + ($0.defaultValue == nil ? "" : "=…") }
            return Message.yourFunction(
                "\(function.name)(\(parameters.joined(separator: ", ")))", line: function.definition.line
            ).localized
        case .layer(let layer):
            let kind = type(of: layer).kerasClassName
            return Documentation.entry(for: kind)?.text ?? value.representation
        case .module(let name):
            let members = Documentation.entries.keys.filter { $0.hasPrefix(name + ".") }.sorted()
            return Message.moduleMembers(name, members: members.joined(separator: ", ")).localized
        default:
            return "\(value.typeName): \(value.representation.prefix(200))"
        }
    }
}

/// `(None, 55, 55, 64)` as a Python tuple.
func pythonShape(_ shape: Shape) -> Value { .tuple([.none] + shape.map(Value.integer)) }

/// The explanations errors give.
enum Teaching {
    static func identityBlockMismatch(input: Shape, filters: [Int]) -> String {
        var mainPath = input
        mainPath[mainPath.count - 1] = filters[2]
        return Message.identityBlockMismatch(
            filters: filters[2], input: kerasShape(input), mainPath: kerasShape(mainPath)
        ).localized
    }
}
