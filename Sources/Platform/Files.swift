// Files written all or nothing, directories made on demand, and where the XDG base directories are.

/// A file-system call that failed: what was being done, to which path, and `errno`.
public struct FileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done when a call failed.
    public enum Action: Sendable, Equatable {
        case write, createDirectory

        var text: Bilingual {
            switch self {
            case .write: Bilingual("write", "写入")
            case .createDirectory: Bilingual("create directory", "创建目录")
            }
        }
    }

    public let action: Action
    /// The path it failed on.
    public let path: String
    /// The `errno` it failed with.
    public let code: Int32

    public init(action: Action, path: String, code: Int32) {
        self.action = action
        self.path = path
        self.code = code
    }

    /// `code` in words, e.g. "No space left on device".
    public var reason: Bilingual { errnoText(code) }

    /// One line: `cannot write '/x/y': No space left on device`.
    public var description: String { text.localized }

    /// The line in English and in Chinese.
    public var text: Bilingual {
        Bilingual(
            "cannot \(action.text.en) '\(path)': \(reason.en)", "无法\(action.text.zh) '\(path)'：\(reason.zh)")
    }
}

// MARK: - Writing all or nothing

/// A file that appears at `path` only once it is complete: the bytes go to a hidden temporary file
/// beside it (`.<name>.partial-<random>`, same directory so the rename is atomic), which ``commit()``
/// flushes to disk and renames onto `path`. Until then an existing file at `path` is untouched; a
/// failure, ``discard()`` or dropping the object unlinks the temporary file. Not thread-safe.
public final class AtomicFile {
    /// Where the file lands on ``commit()``.
    public let path: String
    /// The temporary file being written.
    public let temporaryPath: String
    private var descriptor: Int32
    private var finished = false

    /// Creates the temporary file beside `path` (the directory must exist).
    public init(replacing path: String, permissions: mode_t = 0o644) throws(FileError) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var generator = SystemRandomNumberGenerator()
        let temporaryPath = directory + ".\(name).partial-" + String(generator.next() as UInt64, radix: 16)
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard descriptor >= 0 else { throw FileError(action: .write, path: path, code: errno) }
        self.path = path
        self.temporaryPath = temporaryPath
        self.descriptor = descriptor
    }

    deinit { discard() }

    /// Appends `bytes`. On failure the temporary file is removed and the object is finished: any
    /// later call fails with `EBADF`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        if finished { throw FileError(action: .write, path: path, code: EBADF) }
        if let code = writeFully(descriptor, bytes) { throw fail(code) }
    }

    /// Appends `bytes` (an array, `Data`, a string's `utf8`, …).
    public func write(_ bytes: some Sequence<UInt8>) throws(FileError) {
        if finished { throw FileError(action: .write, path: path, code: EBADF) }
        let code: Int32? =
            bytes.withContiguousStorageIfAvailable { writeFully(descriptor, UnsafeRawBufferPointer($0)) }
            ?? Array(bytes).withUnsafeBytes { writeFully(descriptor, $0) }
        if let code { throw fail(code) }
    }

    /// Flushes the file to disk and renames it onto ``path``. On failure the temporary file is removed.
    public func commit() throws(FileError) {
        if finished { throw FileError(action: .write, path: path, code: EBADF) }
        if fsync(descriptor) != 0 { throw fail(errno) }
        let closed = close(descriptor)
        descriptor = -1
        if closed != 0 { throw fail(errno) }
        if rename(temporaryPath, path) != 0 { throw fail(errno) }
        finished = true
    }

    /// Closes and removes the temporary file; ``path`` is left as it was. Safe to call more than once.
    public func discard() {
        guard !finished else { return }
        finished = true
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporaryPath)
    }

    private func fail(_ code: Int32) -> FileError {
        discard()
        return FileError(action: .write, path: path, code: code)
    }
}

/// Replaces the file at `path` with `bytes`, all or nothing: see ``AtomicFile``. The directory must exist.
public func atomicWrite(_ bytes: some Sequence<UInt8>, to path: String, permissions: mode_t = 0o644)
    throws(FileError)
{
    let file = try AtomicFile(replacing: path, permissions: permissions)
    try file.write(bytes)
    try file.commit()
}

/// Writes all of `bytes` to `descriptor`, retrying after signals; `nil`, or the `errno` that stopped it.
func writeFully(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
    guard let base = bytes.baseAddress else { return nil }
    var offset = 0
    while offset < bytes.count {
        let written = Platform.write(descriptor, base + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            return errno
        }
        if written == 0 { return EIO }
        offset += written
    }
    return nil
}

// MARK: - Directories

/// `mkdir -p`: creates `directory` and its missing parents with `permissions`. Returns the directories
/// it created, deepest first (so a caller that fails later can remove them again with `rmdir`).
@discardableResult
public func makeDirectories(_ directory: String, permissions: mode_t = 0o755) throws(FileError) -> [String] {
    var created: [String] = []
    var path = directory.hasPrefix("/") ? "" : "."
    for component in directory.split(separator: "/", omittingEmptySubsequences: true) {
        path += "/" + component
        if mkdir(path, permissions) == 0 {
            created.append(path)
        } else if errno != EEXIST {
            let code = errno
            for made in created.reversed() { rmdir(made) }
            throw FileError(action: .createDirectory, path: path, code: code)
        }
    }
    return created.reversed()
}

// MARK: - XDG base directories

/// The XDG base directories (freedesktop.org's Base Directory Specification): a variable that is
/// unset, empty or relative is ignored, as the specification asks, in favour of its default under
/// the home directory. Paths come back without a trailing slash.
public enum XDG {
    /// `$XDG_STATE_HOME`, else `$HOME/.local/state`; `nil` when no home directory is known.
    public static func stateHome(environment: [String: String]) -> String? {
        baseDirectory("XDG_STATE_HOME", default: ".local/state", environment: environment)
    }

    /// `$XDG_CACHE_HOME`, else `$HOME/.cache`; `nil` when no home directory is known.
    public static func cacheHome(environment: [String: String]) -> String? {
        baseDirectory("XDG_CACHE_HOME", default: ".cache", environment: environment)
    }

    /// `$HOME` when set and not empty, else the home directory in the user database; `nil` if neither.
    public static func home(environment: [String: String]) -> String? {
        if let home = environment["HOME"], !home.isEmpty { return trimmingTrailingSlashes(home) }
        guard let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir else { return nil }
        let home = String(cString: directory)
        return home.isEmpty ? nil : trimmingTrailingSlashes(home)
    }

    /// This process's `HOME`, `XDG_STATE_HOME` and `XDG_CACHE_HOME`, for the functions above.
    public static var processEnvironment: [String: String] {
        var environment: [String: String] = [:]
        for name in ["HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"] {
            environment[name] = getenv(name).map { String(cString: $0) }
        }
        return environment
    }

    private static func baseDirectory(_ variable: String, default relative: String, environment: [String: String])
        -> String?
    {
        if let value = environment[variable], value.hasPrefix("/") { return trimmingTrailingSlashes(value) }
        return home(environment: environment).map { ($0 == "/" ? "" : $0) + "/" + relative }
    }

    private static func trimmingTrailingSlashes(_ path: String) -> String {
        var path = Substring(path)
        while path.count > 1 && path.hasSuffix("/") { path = path.dropLast() }
        return String(path)
    }
}
