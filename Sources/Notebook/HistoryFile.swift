import Platform

/// The prompt's history file (`$XDG_STATE_HOME/reslab/history`), in GNU readline's format: one line per
/// entry, so a cell of several lines comes back as one entry per line. Each new entry is added under a lock
/// beside it (`history.lock`) to what the file holds then, other sessions' lines included, and the file is
/// rewritten all or nothing with its last ``limit`` lines (see ``updateFile(_:limit:permissions:directoryPermissions:_:)``).
public struct HistoryFile: Sendable {
    public let path: String
    /// How many lines the file keeps.
    public let limit: Int

    /// A history file larger than this is refused (`EFBIG`) rather than read.
    public static let sizeLimit = 16 << 20

    public init(path: String, limit: Int = 1000) {
        self.path = path
        self.limit = max(1, limit)
    }

    /// The last ``limit`` lines, oldest first; none when there is no file yet.
    public func load() throws(FileError) -> [String] {
        guard let bytes = try readFileIfPresent(path, limit: Self.sizeLimit) else { return [] }
        return Self.lines(of: bytes).suffix(limit).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Adds the lines of `entry` after the file's lines and keeps the last ``limit``.
    /// The file is private to its user (mode 0600), as readline makes it.
    public func append(_ entry: String) throws(FileError) {
        try updateFile(path, limit: Self.sizeLimit, permissions: 0o600) { current in
            let kept = (Self.lines(of: current) + Self.lines(of: Array(entry.utf8))).suffix(limit)
            return kept.flatMap { $0 + [newline] }
        }
    }

    /// The lines of `bytes`, without their newlines; lines of nothing but blanks are left out.
    private static func lines(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes.split(separator: newline).filter { $0.contains { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D } }
    }
}

private let newline: UInt8 = 0x0A
