import ResNetCore

/// Everything that can go wrong with a weight file: reading it, matching it against the model,
/// verifying it, downloading it. Each case carries the facts; `description` is one line that names
/// the file (and the layer and shapes where relevant).
public enum WeightsError: Error, CustomStringConvertible, Sendable, Equatable {
    // MARK: Reading a Keras HDF5 weight file

    /// Nothing exists at `path`.
    case fileNotFound(path: String)
    /// The file exists but cannot be read (a directory, no permission, …).
    case unreadableFile(path: String, reason: String)
    /// The file does not carry the HDF5 signature.
    case notHDF5(path: String)
    /// HDF5 signature present, but the library cannot open or read it. `detail` says what failed, if known.
    case corruptFile(path: String, detail: String?)
    /// A valid HDF5 file without the root (or `model_weights`) attribute `layer_names`.
    case notKerasWeightsFile(path: String)
    /// The file has no layer called `layer`.
    case missingLayer(path: String, layer: String)
    /// The layer's `weight_names` lists `weightName`, but no dataset by that name exists.
    case missingWeight(path: String, layer: String, weightName: String)
    /// The weight is not a numeric dataset.
    case unsupportedWeightType(path: String, layer: String, weightName: String)

    // MARK: Matching the file against the model (checked by ResNetCore's `ModelWeights.check`, raised by the reader)

    /// The layer holds `found` weights where the model expects `expected`.
    case wrongWeightCount(path: String, layer: String, found: Int, expected: Int)
    /// Weight number `index` (0-based, `weight_names` order) of `layer` has the wrong shape.
    case shapeMismatch(path: String, layer: String, index: Int, found: [Int], expected: [Int])

    // MARK: Verifying and downloading

    /// An existing file's md5 is `actual`, not `expected`; `reason`, when known, is why it does not read as
    /// a ResNet50 weight file (e.g. "truncated or corrupt HDF5 file").
    case checksumMismatch(path: String, actual: String, expected: String, reason: String? = nil)
    /// The md5 is `actual`, not `expected`, but every weight of the `variant` ResNet50 reads with the right
    /// shapes: a whole weight file, just not the one expected.
    case otherResNet50File(path: String, variant: ResNet50Variant, actual: String, expected: String)
    /// A downloaded file's md5 is `actual`, not `expected`; nothing was saved.
    case downloadChecksumMismatch(url: String, actual: String, expected: String)
    /// The server answered with a non-2xx HTTP status.
    case httpStatus(url: String, status: Int)
    /// No connection could be made to `host:port`; `reason` is e.g. "connection refused".
    case cannotConnect(host: String, port: Int?, reason: String)
    /// The connection ended after `received` of `expected` bytes.
    case shortDownload(url: String, received: Int64, expected: Int64)
    /// The download was cancelled.
    case downloadCancelled(url: String)
    /// Any other network failure while downloading.
    case networkFailure(url: String, reason: String)
    /// A local file-system failure while downloading (cannot create the directory, disk full, …).
    case downloadStorage(path: String, reason: String)
    /// The system's libcrypto will not compute MD5 (a FIPS-only configuration), so no file can be checked.
    case md5Unavailable

    /// One line, naming the file or the URL.
    public var description: String {
        switch self {
        case .fileNotFound(let path), .unreadableFile(let path, _), .notHDF5(let path), .corruptFile(let path, _),
            .notKerasWeightsFile(let path), .missingLayer(let path, _), .missingWeight(let path, _, _),
            .unsupportedWeightType(let path, _, _), .wrongWeightCount(let path, _, _, _),
            .shapeMismatch(let path, _, _, _, _):
            return "cannot read weights '\(path)': " + (readingReason ?? "")
        case .checksumMismatch(let path, let actual, let expected, nil):
            return
                "weights '\(path)' are damaged: md5 is \(actual), expected \(expected); delete the file to download it again"
        case .checksumMismatch(let path, let actual, let expected, let reason?):
            return "weights '\(path)' are damaged or not a ResNet50 weight file: md5 is \(actual), expected "
                + "\(expected), and the file does not load (\(reason)); delete the file to download it again"
        case .otherResNet50File(let path, let variant, let actual, let expected):
            let which = expected == WeightsCache.tutorialMD5 ? "the tutorial's file" : "the expected file"
            return "'\(path)' is a valid ResNet50 weight file (variant \(variant.rawValue)), but not \(which): "
                + "md5 is \(actual), expected \(expected); --weights can still use it"
        case .downloadChecksumMismatch(_, let actual, let expected):
            return "download failed: md5 of the downloaded file is \(actual), expected \(expected); nothing was saved"
        case .httpStatus(let url, let status):
            return "download failed: HTTP \(status) from \(url)"
        case .cannotConnect(let host, let port, let reason):
            return "download failed: cannot connect to \(host)\(port.map { ":\($0)" } ?? "") (\(reason))"
        case .shortDownload(let url, let received, let expected):
            return
                "download failed: connection closed after \(received) of \(expected) bytes from \(url); nothing was saved"
        case .downloadCancelled:
            return "download cancelled; nothing was saved"
        case .networkFailure(let url, let reason):
            return "download failed: \(reason) (\(url)); nothing was saved"
        case .downloadStorage(let path, let reason):
            return "download failed: cannot write '\(path)': \(reason); nothing was saved"
        case .md5Unavailable:
            return "cannot check the weight file: this system's libcrypto refuses MD5 (is it configured for FIPS only?)"
        }
    }

    /// Why a weight file could not be read or does not fit the model, without the file's name
    /// (`not an HDF5 file`); `nil` for the errors of verifying and downloading.
    public var readingReason: String? {
        switch self {
        case .fileNotFound:
            return "no such file"
        case .unreadableFile(_, let reason):
            return reason
        case .notHDF5:
            return "not an HDF5 file"
        case .corruptFile(_, let detail):
            return "truncated or corrupt HDF5 file" + (detail.map { " (\($0))" } ?? "")
        case .notKerasWeightsFile:
            return "not a Keras weight file (no 'layer_names' attribute)"
        case .missingLayer(let path, let layer):
            if Self.looksLikeNoTop(path: path, layer: layer) {
                return "no layer '\(layer)' — this looks like a \"_notop\" file "
                    + "without the classifier top; use the file with the top"
            }
            return "no layer '\(layer)'"
        case .missingWeight(_, let layer, let weightName):
            return "layer '\(layer)' lists weight '\(weightName)' but the file has no such dataset"
        case .unsupportedWeightType(_, let layer, let weightName):
            return "layer '\(layer)' weight '\(weightName)' is not numeric"
        case .wrongWeightCount(_, let layer, let found, let expected):
            return "layer '\(layer)' has \(found) weight\(found == 1 ? "" : "s"), expected \(expected)"
        case .shapeMismatch(_, let layer, let index, let found, let expected):
            return "layer '\(layer)' weight \(index) has shape \(weightShape(found)), expected \(weightShape(expected))"
        default:
            return nil
        }
    }

    /// What ResNetCore's weight check found, as the file reader reports it: naming the file.
    init(_ mismatch: WeightsMismatch, path: String) {
        switch mismatch {
        case .missingLayer(let layer):
            self = .missingLayer(path: path, layer: layer)
        case .wrongCount(let layer, let expected, let found):
            self = .wrongWeightCount(path: path, layer: layer, found: found, expected: expected)
        case .wrongShape(let layer, let index, _, let expected, let found):
            self = .shapeMismatch(path: path, layer: layer, index: index, found: found, expected: expected)
        }
    }

    /// A missing classifier layer (`fc1000` in the 2016 file, `predictions` in Keras 2 files), or a
    /// file named `…notop…`, means the user picked the weights without the top.
    static func looksLikeNoTop(path: String, layer: String) -> Bool {
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        return ["fc1000", "predictions"].contains(layer) || fileName.lowercased().contains("notop")
    }
}
