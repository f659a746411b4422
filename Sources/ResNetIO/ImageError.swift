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
    case unreadable(path: String, reason: String)
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
    case unwritable(path: String, reason: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .unreadable(let path, _), .empty(let path), .unknownFormat(let path, _),
            .tooLarge(let path, _, _), .truncated(let path, _, _), .corrupt(let path, _, _),
            .unsupported(let path, _, _), .unwritable(let path, _):
            return path
        }
    }

    /// One line naming the file and what is wrong, e.g.
    /// `cannot read image 'x.gif': not a JPEG or PNG file (starts with 47 49 46 38)`.
    public var description: String {
        let prefix = "cannot read image '\(path)': "
        switch self {
        case .unreadable(_, let reason):
            return prefix + reason
        case .empty:
            return prefix + "the file is empty (0 bytes)"
        case .unknownFormat(_, let bytes):
            let hex = bytes.map { byte in
                let digits = String(byte, radix: 16, uppercase: true)
                return digits.count == 1 ? "0" + digits : digits
            }.joined(separator: " ")
            var text = prefix + "not a JPEG or PNG file (starts with \(hex))"
            if let other = Self.otherFormatName(bytes) {
                text += "; it looks like \(other): convert it to PNG or JPEG first"
            }
            return text
        case .tooLarge(_, let width, let height):
            if width > ImageLimits.maxSide || height > ImageLimits.maxSide {
                return prefix + "image is \(width)x\(height), larger than the "
                    + "\(ImageLimits.maxSide)x\(ImageLimits.maxSide) reslab accepts"
            }
            return prefix + "image is \(width)x\(height), more than the "
                + "\(ImageLimits.maxRGBBytes / 3) pixels (\(ImageLimits.maxRGBBytes >> 20) MiB as RGB) "
                + "reslab accepts"
        case .truncated(_, let format, let detail):
            return prefix + "the \(format) file is truncated: the data ends before the image "
                + "is complete (\(detail))"
        case .corrupt(_, let format, let detail):
            return prefix + "corrupt \(format) data: \(detail)"
        case .unsupported(_, let format, let detail):
            return prefix + "unsupported \(format): \(detail)"
        case .unwritable(let path, let reason):
            return "cannot write '\(path)': \(reason)"
        }
    }

    /// A friendly name for a few formats people often try instead of JPEG or PNG.
    private static func otherFormatName(_ bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0x47, 0x49, 0x46, 0x38]) { return "a GIF image" }
        if bytes.starts(with: [0x42, 0x4D]) { return "a BMP image" }
        if bytes.starts(with: [0x52, 0x49, 0x46, 0x46]) { return "a RIFF file (WebP?)" }
        if bytes.starts(with: [0x49, 0x49, 0x2A, 0x00]) || bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) {
            return "a TIFF image"
        }
        return nil
    }
}
