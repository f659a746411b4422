import Foundation
import Platform
import ResNetIO

// Pictures in the terminal: every picture reslab draws (`reslab image`, `%show`, the pictures of a cell)
// goes through `TerminalPicture.draw`, in the best way the terminal allows (see `PictureMode.detect`).

/// How a terminal shows a picture, from the richest to the plainest.
public enum PictureMode: String, Sendable, CaseIterable {
    /// The kitty graphics protocol: the PNG itself, scaled by the terminal to the cells it is given.
    case kitty
    /// iTerm2's inline images (OSC 1337): the PNG itself, as wide as the cells it is given.
    case iTerm2
    /// Upper-half blocks `▀` in 24-bit colour: a character shows two pixels, the top one in the glyph's
    /// colour, the bottom one in the colour behind it.
    case truecolor
    /// The same blocks in the xterm 256-colour palette (its 6×6×6 cube and its grey ramp).
    case palette256
    /// No colour: one ASCII character for two pixels, one above the other, from a ramp of brightness.
    case plain

    /// The mode for an output that goes to a terminal (`isTerminal`) with `environment`, first match wins:
    /// - no terminal, `NO_COLOR` set or `TERM=dumb`: `plain`;
    /// - kitty (`TERM=xterm-kitty`, `KITTY_WINDOW_ID` set) or Ghostty (`TERM=xterm-ghostty`): `kitty`;
    ///   iTerm2 (`TERM_PROGRAM=iTerm.app`, `LC_TERMINAL=iTerm2`) or WezTerm (`TERM_PROGRAM=WezTerm`):
    ///   `iTerm2`; neither inside tmux or screen (`TMUX` set, `TERM=screen…`/`tmux…`), which do not pass
    ///   the image protocols on;
    /// - `COLORTERM=truecolor` or `24bit`: `truecolor`;
    /// - any other `TERM` (`xterm-256color`, `xterm`, `screen`, `linux`, …): `palette256`. Terminals that
    ///   name no 256 colours in `TERM` draw them all the same (or the nearest of their 16), and blocks in
    ///   colour show far more than letters do;
    /// - no `TERM` at all: `plain`.
    ///
    /// Sixel is left out: only asking the terminal itself (a device-attributes query, answered on standard
    /// input) tells whether it draws sixel, and no variable of the environment says so reliably.
    public static func detect(environment: [String: String], isTerminal: Bool) -> PictureMode {
        guard Terminal.mayColor(isTerminal: isTerminal, environment: environment) else { return .plain }
        let term = environment["TERM"] ?? ""
        let multiplexed = environment["TMUX"] != nil || term.hasPrefix("screen") || term.hasPrefix("tmux")
        let program = environment["TERM_PROGRAM"]
        if !multiplexed {
            if term == "xterm-kitty" || term == "xterm-ghostty" || environment["KITTY_WINDOW_ID"] != nil {
                return .kitty
            }
            if program == "iTerm.app" || program == "WezTerm" || environment["LC_TERMINAL"] == "iTerm2" {
                return .iTerm2
            }
        }
        if let colors = environment["COLORTERM"]?.lowercased(), colors == "truecolor" || colors == "24bit" {
            return .truecolor
        }
        return term.isEmpty ? .plain : .palette256
    }

    /// The mode for standard output, from the process's environment.
    public static var standardOutput: PictureMode {
        detect(environment: ProcessInfo.processInfo.environment, isTerminal: Terminal.standardOutputIsTerminal)
    }
}

/// The character cells a picture takes: a character shows two pixels, one above the other, so that a
/// square image takes half as many rows as columns.
public struct PictureCells: Equatable, Sendable {
    public let columns: Int
    public let rows: Int

    public init(columns: Int, rows: Int) {
        precondition(columns > 0 && rows > 0, "PictureCells: \(columns)x\(rows)")
        self.columns = columns
        self.rows = rows
    }

    /// An image `width`×`height` pixels as wide as `columns`, unless it would then not fit on a screen
    /// `screenRows` high with the lines around it (the caption, the prompt): then as wide as fits in
    /// `screenRows - 4` rows (at least 8). No screen (a pipe) sets no height.
    public init(width: Int, height: Int, columns: Int, screenRows: Int?) {
        let aspect = Double(height) / Double(width)
        var columns = max(1, columns)
        if let screenRows {
            columns = min(columns, max(1, Int(Double(2 * max(8, screenRows - 4)) / aspect)))
        }
        self.init(columns: columns, rows: max(1, Int((Double(columns) * aspect / 2).rounded())))
    }
}

/// Drawing an image in a terminal (see ``PictureMode``).
public enum TerminalPicture {
    /// The widest a cell's picture is drawn at the prompt, however wide the terminal.
    public static let widest = 64

    /// `image` drawn in `mode` on `size` cells: `size.rows` lines of exactly `size.columns` columns (the
    /// inline-image modes: one escape sequence the terminal shows on those cells), without a final newline.
    public static func draw(_ image: RGBImage, mode: PictureMode, size: PictureCells) -> String {
        switch mode {
        case .kitty:
            return Terminal.kittyImage(base64: inlinePNG(image), columns: size.columns, rows: size.rows)
        case .iTerm2:
            return Terminal.iTerm2Image(base64: inlinePNG(image), columns: size.columns)
        case .truecolor:
            return blocks(image, size) { .truecolor(foreground: $0, background: $1) }
        case .palette256:
            return blocks(image, size) { .palette256(foreground: xterm256($0), background: xterm256($1)) }
        case .plain:
            return pixelPairs(image, size).map { String($0.map(plainCharacter)) }.joined(separator: "\n")
        }
    }

    /// From dark to bright, for a terminal's dark background: bright pixels take the most ink.
    static let plainRamp = Array(" .:-=+*#%@")

    /// The character of the ramp for two pixels' mean brightness.
    private static func plainCharacter(_ top: Pixel, _ bottom: Pixel) -> Character {
        let brightness = (luma(top) + luma(bottom)) / 2
        return plainRamp[min(plainRamp.count - 1, Int(brightness * Double(plainRamp.count) / 256))]
    }

    typealias Pixel = (r: UInt8, g: UInt8, b: UInt8)

    /// The two pixels each character shows, top and bottom, row by row: the image resized to the cells
    /// (nearest neighbour, as `load_img` resizes).
    private static func pixelPairs(_ image: RGBImage, _ size: PictureCells) -> [[(Pixel, Pixel)]] {
        let grid = image.resized(width: size.columns, height: 2 * size.rows)
        return (0..<size.rows).map { row in
            (0..<size.columns).map { (grid.pixel(x: $0, y: 2 * row), grid.pixel(x: $0, y: 2 * row + 1)) }
        }
    }

    /// Rows of `▀`, the top pixel the glyph's colour and the bottom one the colour behind it; a colour is
    /// written only where it changes, and each line ends with the colours reset.
    private static func blocks(_ image: RGBImage, _ size: PictureCells, _ style: (Pixel, Pixel) -> TextStyle)
        -> String
    {
        pixelPairs(image, size).map { row in
            var line = ""
            var current = ""
            for (top, bottom) in row {
                let escape = style(top, bottom).escapeSequence
                if escape != current {
                    line += escape
                    current = escape
                }
                line += "▀"
            }
            return line + TextStyle.resetSequence
        }.joined(separator: "\n")
    }

    /// The image as base64 PNG for the inline protocols, at most 1024 pixels on its longer side (a photo
    /// loaded at full size would otherwise send megabytes to the terminal).
    private static func inlinePNG(_ image: RGBImage) -> String {
        let longest = max(image.width, image.height)
        let scaled =
            longest <= 1024
            ? image
            : image.resized(
                width: max(1, image.width * 1024 / longest), height: max(1, image.height * 1024 / longest))
        // Encoding 8-bit RGB in memory fails only without memory; a picture then shows as nothing.
        return ((try? scaled.pngData()).map { Data($0) } ?? Data()).base64EncodedString()
    }

    /// Brightness 0…255 (ITU-R 601, as Pillow's `convert('L')`).
    private static func luma(_ pixel: Pixel) -> Double {
        0.299 * Double(pixel.r) + 0.587 * Double(pixel.g) + 0.114 * Double(pixel.b)
    }

    /// The nearest colour of the xterm palette: the 6×6×6 cube (16–231, levels 0, 95, 135, …, 255) or the
    /// grey ramp (232–255, greys 8, 18, …, 238), whichever is closer.
    static func xterm256(_ pixel: Pixel) -> UInt8 {
        let levels = [0, 95, 135, 175, 215, 255]
        func level(_ value: UInt8) -> Int { value < 48 ? 0 : value < 115 ? 1 : (Int(value) - 35) / 40 }
        let (r, g, b) = (Int(pixel.r), Int(pixel.g), Int(pixel.b))
        let cube = (level(pixel.r), level(pixel.g), level(pixel.b))
        let grey = min(23, max(0, Int((Double(r + g + b) / 3 - 8) / 10 + 0.5)))
        func distance(_ x: Int, _ y: Int, _ z: Int) -> Int { (r - x) * (r - x) + (g - y) * (g - y) + (b - z) * (b - z) }
        let cubeDistance = distance(levels[cube.0], levels[cube.1], levels[cube.2])
        let greyValue = 8 + 10 * grey
        if distance(greyValue, greyValue, greyValue) < cubeDistance { return UInt8(232 + grey) }
        return UInt8(16 + 36 * cube.0 + 6 * cube.1 + cube.2)
    }
}

extension Picture {
    /// The caption, wrapped to `width` (as prose: at most 100 columns), and under it the image drawn in `mode`: as wide as `width` allows
    /// up to ``TerminalPicture/widest`` columns, and on a screen `screenRows` high, short enough to be seen
    /// whole (see ``PictureCells/init(width:height:columns:screenRows:)``).
    public func drawn(mode: PictureMode, width: Int, screenRows: Int?) -> String {
        let size = PictureCells(
            width: image.width, height: image.height, columns: min(width, TerminalPicture.widest),
            screenRows: screenRows)
        return wrap(caption, width: TextWidth.prose(columns: width)) + "\n"
            + TerminalPicture.draw(image, mode: mode, size: size)
    }
}
