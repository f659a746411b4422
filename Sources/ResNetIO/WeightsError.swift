import Platform
import ResNetCore

/// Everything that can go wrong with a weight file: reading it, matching it against the model,
/// verifying it, downloading it. Each case carries the facts; `description` is one line that names
/// the file (and the layer and shapes where relevant).
public enum WeightsError: Error, CustomStringConvertible, Sendable, Equatable {
    // MARK: Reading a Keras HDF5 weight file

    /// Nothing exists at `path`.
    case fileNotFound(path: String)
    /// The file exists but cannot be read (a directory, no permission, …).
    case unreadableFile(path: String, reason: Bilingual)
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
    case checksumMismatch(path: String, actual: String, expected: String, reason: Bilingual? = nil)
    /// The md5 is `actual`, not `expected`, but every weight of the `variant` ResNet50 reads with the right
    /// shapes: a whole weight file, just not the one expected.
    case otherResNet50File(path: String, variant: ResNet50Variant, actual: String, expected: String)
    /// A downloaded file's md5 is `actual`, not `expected`; nothing was saved.
    case downloadChecksumMismatch(url: String, actual: String, expected: String)
    /// The server answered with a non-2xx HTTP status.
    case httpStatus(url: String, status: Int)
    /// No connection could be made to `host:port`; `reason` is e.g. "connection refused".
    case cannotConnect(host: String, port: Int?, reason: Bilingual)
    /// The connection ended after `received` of `expected` bytes.
    case shortDownload(url: String, received: Int64, expected: Int64)
    /// The download was cancelled.
    case downloadCancelled(url: String)
    /// Any other network failure while downloading.
    case networkFailure(url: String, reason: Bilingual)
    /// A local file-system failure while downloading (cannot create the directory, disk full, …).
    case downloadStorage(path: String, reason: Bilingual)
    /// The system's libcrypto will not compute MD5 (a FIPS-only configuration), so no file can be checked.
    case md5Unavailable

    // MARK: Values and sizes the file declares (checked before anything downstream sees them)

    /// The header of `layer`'s weight `weightName` declares more values (or larger chunks) than can be read.
    case weightTooLarge(path: String, layer: String, weightName: String)
    /// `layer`'s weight `weightName` holds a value that is not a finite number, the first at flat `position`.
    case nonFiniteWeight(path: String, layer: String, weightName: String, position: Int, value: NonFiniteValue)

    /// One line, naming the file or the URL, in the learner's language.
    public var description: String { Language.current.pick(text) }

    /// The error in English and in Chinese.
    public var text: Bilingual {
        switch self {
        case .fileNotFound(let path), .unreadableFile(let path, _), .notHDF5(let path), .corruptFile(let path, _),
            .notKerasWeightsFile(let path), .missingLayer(let path, _), .missingWeight(let path, _, _),
            .unsupportedWeightType(let path, _, _), .wrongWeightCount(let path, _, _, _),
            .shapeMismatch(let path, _, _, _, _), .weightTooLarge(let path, _, _),
            .nonFiniteWeight(let path, _, _, _, _):
            let why = readingReasonText ?? Bilingual("", "")
            return Bilingual("cannot read weights '\(path)': " + why.en, "读不了权重文件 '\(path)'：" + why.zh)
        case .checksumMismatch(let path, let actual, let expected, nil):
            return Bilingual(
                "weights '\(path)' are damaged: md5 is \(actual), expected \(expected); "
                    + "delete the file to download it again",
                "权重文件 '\(path)' 已损坏：md5 是 \(actual)，应该是 \(expected)；删掉这个文件就会重新下载"
            )
        case .checksumMismatch(let path, let actual, let expected, let reason?):
            return Bilingual(
                "weights '\(path)' are damaged or not a ResNet50 weight file: md5 is \(actual), expected "
                    + "\(expected), and the file does not load (\(reason.en)); delete the file to download it again",
                "权重文件 '\(path)' 已损坏，或者不是 ResNet50 的权重：md5 是 \(actual)，应该是 \(expected)，"
                    + "而且读不进来（\(reason.zh)）；删掉这个文件就会重新下载"
            )
        case .otherResNet50File(let path, let variant, let actual, let expected):
            let tutorial = expected == WeightsCache.tutorialMD5
            return Bilingual(
                "'\(path)' is a valid ResNet50 weight file (variant \(variant.rawValue)), but not "
                    + (tutorial ? "the tutorial's file" : "the expected file")
                    + ": md5 is \(actual), expected \(expected); --weights can still use it",
                "'\(path)' 是完好的 ResNet50 权重文件（\(variant.rawValue) 版），但不是"
                    + (tutorial ? "教程用的那个文件" : "要的那个文件")
                    + "：md5 是 \(actual)，应该是 \(expected)；仍然可以用 --weights 指定它"
            )
        case .downloadChecksumMismatch(_, let actual, let expected):
            return Bilingual(
                "download failed: md5 of the downloaded file is \(actual), expected \(expected); nothing was saved",
                "下载失败：下载到的文件 md5 是 \(actual)，应该是 \(expected)；什么也没有保存"
            )
        case .httpStatus(let url, let status):
            return Bilingual("download failed: HTTP \(status) from \(url)", "下载失败：\(url) 返回 HTTP \(status)")
        case .cannotConnect(let host, let port, let reason):
            let place = host + (port.map { ":\($0)" } ?? "")
            return Bilingual(
                "download failed: cannot connect to \(place) (\(reason.en))", "下载失败：连不上 \(place)（\(reason.zh)）"
            )
        case .shortDownload(let url, let received, let expected):
            return Bilingual(
                "download failed: connection closed after \(received) of \(expected) bytes from \(url); "
                    + "nothing was saved",
                "下载失败：从 \(url) 收到 \(received) 字节（共 \(expected) 字节）后连接断开；什么也没有保存"
            )
        case .downloadCancelled:
            return Bilingual("download cancelled; nothing was saved", "下载已取消；什么也没有保存")
        case .networkFailure(let url, let reason):
            return Bilingual(
                "download failed: \(reason.en) (\(url)); nothing was saved", "下载失败：\(reason.zh)（\(url)）；什么也没有保存"
            )
        case .downloadStorage(let path, let reason):
            return Bilingual(
                "download failed: cannot write '\(path)': \(reason.en); nothing was saved",
                "下载失败：写不了 '\(path)'：\(reason.zh)；什么也没有保存"
            )
        case .md5Unavailable:
            return Bilingual(
                "cannot check the weight file: this system's libcrypto refuses MD5 (is it configured for FIPS only?)",
                "无法校验权重文件：这台机器的 libcrypto 不肯算 MD5（是不是只开了 FIPS 模式？）"
            )
        }
    }

    /// Why a weight file could not be read or does not fit the model, without the file's name
    /// (`not an HDF5 file`), in the learner's language; `nil` for the errors of verifying and downloading.
    public var readingReason: String? { readingReasonText.map(Language.current.pick) }

    /// `readingReason` in English and in Chinese.
    var readingReasonText: Bilingual? {
        switch self {
        case .fileNotFound:
            return Bilingual("no such file", "没有这个文件")
        case .unreadableFile(_, let reason):
            return reason
        case .notHDF5:
            return Bilingual("not an HDF5 file", "不是 HDF5 文件")
        case .corruptFile(_, let detail):
            return Bilingual(
                "truncated or corrupt HDF5 file" + (detail.map { " (\($0))" } ?? ""),
                "HDF5 文件不完整或已损坏" + (detail.map { "（\($0)）" } ?? "")
            )
        case .notKerasWeightsFile:
            return Bilingual(
                "not a Keras weight file (no 'layer_names' attribute)", "不是 Keras 的权重文件（没有 'layer_names' 属性）"
            )
        case .missingLayer(let path, let layer):
            if Self.looksLikeNoTop(path: path, layer: layer) {
                return Bilingual(
                    "no layer '\(layer)' — this looks like a \"_notop\" file without the classifier top; "
                        + "use the file with the top",
                    "没有层 '\(layer)'——这像是不带分类层的 \"_notop\" 文件；请用带分类层的那个文件"
                )
            }
            return Bilingual("no layer '\(layer)'", "没有层 '\(layer)'")
        case .missingWeight(_, let layer, let weightName):
            return Bilingual(
                "layer '\(layer)' lists weight '\(weightName)' but the file has no such dataset",
                "层 '\(layer)' 列出了权重 '\(weightName)'，但文件里没有这个数据集"
            )
        case .unsupportedWeightType(_, let layer, let weightName):
            return Bilingual(
                "layer '\(layer)' weight '\(weightName)' is not numeric", "层 '\(layer)' 的权重 '\(weightName)' 不是数值"
            )
        case .wrongWeightCount(_, let layer, let found, let expected):
            return Bilingual(
                "layer '\(layer)' has \(found) weight\(found == 1 ? "" : "s"), expected \(expected)",
                "层 '\(layer)' 有 \(found) 个权重，应该是 \(expected) 个"
            )
        case .shapeMismatch(_, let layer, let index, let found, let expected):
            return Bilingual(
                "layer '\(layer)' weight \(index) has shape \(weightShape(found)), expected \(weightShape(expected))",
                "层 '\(layer)' 的第 \(index) 个权重形状是 \(weightShape(found))，应该是 \(weightShape(expected))"
            )
        case .weightTooLarge(_, let layer, let weightName):
            return Bilingual(
                "layer '\(layer)' weight '\(weightName)' declares a size too large to read (a damaged header?)",
                "层 '\(layer)' 的权重 '\(weightName)' 声明的大小大得读不了（文件头损坏了？）"
            )
        case .nonFiniteWeight(_, let layer, let weightName, let position, let value):
            return Bilingual(
                "layer '\(layer)' weight '\(weightName)' holds \(value.rawValue) (value \(position)): "
                    + "weights must be finite numbers",
                "层 '\(layer)' 的权重 '\(weightName)' 含有 \(value.rawValue)（第 \(position) 个值）：权重必须是有限的数"
            )
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

extension WeightsError {
    /// `Platform.openRegularFile` for a weight file: a missing file is `.fileNotFound`; anything else that
    /// stops it (no permission, a FIFO, a device, a directory) is `.unreadableFile` with the reason.
    static func openRegularFile(_ path: String) throws(WeightsError) -> (descriptor: Int32, size: Int) {
        do throws(FileError) {
            return try Platform.openRegularFile(path)
        } catch {
            if error.code == ENOENT && error.notRegular == nil { throw .fileNotFound(path: path) }
            throw .unreadableFile(path: path, reason: error.reason)
        }
    }
}
