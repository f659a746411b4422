// swift-tools-version: 6.0
// reslab: build the tutorial's ResNet50 piece by piece, then run it on a real image.
import PackageDescription

let package = Package(
    name: "reslab",
    products: [
        .executable(name: "reslab", targets: ["reslab"]),
        .library(name: "ResNetCore", targets: ["ResNetCore"]),
        .library(name: "ResNetIO", targets: ["ResNetIO"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // MARK: - C libraries (Debian -dev packages), one module each, touched from one Swift file each.
        // OpenBLAS is opened at run time (see BLAS.swift) so that its CPU kernel can be chosen first:
        // this module carries only the header, never a link flag.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(
            name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(
            name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(
            name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CReadline", path: "Sources/CReadline", pkgConfig: "readline",
            providers: [.apt(["libreadline-dev"])]),

        // MARK: - reslab's own kernels in C (GEMM, Winograd transforms), compiled for AVX-512, AVX2 and portable vectors.
        // Always optimised: the debug build's tests run whole networks on it.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O2"])]),

        // MARK: - The C library, terminals, atomic file writes, XDG directories: what every target shares.
        .target(name: "Platform"),
        // MARK: - The engine: tensors, kernels, layers, the functional graph, ResNet50.
        .target(name: "ResNetCore", dependencies: ["Platform", "COpenBLAS", "CKernels"]),
        // MARK: - Files: Keras HDF5 weights, JPEG/PNG images, ImageNet labels, the weights cache.
        .target(
            name: "ResNetIO",
            dependencies: [
                "Platform", "ResNetCore", "CHDF5", "CJPEG", "CPNG", "COpenSSL",
            ],
            resources: [.copy("Resources/imagenet_class_index.json")]),
        // MARK: - The notebook: the Keras subset at the prompt, commands, lessons. Pure Swift, no readline.
        .target(name: "Notebook", dependencies: ["Platform", "ResNetCore", "ResNetIO"]),
        // MARK: - The command-line program.
        .executableTarget(
            name: "reslab",
            dependencies: [
                "Platform", "ResNetCore", "ResNetIO", "Notebook", "CReadline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // MARK: - Fuzzing: one table of the surfaces that read untrusted bytes, and the program that feeds them.
        .target(name: "Fuzzing", dependencies: ["Platform", "ResNetCore", "ResNetIO", "Notebook"]),
        .executableTarget(name: "reslab-fuzz", dependencies: ["Fuzzing", "Platform"]),

        // MARK: - Tests
        .testTarget(name: "PlatformTests", dependencies: ["Platform"]),
        .testTarget(name: "ResNetCoreTests", dependencies: ["ResNetCore"]),
        .testTarget(name: "NotebookTests", dependencies: ["Notebook", "ResNetCore", "Platform"]),
        .testTarget(
            name: "ResNetIOTests", dependencies: ["ResNetIO", "ResNetCore", "Platform"], exclude: ["Fixtures"]),
        .testTarget(name: "FuzzingTests", dependencies: ["Fuzzing"], exclude: ["Corpus"]),
        .testTarget(name: "ReslabTests", dependencies: ["reslab", "Notebook", "ResNetIO", "ResNetCore", "Platform"]),
    ],
    swiftLanguageModes: [.v6]
)
