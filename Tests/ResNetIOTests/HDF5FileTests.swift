import Foundation
import Testing

@testable import ResNetIO

/// The internal wrapper around the HDF5 C library, on the committed fixtures.
@Suite struct HDF5FileTests {
    @Test func fixedLengthStringArrayAttributeIsReadWithoutPadding() throws {
        let file = try HDF5File(path: Fixtures.path("legacy_fixed.h5"))
        #expect(
            try file.stringsAttribute("layer_names")
                == ["input_1", "conv1", "bn_conv1", "activation_1", "flatten_1", "fc1000"])
        #expect(try file.stringsAttribute("weight_names", on: "conv1") == ["conv1_W:0", "conv1_b:0"])
    }

    @Test func variableLengthStringAttributesAreRead() throws {
        let file = try HDF5File(path: Fixtures.path("full_model.h5"))
        #expect(
            try file.stringsAttribute("layer_names", on: "model_weights")
                == ["input_1", "conv1_conv", "conv1_bn", "predictions"])
        #expect(try file.stringsAttribute("keras_version") == ["2.21.0"])  // a scalar attribute
    }

    @Test func emptyNumericAttributeReadsAsNoStrings() throws {
        // Keras writes an empty weight_names as np.asarray([]): float64, shape (0,).
        let file = try HDF5File(path: Fixtures.path("legacy_fixed.h5"))
        #expect(try file.stringsAttribute("weight_names", on: "input_1") == [])
    }

    @Test func missingAttributeAndObjectAreDistinctErrors() throws {
        let file = try HDF5File(path: Fixtures.path("legacy_fixed.h5"))
        #expect(!file.hasAttribute("nope"))
        #expect(!file.hasAttribute("weight_names", on: "no/such/group"))
        #expect(throws: HDF5Error.noSuchAttribute(object: "/", name: "nope")) { try file.stringsAttribute("nope") }
        #expect(throws: HDF5Error.noSuchObject("a/b")) { try file.stringsAttribute("x", on: "a/b") }
        #expect(throws: HDF5Error.noSuchObject("conv1/nope")) { try file.readFloats("conv1/nope") }
        #expect(throws: HDF5Error.noSuchObject("conv1")) { try file.readFloats("conv1") }  // a group
    }

    @Test func numericAttributeIsNotReadAsStrings() throws {
        let file = try HDF5File(path: Fixtures.path("not_keras.h5"))
        #expect(try file.stringsAttribute("comment") == ["plain HDF5, no layer_names"])
        #expect(file.objectKind("data") == .dataset)
        #expect(try file.readFloats("data").shape == [4])
    }

    @Test func objectKindsFollowNestedPaths() throws {
        let file = try HDF5File(path: Fixtures.path("nested_vlen.h5"))
        #expect(file.objectKind("conv1_conv") == .group)
        #expect(file.objectKind("conv1_conv/conv1_conv") == .group)
        #expect(file.objectKind("conv1_conv/conv1_conv/kernel:0") == .dataset)
        #expect(file.objectKind("conv1_conv/missing/kernel:0") == nil)
        #expect(file.objectKind("conv1_conv/conv1_conv/kernel:0/deeper") == nil)
    }

    @Test func floatDatasetsOfEveryWidthReadAsFloat32WithTheirShape() throws {
        let file = try HDF5File(path: Fixtures.path("nested_vlen.h5"))
        let kernel = try file.readFloats("conv1_conv/conv1_conv/kernel:0")
        #expect(kernel.shape == [2, 2, 1, 2])
        #expect(kernel.data == Fixtures.values(8, start: 0))
        #expect(try file.readFloats("conv1_bn/conv1_bn/moving_mean:0").data == [3, 3.5])  // float64
        #expect(try file.readFloats("conv1_bn/conv1_bn/moving_variance:0").data == [4, 4.5])  // float16
    }

    @Test func notHDF5AndTruncatedFilesFailToOpenDifferently() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let text = dir.file("text.h5")
        try (Data("hello, not hdf5\n".utf8)).write(to: URL(fileURLWithPath: text))
        #expect(throws: HDF5Error.notHDF5) { try HDF5File(path: text) }

        let whole = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("nested_vlen.h5")))
        let half = dir.file("half.h5")
        try (whole.prefix(whole.count / 2)).write(to: URL(fileURLWithPath: half))
        #expect(throws: HDF5Error.cannotOpen) { try HDF5File(path: half) }
    }

    @Test func theFileIsClosedWhenTheObjectGoesAway() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // A private copy, so that no other test has this path open.
        let path = dir.file("mine.h5")
        try FileManager.default.copyItem(atPath: Fixtures.path("legacy_fixed.h5"), toPath: path)
        func openDescriptors() -> Int {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            return fds.filter {
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)) == path
            }.count
        }
        do {
            let file = try HDF5File(path: path)
            #expect(openDescriptors() == 1)
            _ = try file.readFloats("conv1/conv1_W:0")
        }
        #expect(openDescriptors() == 0)
    }
}

/// What a dataset's header declares is read, and checked, without reading its values (`hostile.h5`).
@Suite struct HDF5DatasetHeaderTests {
    let file: HDF5File
    init() throws { file = try HDF5File(path: Fixtures.path("hostile.h5")) }

    @Test func hugeDeclaredShapesAreReadFromTheHeaderAlone() throws {
        #expect(try file.datasetShape("huge_chunked/huge_chunked_W:0") == [1 << 31, 1 << 31])
        #expect(try file.datasetShape("huge_contiguous/huge_contiguous_W:0") == [1 << 33])
        #expect(try file.datasetShape("null_space/null_space_W:0") == [0])
    }

    @Test func aDatasetIsReadOnlyWithTheShapeItsHeaderDeclares() throws {
        let path = "nan_bias/nan_bias_W:0"
        #expect(try file.readFloats(path, shape: [3, 4]).count == 12)
        #expect(throws: HDF5Error.shapeDiffers(object: path, found: [3, 4])) { try file.readFloats(path, shape: [12]) }
    }

    @Test func declaringMoreValuesThanCanBeReadIsRefusedBeforeReading() {
        let chunked = "huge_chunked/huge_chunked_W:0"
        #expect(throws: HDF5Error.tooLarge(object: chunked)) { try file.readFloats(chunked) }
        #expect(throws: HDF5Error.tooLarge(object: chunked)) {
            try file.readFloats(chunked, shape: [1 << 31, 1 << 31])
        }
        let contiguous = "huge_contiguous/huge_contiguous_W:0"
        #expect(throws: HDF5Error.tooLarge(object: contiguous)) { try file.readFloats(contiguous) }
    }

    @Test func chunksTooLargeToAllocateAreRefusedFromTheHeader() {
        let path = "huge_chunks/huge_chunks_W:0"
        #expect(throws: HDF5Error.tooLarge(object: path)) { try file.datasetShape(path) }
    }

    @Test func elementCountsThatOverflowAreNil() {
        #expect(HDF5File.elementCount([]) == 1)
        #expect(HDF5File.elementCount([2, 0, 5]) == 0)
        #expect(HDF5File.elementCount([1 << 31, 1 << 31]) == 1 << 62)
        #expect(HDF5File.elementCount([1 << 32, 1 << 32]) == nil)
        #expect(HDF5File.elementCount([-1]) == nil)
    }
}
