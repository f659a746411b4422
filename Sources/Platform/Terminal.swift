/// Terminals, standard error and colour. The one place that writes ANSI escape codes (see ``TextStyle``,
/// and the inline-image protocols below).
public enum Terminal {
    /// Whether `fileDescriptor` is a terminal.
    public static func isTerminal(_ fileDescriptor: Int32) -> Bool { isatty(fileDescriptor) == 1 }

    public static var standardOutputIsTerminal: Bool { isTerminal(STDOUT_FILENO) }
    public static var standardErrorIsTerminal: Bool { isTerminal(STDERR_FILENO) }

    /// The size of the terminal standard output goes to, in character cells; `nil` when it is not a
    /// terminal. It changes when the window is resized: ask again rather than keep it.
    public static var size: (columns: Int, rows: Int)? {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return (Int(size.ws_col), Int(size.ws_row))
    }

    /// The width of the terminal standard output goes to, in columns; `nil` when it is not a terminal.
    public static var columns: Int? { size?.columns }

    /// Whether output may carry ANSI colour: it goes to a terminal, `NO_COLOR` is unset and `TERM` is
    /// not `dumb`. `environment` needs only those two variables.
    public static func mayColor(isTerminal: Bool, environment: [String: String]) -> Bool {
        isTerminal && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
    }

    /// Whether standard output may carry colour (see ``mayColor(isTerminal:environment:)``).
    public static var colorsStandardOutput: Bool {
        mayColor(isTerminal: standardOutputIsTerminal, environment: colorEnvironment)
    }

    /// Whether standard error may carry colour (see ``mayColor(isTerminal:environment:)``).
    public static var colorsStandardError: Bool {
        mayColor(isTerminal: standardErrorIsTerminal, environment: colorEnvironment)
    }

    /// Writes all of `text` to standard error, unbuffered, retrying after signals. A write that fails
    /// (a closed descriptor, a full disk) drops the rest: there is nowhere left to report it.
    public static func writeToStandardError(_ text: String) {
        var text = text
        text.withUTF8 { _ = writeFully(STDERR_FILENO, UnsafeRawBufferPointer($0)) }
    }

    /// Erases from the cursor to the end of the line (after `\r`, to redraw a line in place).
    public static let eraseToEndOfLine = "\u{1B}[K"

    /// A PNG shown with the kitty graphics protocol, `columns` × `rows` character cells, the cursor after
    /// it: `ESC _G a=T,f=100,…;<base64> ESC \`, the base64 in chunks of at most 4096 characters, each but
    /// the last marked `m=1`. `q=2` keeps the terminal from answering on standard input.
    public static func kittyImage(base64 png: String, columns: Int, rows: Int) -> String {
        let characters = Array(png.utf8)
        let chunkSize = 4096
        var chunks = stride(from: 0, to: characters.count, by: chunkSize).map {
            String(decoding: characters[$0..<min($0 + chunkSize, characters.count)], as: UTF8.self)
        }
        if chunks.isEmpty { chunks = [""] }
        return chunks.enumerated().map { index, chunk in
            let more = index < chunks.count - 1 ? 1 : 0
            let keys = index == 0 ? "a=T,f=100,q=2,c=\(columns),r=\(rows),m=\(more)" : "m=\(more)"
            return "\u{1B}_G\(keys);\(chunk)\u{1B}\\"
        }.joined()
    }

    /// A PNG shown inline by iTerm2 (OSC 1337), `columns` character cells wide, as high as its shape asks.
    public static func iTerm2Image(base64 png: String, columns: Int) -> String {
        "\u{1B}]1337;File=inline=1;width=\(columns);preserveAspectRatio=1:\(png)\u{07}"
    }

    private static var colorEnvironment: [String: String] {
        var environment: [String: String] = [:]
        for name in ["NO_COLOR", "TERM"] {
            environment[name] = getenv(name).map { String(cString: $0) }
        }
        return environment
    }
}

/// How ``styled(_:_:enabled:)`` shows text on a terminal (an ANSI SGR code).
public enum TextStyle: Sendable {
    case bold, dim, red, green, yellow, cyan, boldRed
    /// 24-bit colour: `foreground` for the glyph, `background` behind it (a pixel pair drawn with `▀`).
    case truecolor(foreground: (r: UInt8, g: UInt8, b: UInt8), background: (r: UInt8, g: UInt8, b: UInt8))
    /// The same pair in the xterm 256-colour palette (indices 16–231 the 6×6×6 cube, 232–255 the greys).
    case palette256(foreground: UInt8, background: UInt8)

    /// The escape sequence that turns this style on.
    public var escapeSequence: String {
        switch self {
        case .bold: return Self.sgr("1")
        case .dim: return Self.sgr("2")
        case .red: return Self.sgr("31")
        case .green: return Self.sgr("32")
        case .yellow: return Self.sgr("33")
        case .cyan: return Self.sgr("36")
        case .boldRed: return Self.sgr("1;31")
        case .truecolor(let f, let b): return Self.sgr("38;2;\(f.r);\(f.g);\(f.b);48;2;\(b.r);\(b.g);\(b.b)")
        case .palette256(let f, let b): return Self.sgr("38;5;\(f);48;5;\(b)")
        }
    }

    /// The escape sequence that turns every style off.
    public static let resetSequence = sgr("0")

    private static func sgr(_ parameters: String) -> String { "\u{1B}[\(parameters)m" }
}

/// `text` in `style` when `enabled` (e.g. `Terminal.colorsStandardOutput`), else `text` unchanged.
public func styled(_ text: String, _ style: TextStyle, enabled: Bool) -> String {
    enabled ? style.escapeSequence + text + TextStyle.resetSequence : text
}

extension String {
    /// The text without terminal escape sequences (`ESC [ … m` colours and the like), for files.
    public var withoutEscapeSequences: String {
        guard contains("\u{1B}") else { return self }
        var result = String.UnicodeScalarView()
        var scalars = unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar == "\u{1B}" else {
                result.append(scalar)
                continue
            }
            // CSI: ESC [ parameters… final byte (0x40–0x7E); other escapes: ESC and one more character.
            guard let next = scalars.next(), next == "[" else { continue }
            while let byte = scalars.next(), !(0x40...0x7E).contains(byte.value) {}
        }
        return String(result)
    }
}
