import Foundation
import Platform
import ResNetCore

/// Where the tutorial's ResNet50 weights live on this machine, and how to check them.
///
/// The cache directory is `$XDG_CACHE_HOME/reslab`, or `~/.cache/reslab` when `XDG_CACHE_HOME` is
/// unset, empty or relative (as the XDG spec asks); the file keeps its original name.
public enum WeightsCache {
    /// The file name of the tutorial's weights (with the classifier top).
    public static let fileName = "resnet50_weights_tf_dim_ordering_tf_kernels.h5"

    /// Where the tutorial downloads the weights from (GitHub redirects to its storage host).
    public static let tutorialURL = URL(
        string: "https://github.com/fchollet/deep-learning-models/releases/download/v0.2/" + fileName)!

    /// The md5 of the tutorial's weight file, as published with it.
    public static let tutorialMD5 = "a7b3fe01876f51b976af0dea6bc144eb"

    /// The cache directory, computed from the environment each time it is asked for.
    public static var directory: String {
        directory(environment: ProcessInfo.processInfo.environment)
    }

    /// The cache directory for a given environment (`XDG_CACHE_HOME`, `HOME`); under /tmp when no home
    /// directory is known at all.
    public static func directory(environment: [String: String]) -> String {
        (XDG.cacheHome(environment: environment) ?? "/tmp") + "/reslab"
    }

    /// The full path of the cached tutorial weights (whether or not the file exists yet).
    public static var defaultWeightsPath: String { directory + "/" + fileName }

    /// The md5 of the file at `path`, as 32 lowercase hex digits, read in 4 MB pieces.
    public static func md5(ofFileAt path: String) throws(WeightsError) -> String {
        let descriptor = try WeightsError.openRegularFile(path).descriptor
        defer { close(descriptor) }
        let hash = try MD5()
        var chunk = [UInt8](repeating: 0, count: 4 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadableFile(path: path, reason: errnoText())
            }
            if count == 0 { break }
            chunk.withUnsafeBytes { hash.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
        return hash.finalize()
    }

    /// Checks that the file at `path` has md5 `expectedMD5` (any letter case) and returns its md5.
    /// - Throws: `.fileNotFound`, `.unreadableFile`, or `.checksumMismatch` naming both digests.
    @discardableResult
    public static func verify(path: String, expectedMD5: String = tutorialMD5) throws(WeightsError) -> String {
        let actual = try md5(ofFileAt: path)
        guard actual == expectedMD5.lowercased() else {
            throw .checksumMismatch(path: path, actual: actual, expected: expectedMD5.lowercased())
        }
        return actual
    }

    /// Checks the file at `path` as `reslab weights verify` does: its md5 first and, when that differs,
    /// whether it is still a whole ResNet50 weight file (every weight of the variant its layer names tell
    /// reads, with the shape that network needs). That tells a valid file of another origin (retrained,
    /// converted, keras.applications') from a damaged one; damage that leaves every weight readable counts
    /// as another file, which is still not the expected one.
    /// - Returns: the md5, when it is `expectedMD5` (any letter case).
    /// - Throws: `.otherResNet50File` naming the variant and both digests when the file loads as a ResNet50;
    ///   `.checksumMismatch` with the reader's reason when it does not; `.fileNotFound`, `.unreadableFile`.
    ///   A `ShapeError` would mean the built-in network itself does not build.
    @discardableResult
    public static func verifyResNet50(path: String, expectedMD5: String = tutorialMD5) throws -> String {
        let expected = expectedMD5.lowercased()
        let actual = try md5(ofFileAt: path)
        guard actual != expected else { return actual }
        func damaged(_ reason: Bilingual) -> WeightsError {
            .checksumMismatch(path: path, actual: actual, expected: expected, reason: reason)
        }
        let file: KerasWeightsFile
        do { file = try KerasWeightsFile(path: path) } catch { throw damaged(error.readingReasonText ?? error.text) }
        guard let variant = file.resNet50Variant else {
            throw damaged(
                Bilingual(
                    "no layer named res2a_branch2a or conv2_block1_1_conv",
                    "没有叫 res2a_branch2a 或 conv2_block1_1_conv 的层"))
        }
        let model = try variant.build()
        do { _ = try file.weights(for: model) } catch { throw damaged(error.readingReasonText ?? error.text) }
        throw WeightsError.otherResNet50File(path: path, variant: variant, actual: actual, expected: expected)
    }
}
