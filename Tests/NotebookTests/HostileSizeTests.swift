import Platform
import ResNetCore
import ResNetIO
import Testing

@testable import Notebook

/// Each line asks for a size or an allocation past reslab's limits: one error, and the session goes on.
@Suite struct HostileSizeTests {
    static let reproductions = [
        "y = ZeroPadding2D((9223372036854775807, 1))(Input(shape=(8, 8, 3)))",
        "y = Conv2D(1, (1, 1), padding='same')(Input(shape=(9223372036854775807, 8, 3)))",
        "y = MaxPooling2D((9223372036854775807, 9223372036854775807), padding='same')(Input(shape=(9223372036854775807, 8, 3)))",
        "y = Flatten()(Input(shape=(10000000, 10000000, 10000000)))",
        "y = Dense(4611686018427387904)(Input(shape=(4,)))",
        "y = Conv2D(1000000000000, (3, 3))(Input(shape=(8, 8, 3)))",
        "y = Conv2D(1, (3, 3))(ZeroPadding2D((1000000000, 1000000000))(Input(shape=(8, 8, 3))))",
        "y = Conv2D(16384, (8192, 8192), padding='same')(Input(shape=(8192, 8192, 1)))",
        "y = ResNet50(classes=1000000000)",
        "img = image.load_img('Lessons/images/horse.png', target_size=(0, 0))",
        "img = image.load_img('Lessons/images/horse.png', target_size=(-5, 10))",
        "img = image.load_img('Lessons/images/horse.png', target_size=(9223372036854775807, 9223372036854775807))",
        "img = image.load_img('Lessons/images/horse.png', target_size=(100000, 100000))",
    ]

    @Test(arguments: reproductions)
    func aHostileSizeIsOneErrorAndTheSessionGoesOn(_ line: String) {
        let notebook = Notebook()
        let cell = notebook.run(line)
        #expect(cell.isError, "\(cell.output)")
        #expect(cell.output.split(separator: "\n").count == 1, "\(cell.output)")
        #expect(!notebook.run("z = Input(shape=(2, 2, 1))").isError)
    }

    @Test(arguments: [
        ["k = Input(shape=(1,))", "m = Model(k, Dense(1099511627776)(k))", "%random_weights m"],
        ["m = ResNet50(input_shape=(100000, 100000, 3))", "%random_weights m"],
    ])
    func randomWeightsPastTheMemoryBudgetAreRefused(_ lines: [String]) {
        let notebook = Notebook()
        for line in lines.dropLast() { #expect(!notebook.run(line).isError) }
        let cell = notebook.run(lines.last!)
        #expect(cell.isError && cell.output.contains("RESLAB_MEMORY_LIMIT"), "\(cell.output)")
        #expect(!notebook.run("z = Input(shape=(2, 2, 1))").isError)
    }

    @Test func predictPastTheMemoryBudgetIsRefused() {
        let notebook = Notebook()
        for line in [
            "p = Input(shape=(4, 4, 3))", "m = Model(p, ZeroPadding2D((100000, 100000))(p))", "%random_weights m",
        ] {
            #expect(!notebook.run(line).isError, "\(line)")
        }
        let x = Tensor(shape: [1, 4, 4, 3])
        notebook.interpreter.variables["x"] = .array(x, randomWeights: false)
        let cell = notebook.run("y = m.predict(x)")
        #expect(cell.isError && cell.output.contains("zero_padding2d_1 (None, 200004, 200004, 3)"), "\(cell.output)")
    }
}
