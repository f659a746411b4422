import Platform

/// The image file formats reslab reads, as Keras would through Pillow.
public enum ImageFormat: String, Sendable, Equatable, CustomStringConvertible {
    /// JPEG/JFIF: baseline, progressive, grayscale, RGB or CMYK, decoded by libjpeg-turbo.
    case jpeg = "JPEG"
    /// PNG: every colour type and bit depth, interlaced or not, decoded by libpng.
    case png = "PNG"

    /// Recognizes a format by the file's first bytes (its "magic number"), the way Pillow
    /// does: `FF D8 FF` for JPEG, the 8-byte signature `89 50 4E 47 0D 0A 1A 0A` for PNG.
    /// `nil` for anything else, whatever the file name says.
    public init?(sniffing bytes: some Collection<UInt8>) {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else {
            return nil
        }
    }

    /// "JPEG" or "PNG".
    public var description: String { rawValue }
}

/// The limits on image sizes, checked from the file header before any pixel memory is taken.
public enum ImageLimits {
    /// The largest width or height accepted, in pixels.
    public static let maxSide = 16384
    /// The largest decoded image accepted, in bytes of 8-bit RGB (width × height × 3): 256 MiB.
    public static let maxRGBBytes = 1 << 28
    /// The largest file read, in bytes: 1 GiB.
    public static let maxFileBytes = 1 << 30
}

/// Why an image could not be read (or its pixels written). Every case names the file, and
/// `description` is one line a learner can act on.
public enum ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened or read: missing, a directory, no permission, too big.
    case unreadable(path: String, reason: Bilingual)
    /// The file has no bytes at all.
    case empty(path: String)
    /// The file is neither JPEG nor PNG; `leadingBytes` are its first (up to 4) bytes.
    case unknownFormat(path: String, leadingBytes: [UInt8])
    /// The header announces an image larger than `ImageLimits` allow.
    case tooLarge(path: String, width: Int, height: Int)
    /// The data ends before the image is complete (Pillow: "image file is truncated").
    case truncated(path: String, format: ImageFormat, detail: String)
    /// The data is damaged; `detail` is the decoder's (libjpeg's or libpng's) message.
    case corrupt(path: String, format: ImageFormat, detail: String)
    /// A valid file that reslab (like Keras's Pillow) cannot decode, e.g. 12-bit JPEG.
    case unsupported(path: String, format: ImageFormat, detail: String)
    /// Raw pixels could not be written to `path`.
    case unwritable(path: String, reason: Bilingual)
    /// `load_img`'s `target_size=(height, width)` is not a positive size within `ImageLimits`.
    case badTargetSize(path: String, height: Int, width: Int)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .unreadable(let path, _), .empty(let path), .unknownFormat(let path, _),
            .tooLarge(let path, _, _), .truncated(let path, _, _), .corrupt(let path, _, _),
            .unsupported(let path, _, _), .unwritable(let path, _), .badTargetSize(let path, _, _):
            return path
        }
    }

    /// One line naming the file and what is wrong, in the learner's language, e.g.
    /// `cannot read image 'x.gif': not a JPEG or PNG file (starts with 47 49 46 38)`.
    public var description: String { Language.current.pick(text) }

    /// The error in English and in Chinese.
    public var text: Bilingual {
        if case .unwritable(let path, let reason) = self {
            return Bilingual("cannot write '\(path)': \(reason.en)", "写不了 '\(path)'：\(reason.zh)")
        }
        let why = problem
        return Bilingual("cannot read image '\(path)': " + why.en, "读不了图像 '\(path)'：" + why.zh)
    }

    /// What is wrong with the file, without its name.
    private var problem: Bilingual {
        switch self {
        case .unreadable(_, let reason), .unwritable(_, let reason):
            return reason
        case .empty:
            return Bilingual("the file is empty (0 bytes)", "文件是空的（0 字节）")
        case .unknownFormat(_, let bytes):
            let hex = bytes.map { byte in
                let digits = String(byte, radix: 16, uppercase: true)
                return digits.count == 1 ? "0" + digits : digits
            }.joined(separator: " ")
            var text = Bilingual("not a JPEG or PNG file (starts with \(hex))", "不是 JPEG 或 PNG 文件（开头是 \(hex)）")
            if let other = Self.otherFormatName(bytes) {
                text.en += "; it looks like \(other.en): convert it to PNG or JPEG first"
                text.zh += "；看起来是\(other.zh)：请先转换成 PNG 或 JPEG"
            }
            return text
        case .tooLarge(_, let width, let height):
            if width > ImageLimits.maxSide || height > ImageLimits.maxSide {
                let limit = "\(ImageLimits.maxSide)x\(ImageLimits.maxSide)"
                return Bilingual(
                    "image is \(width)x\(height), larger than the \(limit) reslab accepts",
                    "图像是 \(width)x\(height)，超过了 reslab 接受的 \(limit)")
            }
            let pixels = ImageLimits.maxRGBBytes / 3
            let mebibytes = ImageLimits.maxRGBBytes >> 20
            return Bilingual(
                "image is \(width)x\(height), more than the \(pixels) pixels (\(mebibytes) MiB as RGB) reslab accepts",
                "图像是 \(width)x\(height)，超过了 reslab 接受的 \(pixels) 像素（RGB 共 \(mebibytes) MiB）")
        case .truncated(_, let format, let detail):
            return Bilingual(
                "the \(format) file is truncated: the data ends before the image is complete (\(detail))",
                "\(format) 文件不完整：图像还没结束数据就断了（\(detail)）")
        case .corrupt(_, let format, let detail):
            return Bilingual("corrupt \(format) data: \(detail)", "\(format) 数据已损坏：\(detail)")
        case .unsupported(_, let format, let detail):
            return Bilingual("unsupported \(format): \(detail)", "不支持的 \(format)：\(detail)")
        case .badTargetSize(_, let height, let width):
            let side = ImageLimits.maxSide
            let pixels = ImageLimits.maxRGBBytes / 3
            return Bilingual(
                "target_size=(\(height), \(width)) must be two positive sizes (height, width), each at most \(side) "
                    + "and at most \(pixels) pixels in all",
                "target_size=(\(height), \(width)) 必须是两个正的尺寸（高, 宽），每边最多 \(side)，总共最多 \(pixels) 像素")
        }
    }

    /// A friendly name for a few formats people often try instead of JPEG or PNG.
    private static func otherFormatName(_ bytes: [UInt8]) -> Bilingual? {
        if bytes.starts(with: [0x47, 0x49, 0x46, 0x38]) { return Bilingual("a GIF image", " GIF 图像") }
        if bytes.starts(with: [0x42, 0x4D]) { return Bilingual("a BMP image", " BMP 图像") }
        if bytes.starts(with: [0x52, 0x49, 0x46, 0x46]) { return Bilingual("a RIFF file (WebP?)", " RIFF 文件（WebP？）") }
        if bytes.starts(with: [0x49, 0x49, 0x2A, 0x00]) || bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) {
            return Bilingual("a TIFF image", " TIFF 图像")
        }
        return nil
    }
}
