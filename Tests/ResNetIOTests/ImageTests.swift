// Image loading: format sniffing, JPEG and PNG decoding as Pillow's convert('RGB'),
// Keras's NEAREST resize, preprocess_input and the errors. Expected values were produced by
// Pillow 13 / tf-keras 2.21 (tests/test_images_vs_pil.py checks the rest end to end).
import Foundation
import Platform
import ResNetCore
import Testing

@testable import ResNetIO

// MARK: - Helpers

/// A fresh empty directory, removed by the caller.
private func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("reslab-image-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The free sample images shipped with the lessons (`Lessons/images`).
private let sampleImages = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Lessons/images")

private func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return hash
}

/// Builds PNG files byte by byte (stored deflate blocks, so no zlib is needed).
private enum PNGWriter {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return ~crc
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }

    /// A zlib stream made of stored (uncompressed) blocks.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, data.count - offset)
            let final: UInt8 = offset + n == data.count ? 1 : 0
            out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[offset..<offset + n]
            offset += n
        } while offset < data.count
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return out + bigEndian(b << 16 | a)
    }

    /// A PNG whose raw scanlines (without filter bytes) are `rows`.
    static func png(
        width: Int, height: Int, bitDepth: UInt8, colorType: UInt8,
        rows: [[UInt8]], interlaced: Bool = false,
        extraChunks: [[UInt8]] = []
    ) -> [UInt8] {
        let ihdr =
            bigEndian(UInt32(width)) + bigEndian(UInt32(height))
            + [bitDepth, colorType, 0, 0, interlaced ? 1 : 0]
        let raw: [UInt8] = rows.flatMap { row -> [UInt8] in [0] + row }
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let extras: [UInt8] = extraChunks.flatMap { $0 }
        return signature + chunk("IHDR", ihdr) + extras + chunk("IDAT", zlibStored(raw))
            + chunk("IEND", [])
    }
}

private func decode(_ bytes: [UInt8]) throws -> RGBImage {
    try decodeImage(bytes, path: "test.png")
}

/// The gray levels of an RGB image whose pixels all have R = G = B.
private func grayLevels(_ image: RGBImage) -> [UInt8] {
    stride(from: 0, to: image.pixels.count, by: 3).map { i in
        #expect(image.pixels[i] == image.pixels[i + 1] && image.pixels[i] == image.pixels[i + 2])
        return image.pixels[i]
    }
}

// MARK: - Tests

@Suite struct ImageFormatTests {
    @Test func sniffsByMagicBytes() {
        #expect(ImageFormat(sniffing: [0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ImageFormat(sniffing: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == .png)
        #expect(ImageFormat(sniffing: Array("GIF89a".utf8)) == nil)
        #expect(ImageFormat(sniffing: [0xFF, 0xD8]) == nil)
        #expect(ImageFormat(sniffing: [0x89, 0x50, 0x4E, 0x47]) == nil)
        #expect(ImageFormat(sniffing: [UInt8]()) == nil)
    }
}

@Suite struct PNGDecodingTests {
    @Test func gray8AndRGBAndRGBADropAlpha() throws {
        let gray = try decode(
            PNGWriter.png(
                width: 3, height: 1, bitDepth: 8, colorType: 0,
                rows: [[0, 128, 255]]))
        #expect(gray.pixels == [0, 0, 0, 128, 128, 128, 255, 255, 255])
        let rgb = try decode(
            PNGWriter.png(
                width: 2, height: 1, bitDepth: 8, colorType: 2,
                rows: [[1, 2, 3, 4, 5, 6]]))
        #expect(rgb.pixels == [1, 2, 3, 4, 5, 6])
        // Alpha is dropped, not composited (Pillow's RGBA → RGB).
        let rgba = try decode(
            PNGWriter.png(
                width: 2, height: 1, bitDepth: 8, colorType: 6,
                rows: [[10, 20, 30, 0, 40, 50, 60, 128]]))
        #expect(rgba.pixels == [10, 20, 30, 40, 50, 60])
        let grayAlpha = try decode(
            PNGWriter.png(
                width: 2, height: 1, bitDepth: 8, colorType: 4,
                rows: [[77, 0, 99, 255]]))
        #expect(grayLevels(grayAlpha) == [77, 99])
    }

    @Test func lowBitGrayIsScaledLikePillow() throws {
        // 1-bit: mode "1" → 0/255; 2-bit: L;2 → ×85; 4-bit: L;4 → ×17.
        let one = try decode(
            PNGWriter.png(
                width: 8, height: 1, bitDepth: 1, colorType: 0,
                rows: [[0b1011_0001]]))
        #expect(grayLevels(one) == [255, 0, 255, 255, 0, 0, 0, 255])
        let two = try decode(
            PNGWriter.png(
                width: 4, height: 1, bitDepth: 2, colorType: 0,
                rows: [[0b0001_1011]]))
        #expect(grayLevels(two) == [0, 85, 170, 255])
        let four = try decode(
            PNGWriter.png(
                width: 3, height: 1, bitDepth: 4, colorType: 0,
                rows: [[0x0F, 0x70]]))
        #expect(grayLevels(four) == [0, 255, 119])
    }

    @Test func sixteenBitGrayClipsAndOtherSixteenBitKeepsTheHighByte() throws {
        let values: [UInt16] = [0, 1, 254, 255, 256, 300, 0x8000, 0xFFFF]
        let samples = values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let gray = try decode(
            PNGWriter.png(
                width: values.count, height: 1, bitDepth: 16,
                colorType: 0, rows: [samples]))
        #expect(grayLevels(gray) == [0, 1, 254, 255, 255, 255, 255, 255])
        let rgb = try decode(
            PNGWriter.png(
                width: values.count, height: 1, bitDepth: 16,
                colorType: 2, rows: [values.flatMap { _ in samples[0..<6] }]))
        #expect(rgb.pixels.allSatisfy { $0 == 0 })
        let rgb2 = try decode(
            PNGWriter.png(
                width: 1, height: 1, bitDepth: 16, colorType: 2,
                rows: [[0x12, 0x34, 0xAB, 0xCD, 0x00, 0xFF]]))
        #expect(rgb2.pixels == [0x12, 0xAB, 0x00])
        let grayAlpha = try decode(
            PNGWriter.png(
                width: 1, height: 1, bitDepth: 16, colorType: 4,
                rows: [[0x80, 0x01, 0x00, 0x00]]))
        #expect(grayAlpha.pixels == [0x80, 0x80, 0x80])
    }

    @Test func paletteIgnoresTRNSAndOutOfRangeIndicesAreBlack() throws {
        let plte = PNGWriter.chunk("PLTE", [10, 20, 30, 40, 50, 60])
        let trns = PNGWriter.chunk("tRNS", [0, 0])
        let image = try decode(
            PNGWriter.png(
                width: 4, height: 1, bitDepth: 8, colorType: 3,
                rows: [[0, 1, 2, 255]], extraChunks: [plte, trns]))
        #expect(image.pixels == [10, 20, 30, 40, 50, 60, 0, 0, 0, 0, 0, 0])
        let packed = try decode(
            PNGWriter.png(
                width: 3, height: 1, bitDepth: 2, colorType: 3,
                rows: [[0b0001_1000]], extraChunks: [plte]))
        #expect(packed.pixels == [10, 20, 30, 40, 50, 60, 0, 0, 0])  // indices 0, 1, 2
    }

    @Test func interlacedEqualsNonInterlaced() throws {
        // 10×9 RGB: every pixel distinct, assembled from the 7 Adam7 passes.
        let width = 10
        let height = 9
        func value(_ x: Int, _ y: Int, _ c: Int) -> UInt8 { UInt8((x * 7 + y * 31 + c * 85) & 0xFF) }
        let rows = (0..<height).map { y in (0..<width).flatMap { x in (0..<3).map { value(x, y, $0) } } }
        let passes = [
            (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
            (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2),
        ]
        var interlacedRows: [[UInt8]] = []
        for (x0, y0, dx, dy) in passes where x0 < width && y0 < height {
            for y in stride(from: y0, to: height, by: dy) {
                interlacedRows.append(
                    stride(from: x0, to: width, by: dx).flatMap { x in
                        (0..<3).map { value(x, y, $0) }
                    })
            }
        }
        let plain = try decode(
            PNGWriter.png(
                width: width, height: height, bitDepth: 8,
                colorType: 2, rows: rows))
        let interlaced = try decode(
            PNGWriter.png(
                width: width, height: height, bitDepth: 8,
                colorType: 2, rows: interlacedRows, interlaced: true))
        #expect(plain.pixels == rows.flatMap { $0 })
        #expect(interlaced == plain)
    }
}

@Suite struct JPEGDecodingTests {
    // Tiny JPEGs written by Pillow 13, with Pillow's `np.asarray(Image.open(f).convert('RGB'))`.
    static let baseline7x5 =
        "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wAARCAAFAAcDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDF+Dl5aa7CviSKy+x3+pXE2m3cMcnlW8ksKJKLkLCImEh3yqfmPDn6UUUV+Uce5/mWW5z7DCVeWHJF2tF6u990/u2XQ7OGr0srpQg2krrd7J2X3JJH/9k="
    static let baseline7x5Pixels: [UInt8] = [
        23, 175, 154, 0, 82, 77, 27, 50, 82, 60, 44, 89, 166, 158, 199, 136, 117, 147, 199, 147, 169, 63, 210, 200, 77,
        187, 188, 99, 135, 157, 49, 48, 80, 87, 86, 117, 155, 141, 166, 136, 93, 110, 0, 123, 133, 56, 170, 180, 60,
        121, 126, 38, 67, 73, 49, 63, 74, 202, 198, 212, 208, 178, 190, 0, 113, 131, 52, 158, 172, 109, 182, 188, 164,
        205, 207, 105, 119, 120, 155, 148, 140, 142, 117, 95, 0, 84, 95, 0, 79, 93, 8, 76, 99, 152, 193, 211, 133, 133,
        133, 130, 107, 73, 189, 163, 78,
    ]
    static let progressiveGray9x6 =
        "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/wgALCAAGAAkBAREA/8QAFQABAQAAAAAAAAAAAAAAAAAABAb/2gAIAQEAAAABdZf/xAAaEAABBQEAAAAAAAAAAAAAAAADAAECBAUW/9oACAEBAAEFAtsMKReadf/EACEQAAEDAwQDAAAAAAAAAAAAAAIBAxEAITEEBSI0QZTS/9oACAEBAAY/AgFZbegdWYN3bQgWLLlYlYTj4xXX231A+a//xAAYEAEBAAMAAAAAAAAAAAAAAAABERAhQf/aAAgBAQABPyGXlblgpEATQXpvHj//2gAIAQEAAAAQf//EABcQAQADAAAAAAAAAAAAAAAAAAEAESH/2gAIAQEAAT8QYsr6JEUDRJDgj7//2Q=="
    static let progressiveGray9x6Levels: [UInt8] = [
        116, 162, 124, 73, 250, 93, 12, 218, 40, 224, 88, 32, 123, 237, 3, 94, 130, 246, 187, 198, 211, 102, 102, 58,
        79, 187, 156, 171, 198, 167, 131, 117, 194, 116, 49, 131, 1, 182, 245, 236, 156, 163, 27, 206, 158, 224, 213,
        217, 99, 47, 143, 134, 56, 227,
    ]
    static let cmyk6x4 =
        "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwADAgIDAgIDAwMDBAMDBAUIBQUEBAUKBwcGCAwKDAwLCgsLDQ4SEA0OEQ4LCxAWEBETFBUVFQwPFxgWFBgSFBUU/8AAFAgABAAGBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwD1n4NXeoeH08Ha4uove6r4x0fUvEt9dXltbu1vc3F3byzx2+Ih5cTu4Ypzkxx8/Lz6v4c+H2h/Fn43eFfh54thvdW0MeBZfEMsyandWtzdX0V3b2STTPBKglfyBtLsCzdSxwK8R8ceJFv4PC93e6Rpup3OvaPDqU0+pxveywPtW4ZY5JndyrPqMmfMLnEUeCD5hk6b4afsw6J+0H8RPF/hXXfE/ibTfDvhiSaDSdO065gaG1iiv7uBI0W4hl2qEUAAYwAqjCIir//Z"
    static let cmyk6x4Pixels: [UInt8] = [
        6, 5, 5, 28, 175, 92, 122, 52, 132, 148, 159, 8, 11, 86, 28, 43, 16, 4, 133, 19, 23, 1, 5, 1, 74, 129, 90, 11,
        7, 5, 88, 24, 60, 62, 4, 30, 78, 57, 151, 5, 69, 46, 14, 39, 31, 12, 20, 0, 23, 15, 33, 6, 8, 4, 41, 132, 9, 40,
        40, 37, 123, 118, 54, 64, 24, 38, 49, 2, 7, 190, 251, 61,
    ]

    static func bytes(_ base64: String) -> [UInt8] { [UInt8](Data(base64Encoded: base64) ?? Data()) }

    @Test func baselineColourMatchesPillow() throws {
        let image = try decodeImage(Self.bytes(Self.baseline7x5), path: "baseline.jpg")
        #expect(image.width == 7 && image.height == 5)
        #expect(image.pixels == Self.baseline7x5Pixels)
    }

    @Test func progressiveGrayMatchesPillow() throws {
        let image = try decodeImage(Self.bytes(Self.progressiveGray9x6), path: "gray.jpg")
        #expect(image.width == 9 && image.height == 6)
        #expect(grayLevels(image) == Self.progressiveGray9x6Levels)
    }

    @Test func adobeCMYKMatchesPillow() throws {
        let image = try decodeImage(Self.bytes(Self.cmyk6x4), path: "cmyk.jpg")
        #expect(image.width == 6 && image.height == 4)
        #expect(image.pixels == Self.cmyk6x4Pixels)
    }

    @Test func pillowCMYKFormula() {
        // Stored (inverted) C, M, Y, K → Pillow's CMYK;I then cmyk2rgb.
        #expect(adobeCMYKToRGB([255, 255, 255, 255]) == [255, 255, 255])  // no ink: white
        #expect(adobeCMYKToRGB([0, 0, 0, 255]) == [0, 0, 0])  // full C, M, Y
        #expect(adobeCMYKToRGB([12, 200, 255, 0]) == [0, 0, 0])  // full K
        #expect(adobeCMYKToRGB([128, 64, 200, 200]) == [100, 50, 157])
    }

    @Test func truncatedJPEGThrows() throws {
        let full = Self.bytes(Self.baseline7x5)
        for cut in [2, full.count / 2, full.count - 200] {
            #expect(throws: ImageError.self) { try decodeImage(Array(full.dropLast(cut)), path: "t.jpg") }
            do {
                _ = try decodeImage(Array(full.dropLast(cut)), path: "t.jpg")
            } catch {
                guard case .truncated(_, .jpeg, _) = error else {
                    Issue.record("cut \(cut): \(error)")
                    continue
                }
                #expect(error.description.contains("Premature end of JPEG file"))
            }
        }
    }
}

@Suite struct ResizeTests {
    // Pillow's Image.resize((dst, 1), NEAREST) source columns, read back from an index-coded image.
    @Test func nearestSourceTablesMatchPillow() {
        #expect(RGBImage.nearestSources(from: 7, to: 3) == [1, 3, 5])
        #expect(RGBImage.nearestSources(from: 3, to: 7) == [0, 0, 1, 1, 1, 2, 2])
        let fiveTo224 = RGBImage.nearestSources(from: 5, to: 224)
        #expect(fiveTo224.firstIndex(of: 1) == 45 && fiveTo224.firstIndex(of: 2) == 90)
        #expect(fiveTo224.firstIndex(of: 3) == 134 && fiveTo224.firstIndex(of: 4) == 179)
        // 225 → 224 skips exactly source column 112.
        #expect(RGBImage.nearestSources(from: 225, to: 224) == Array(0..<112) + Array(113..<225))
        let from640 = RGBImage.nearestSources(from: 640, to: 224)
        #expect(Array(from640.prefix(12)) == [1, 4, 7, 10, 12, 15, 18, 21, 24, 27, 30, 32])
        #expect(Array(from640.suffix(6)) == [624, 627, 629, 632, 635, 638])
        let from427 = RGBImage.nearestSources(from: 427, to: 224)
        #expect(Array(from427.prefix(12)) == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 21])
        #expect(Array(from427.suffix(6)) == [416, 418, 420, 422, 424, 426])
    }

    @Test func resizeCopiesWholePixelsAndKeepsSameSize() {
        let image = RGBImage(width: 3, height: 2, pixels: Array(0..<18))
        #expect(image.resized(width: 3, height: 2) == image)
        let wide = image.resized(width: 6, height: 1)
        // Row: Int(2/1 * 0.5) = 1; columns: 0,0,1,1,2,2 (scale 0.5 from 0.25).
        #expect(wide.pixels == [9, 10, 11, 9, 10, 11, 12, 13, 14, 12, 13, 14, 15, 16, 17, 15, 16, 17])
    }
}

@Suite struct PreprocessInputTests {
    @Test func caffeModeMatchesKeras() {
        let image = RGBImage(width: 2, height: 1, pixels: [0, 128, 255, 10, 20, 30])
        let x = preprocessInput(image)
        #expect(x.shape == [1, 1, 2, 3])
        // tf_keras.applications.resnet50.preprocess_input, float32 bit patterns.
        let expected: [UInt32] = [0x4317_0F9E, 0x4133_8938, 0xC2F7_5C29, 0xC293_E0C5, 0xC2C1_8ED9, 0xC2E3_5C29]
        #expect(x.data.map(\.bitPattern) == expected)
    }

    @Test func batchStacksImages() {
        let a = RGBImage(width: 1, height: 1, pixels: [1, 2, 3])
        let b = RGBImage(width: 1, height: 1, pixels: [4, 5, 6])
        let x = preprocessInput([a, b])
        #expect(x.shape == [2, 1, 1, 3])
        #expect(Array(x.data[3..<6]) == preprocessInput(b).data)
    }
}

@Suite struct SampleImageTests {
    // FNV-1a of Pillow's convert('RGB') and of tf_keras load_img(target_size=(224, 224)).
    static let expected: [(String, Int, Int, UInt64, UInt64)] = [
        ("astronaut.png", 512, 512, 0xfa4e_6bff_08e5_e8fb, 0x0b5f_911d_bb3d_f0e3),
        ("camera.png", 512, 512, 0x350b_dd5a_5fce_b30e, 0xc54f_3c4b_c2c9_f327),
        ("chelsea.png", 451, 300, 0xb217_9687_9661_57a8, 0x1a2f_2539_1875_9a93),
        ("coffee.png", 600, 400, 0xd261_c1b9_1ef6_ee1e, 0x26ed_3fe2_8eb5_dca5),
        ("horse.png", 400, 328, 0x1721_f9f0_cdc2_aec9, 0x814d_d971_1309_29c9),
        ("rocket.jpg", 640, 427, 0x34b9_b35d_9b0e_db19, 0xb3fd_80b9_0694_90c3),
    ]

    @Test(arguments: expected.map(\.0))
    func sampleMatchesPillowAndKeras(name: String) throws {
        guard let (_, width, height, fullHash, kerasHash) = Self.expected.first(where: { $0.0 == name })
        else { return }
        let path = sampleImages.appendingPathComponent(name).path
        let full = try readImage(path: path)
        #expect(full.width == width && full.height == height)
        #expect(fnv1a(full.pixels) == fullHash)
        let keras = try loadImage(path: path)
        #expect(keras.width == 224 && keras.height == 224)
        #expect(fnv1a(keras.pixels) == kerasHash)
        #expect(try loadImage(path: path, targetSize: nil) == full)
    }
}

@Suite struct ImageErrorTests {
    /// Writes `bytes` to a temporary file, loads it and returns the error.
    private func loadError(_ bytes: [UInt8], name: String) throws -> ImageError? {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try loadImage(path: path)
            return nil
        } catch {
            #expect(error.path == path)
            #expect(error.description.hasPrefix("cannot read image '\(path)': "))
            #expect(!error.description.contains("\n"))
            return error
        }
    }

    @Test func missingFile() {
        #expect(throws: ImageError.unreadable(path: "/nonexistent/x.jpg", reason: errnoText(ENOENT))) {
            try loadImage(path: "/nonexistent/x.jpg")
        }
    }

    @Test func directory() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = #expect(throws: ImageError.self) { try loadImage(path: dir.path) }
        #expect(error?.description.contains("is a directory") == true)
    }

    @Test func aFIFOIsRefusedWithoutWaitingForAWriter() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.path + "/x.jpg"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: ImageError.unreadable(path: fifo, reason: FileKind.fifo.text)) { try loadImage(path: fifo) }
    }

    @Test func emptyFile() throws {
        let error = try loadError([], name: "empty.jpg")
        #expect(error == .empty(path: error?.path ?? ""))
        #expect(error?.description.hasSuffix("the file is empty (0 bytes)") == true)
    }

    @Test func unknownFormat() throws {
        let error = try loadError(Array("GIF89a....".utf8), name: "cat.jpg")
        guard case .unknownFormat(_, let lead)? = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        #expect(lead == [0x47, 0x49, 0x46, 0x38])
        #expect(error?.description.contains("not a JPEG or PNG file (starts with 47 49 46 38)") == true)
        let short = try loadError([0xFF], name: "one.png")
        #expect(short?.description.contains("(starts with FF)") == true)
    }

    @Test func truncatedJPEGAndPNG() throws {
        let jpeg = JPEGDecodingTests.bytes(JPEGDecodingTests.baseline7x5)
        let jpegError = try loadError(Array(jpeg.prefix(jpeg.count / 2)), name: "half.jpg")
        guard case .truncated(_, .jpeg, _)? = jpegError else {
            Issue.record("\(String(describing: jpegError))")
            return
        }
        let png = PNGWriter.png(
            width: 40, height: 40, bitDepth: 8, colorType: 2,
            rows: Array(repeating: Array(repeating: 7, count: 120), count: 40))
        let pngError = try loadError(Array(png.prefix(png.count / 2)), name: "half.png")
        guard case .truncated(_, .png, _)? = pngError else {
            Issue.record("\(String(describing: pngError))")
            return
        }
    }

    @Test func corruptJPEGAndPNG() throws {
        var jpeg = JPEGDecodingTests.bytes(JPEGDecodingTests.baseline7x5)
        // The SOF0 segment length becomes 1: libjpeg says "Bogus marker length".
        if let sof = (0..<jpeg.count - 1).first(where: { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 }) {
            jpeg[sof + 2] = 0
            jpeg[sof + 3] = 1
        }
        let jpegError = try loadError(jpeg, name: "bad.jpg")
        #expect(jpegError == .corrupt(path: jpegError?.path ?? "", format: .jpeg, detail: "Bogus marker length"))
        #expect(jpegError?.description.hasSuffix(": corrupt JPEG data: Bogus marker length") == true)

        var png = PNGWriter.png(width: 1, height: 1, bitDepth: 8, colorType: 2, rows: [[1, 2, 3]])
        png[29] ^= 0xFF  // IHDR CRC
        let pngError = try loadError(png, name: "bad.png")
        #expect(pngError == .corrupt(path: pngError?.path ?? "", format: .png, detail: "IHDR: CRC error"))
    }

    @Test func absurdDimensionsAreRefusedFromTheHeader() throws {
        // Only the IHDR claims 200000×200000: nothing that large may be allocated.
        let huge = PNGWriter.png(width: 200_000, height: 200_000, bitDepth: 8, colorType: 2, rows: [[0]])
        let error = try loadError(huge, name: "huge.png")
        #expect(error == .tooLarge(path: error?.path ?? "", width: 200_000, height: 200_000))
        #expect(
            error?.description.hasSuffix(
                "image is 200000x200000, larger than the 16384x16384 reslab accepts") == true)
        let area = PNGWriter.png(width: 10_000, height: 10_000, bitDepth: 8, colorType: 0, rows: [[0]])
        let areaError = try loadError(area, name: "area.png")
        #expect(areaError == .tooLarge(path: areaError?.path ?? "", width: 10_000, height: 10_000))
    }

    @Test func writeRawWritesExactlyThePixels() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let image = RGBImage(width: 2, height: 2, pixels: Array(1...12))
        let out = dir.appendingPathComponent("out.bin").path
        try image.writeRaw(to: out)
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: out))) == Array(1...12))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.bin"])
        let bad = dir.appendingPathComponent("missing/out.bin").path
        #expect(throws: ImageError.self) { try image.writeRaw(to: bad) }
        #expect(!FileManager.default.fileExists(atPath: bad))
    }
}

@Suite struct PNGEncoderTests {
    @Test func anEncodedImageDecodesToTheSamePixels() throws {
        let pixels = (0..<(5 * 3 * 3)).map { UInt8(($0 * 37) % 256) }
        let image = RGBImage(width: 5, height: 3, pixels: pixels)
        let decoded = try decodeImage(try image.pngData(), path: "memory.png")
        #expect(decoded == image)
    }

    @Test func writingIntoAMissingDirectoryIsAnErrorThatNamesThePath() throws {
        let image = RGBImage(width: 1, height: 1, pixels: [1, 2, 3])
        let error = #expect(throws: ImageError.self) { try image.writePNG(to: "/nonexistent/dir/x.png") }
        #expect(error?.description.hasPrefix("cannot write '/nonexistent/dir/x.png': ") == true)
    }
}

// MARK: - Undoing preprocess_input

@Suite struct DeprocessTests {
    @Test func deprocessingUndoesPreprocessInput() {
        let rgb = Tensor(shape: [1, 2, 2, 3], data: [0, 1, 2, 50, 100, 150, 253, 254, 255, 10, 200, 30])
        let back = deprocessInput(preprocessInput(rgb))
        #expect(back.shape == rgb.shape)
        #expect(zip(back.data, rgb.data).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    @Test func valuesBecomePixelsRoundedAndClipped() {
        let image = RGBImage(rgbValues: [-3, 0.4, 0.6, 254.5, 255, 300, .nan, 128.49, 1e9], width: 3, height: 1)
        #expect(image.pixels == [0, 0, 1, 255, 255, 255, 0, 128, 255])
    }
}

@Suite struct PNGChunkLimitTests {
    /// A PNG chunk: length, type, data, CRC (the CRC left zero: the chunk walk looks only at lengths).
    private func chunk(_ type: String, _ data: [UInt8], declaring length: Int? = nil) -> [UInt8] {
        let length = UInt32(length ?? data.count)
        return withUnsafeBytes(of: length.bigEndian, Array.init) + Array(type.utf8) + data + [0, 0, 0, 0]
    }

    private let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    private var header: [UInt8] { chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]) }

    @Test(arguments: ["tEXt", "zTXt", "iTXt", "sPLT"])
    func aChunkDeclaringMoreThanTheFileHoldsIsATruncatedFile(type: String) throws {
        let bytes = signature + header + chunk(type, Array(repeating: 0x78, count: 60), declaring: 0x7FFF_FFFF)
        let error = #expect(throws: ImageError.self) { try decodeImage(bytes, path: "tiny.png") }
        guard case .truncated(_, .png, let detail)? = error else {
            Issue.record("expected a truncated PNG, got \(String(describing: error))")
            return
        }
        #expect(detail.contains(type))
    }

    @Test func aHugeTextChunkThatIsReallyThereIsRefusedBeforeLibpngReadsIt() throws {
        let text = Array(repeating: UInt8(0x78), count: PNGDecoder.maxAncillaryChunkBytes + 1)
        let bytes = signature + header + chunk("tEXt", text)
        let error = #expect(throws: ImageError.self) { try decodeImage(bytes, path: "big.png") }
        guard case .unsupported(_, .png, let detail)? = error else {
            Issue.record("expected an unsupported PNG, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("tEXt"))
    }
}
