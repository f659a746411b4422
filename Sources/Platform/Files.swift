// Files written all or nothing, directories made on demand, and where the XDG base directories are.

/// A file-system call that failed: what was being done, to which path, and `errno`.
public struct FileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done when a call failed.
    public enum Action: Sendable, Equatable {
        case write, createDirectory, read

        var text: Bilingual {
            switch self {
            case .write: Bilingual("write", "写入")
            case .createDirectory: Bilingual("create directory", "创建目录")
            case .read: Bilingual("read", "读取")
            }
        }
    }

    public let action: Action
    /// The path it failed on.
    public let path: String
    /// The `errno` it failed with.
    public let code: Int32
    /// Set when the path names something that is not a regular file (a FIFO, a device, a directory, …):
    /// reslab reads and replaces only regular files.
    public let notRegular: FileKind?

    public init(action: Action, path: String, code: Int32, notRegular: FileKind? = nil) {
        self.action = action
        self.path = path
        self.code = code
        self.notRegular = notRegular
    }

    /// An error for `path` naming a `kind` of thing that is not a regular file.
    public init(action: Action, path: String, notRegular kind: FileKind) {
        self.init(action: action, path: path, code: kind == .directory ? EISDIR : EINVAL, notRegular: kind)
    }

    /// Why, in words: e.g. "No space left on device", or "it is a named pipe (FIFO), not a regular file".
    public var reason: Bilingual { notRegular?.text ?? errnoText(code) }

    /// One line: `cannot write '/x/y': No space left on device`.
    public var description: String { text.localized }

    /// The line in English and in Chinese.
    public var text: Bilingual {
        Bilingual(
            "cannot \(action.text.en) '\(path)': \(reason.en)", "无法\(action.text.zh) '\(path)'：\(reason.zh)")
    }
}

// MARK: - Only regular files

/// What a path names, when reslab must refuse it: everything but a regular file.
public enum FileKind: Sendable, Equatable {
    case directory, fifo, device, socket, other

    /// The kind of `mode` (from `stat`), or `nil` for a regular file.
    public init?(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: self = .directory
        case S_IFIFO: self = .fifo
        case S_IFCHR, S_IFBLK: self = .device
        case S_IFSOCK: self = .socket
        default: self = .other
        }
    }

    /// Why reslab refuses it, e.g. "it is a named pipe (FIFO), not a regular file".
    public var text: Bilingual {
        switch self {
        case .directory: Bilingual("it is a directory, not a regular file", "这是一个目录，不是普通文件")
        case .fifo: Bilingual("it is a named pipe (FIFO), not a regular file", "这是一个命名管道（FIFO），不是普通文件")
        case .device: Bilingual("it is a device, not a regular file", "这是一个设备，不是普通文件")
        case .socket: Bilingual("it is a socket, not a regular file", "这是一个套接字，不是普通文件")
        case .other: Bilingual("it is not a regular file", "这不是普通文件")
        }
    }
}

/// Opens `path` for reading only if it is a regular file, and returns the descriptor (close it) with its
/// size. Opened non-blocking, so that a FIFO without a writer or a device cannot hang the open, then
/// checked with `fstat` before a byte is read, then set back to blocking.
/// - Throws: `FileError` (`.read`): the `errno` of `open`, or `notRegular` for a FIFO, device, directory, ….
public func openRegularFile(_ path: String) throws(FileError) -> (descriptor: Int32, size: Int) {
    let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
    guard descriptor >= 0 else { throw FileError(action: .read, path: path, code: errno) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else {
        let code = errno
        close(descriptor)
        throw FileError(action: .read, path: path, code: code)
    }
    if let kind = FileKind(mode: info.st_mode) {
        close(descriptor)
        throw FileError(action: .read, path: path, notRegular: kind)
    }
    _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
    return (descriptor, Int(info.st_size))
}

/// The bytes of `descriptor` up to its end, retrying after signals, at most `limit` of them: `nil` when it
/// holds more. `enough`, asked after each read, may stop early; `path` names the file in errors.
public func readToEnd(
    _ descriptor: Int32, path: String, limit: Int = .max, sizeHint: Int = 0,
    enough: ([UInt8]) -> Bool = { _ in false }
) throws(FileError) -> [UInt8]? {
    var bytes = [UInt8]()
    bytes.reserveCapacity(max(0, min(sizeHint, limit)))
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw FileError(action: .read, path: path, code: errno)
        }
        if count == 0 { return bytes }
        guard bytes.count + count <= limit else { return nil }
        bytes.append(contentsOf: chunk[0..<count])
        if enough(bytes) { return bytes }
    }
}

/// The bytes of the regular file at `path`, or `nil` when nothing is there.
/// - Throws: `FileError` (`.read`): why it could not be opened or read, `notRegular` for a FIFO, a
///   directory, …, or `EFBIG` when it holds more than `limit` bytes.
public func readFileIfPresent(_ path: String, limit: Int = .max) throws(FileError) -> [UInt8]? {
    let opened: (descriptor: Int32, size: Int)
    do throws(FileError) {
        opened = try openRegularFile(path)
    } catch {
        if error.code == ENOENT && error.notRegular == nil { return nil }
        throw error
    }
    defer { close(opened.descriptor) }
    guard let bytes = try readToEnd(opened.descriptor, path: path, limit: limit, sizeHint: opened.size) else {
        throw FileError(action: .read, path: path, code: EFBIG)
    }
    return bytes
}

// MARK: - Writing all or nothing

/// A file that appears at `path` only once it is complete: the bytes go to a hidden temporary file
/// beside it (`.<name>.partial-<random>`, same directory so the rename is atomic), which ``commit()``
/// flushes to disk and renames onto `path`. Until then an existing file at `path` is untouched; a
/// failure, ``discard()`` or dropping the object unlinks the temporary file. Not thread-safe.
///
/// Only a regular file is replaced: an existing FIFO, device or directory at `path` (or at the end of a
/// symbolic link there) is refused, and a symbolic link to a regular file keeps pointing to it, which is
/// replaced. The temporary file is locked (`flock`) while it is written, so a process that died before it
/// could remove its own (`kill -9`, a crash) leaves one no other process holds: the next `AtomicFile` for
/// the same path removes such leftovers.
public final class AtomicFile {
    /// Where the file lands on ``commit()``, as given.
    public let path: String
    /// The temporary file being written.
    public let temporaryPath: String
    /// What the rename replaces: `path`, or the regular file a symbolic link at `path` points to.
    private let target: String
    private var descriptor: Int32
    private var finished = false

    /// Creates the temporary file beside `path` (the directory must exist).
    public init(replacing path: String, permissions: mode_t = 0o644) throws(FileError) {
        let target = try Self.replaceableTarget(path)
        let slash = target.lastIndex(of: "/")
        let directory = slash.map { String(target[...$0]) } ?? ""
        let prefix = "." + (slash.map { String(target[target.index(after: $0)...]) } ?? target) + ".partial-"
        Self.removeAbandonedFiles(in: directory, prefix: prefix)
        var generator = SystemRandomNumberGenerator()
        while true {
            let temporaryPath = directory + prefix + String(generator.next() as UInt64, radix: 16)
            let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
            guard descriptor >= 0 else { throw FileError(action: .write, path: path, code: errno) }
            // Another process's cleanup may have taken the file between open and flock: then start again.
            var info = stat()
            guard flock(descriptor, LOCK_EX) == 0, fstat(descriptor, &info) == 0, info.st_nlink > 0 else {
                close(descriptor)
                continue
            }
            self.path = path
            self.target = target
            self.temporaryPath = temporaryPath
            self.descriptor = descriptor
            return
        }
    }

    /// `path`, or the file a symbolic link there points to; refuses anything but a regular file.
    private static func replaceableTarget(_ path: String) throws(FileError) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { return path }  // nothing there yet (or a dangling link): replaced
        if let kind = FileKind(mode: info.st_mode) { throw FileError(action: .write, path: path, notRegular: kind) }
        var link = stat()
        guard lstat(path, &link) == 0, link.st_mode & S_IFMT == S_IFLNK else { return path }
        return resolvedPath(path) ?? path
    }

    /// Removes the files in `directory` named `prefix…` that no process holds locked: temporary files of
    /// an `AtomicFile` whose process died.
    private static func removeAbandonedFiles(in directory: String, prefix: String) {
        for name in directoryEntries(directory.isEmpty ? "." : directory) where name.hasPrefix(prefix) {
            let candidate = directory + name
            let descriptor = open(candidate, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            var info = stat()
            if fstat(descriptor, &info) == 0, FileKind(mode: info.st_mode) == nil,
                flock(descriptor, LOCK_EX | LOCK_NB) == 0
            {
                unlink(candidate)
            }
            close(descriptor)
        }
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
    /// (Renamed before it is closed: until then the lock tells other processes it is not abandoned.)
    /// Unflushed, a crash of the system soon after may leave the file renamed but not all written: only
    /// for a file whose reader checks it whole.
    public func commit(flushing: Bool = true) throws(FileError) {
        if finished { throw FileError(action: .write, path: path, code: EBADF) }
        if flushing && fsync(descriptor) != 0 { throw fail(errno) }
        if rename(temporaryPath, target) != 0 { throw fail(errno) }
        finished = true
        close(descriptor)  // the bytes are on disk already: fsync reported any write error
        descriptor = -1
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

/// The names in `directory` (`.` and `..` among them), in no order; none when it cannot be read.
public func directoryEntries(_ directory: String) -> [String] {
    guard let stream = opendir(directory) else { return [] }
    defer { closedir(stream) }
    var names = [String]()
    while let entry = readdir(stream) {
        names.append(
            withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
    }
    return names
}

/// `path` with every symbolic link, `.` and `..` resolved (`realpath(3)`); `nil` when it cannot be.
public func resolvedPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

// MARK: - Locks

/// Runs `body` holding an exclusive advisory lock (`flock`) on `lockPath`, a file created if missing and
/// left in place: two processes that read, change and rewrite a file under the same lock never lose each
/// other's changes. The lock goes with the descriptor, so a process that dies releases it.
public func withExclusiveLock<T>(on lockPath: String, _ body: () throws(FileError) -> T) throws(FileError) -> T {
    let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw FileError(action: .write, path: lockPath, code: errno) }
    defer { close(descriptor) }
    while flock(descriptor, LOCK_EX) != 0 {
        if errno != EINTR { throw FileError(action: .write, path: lockPath, code: errno) }
    }
    return try body()
}

/// Rewrites the file at `path` from what it holds now: `change` gets its bytes (none when there is no file
/// yet, refused past `limit` bytes) and returns the new ones, written all or nothing (``atomicWrite``).
/// Runs under an exclusive lock on `path.lock`, so a session doing the same meanwhile waits and neither loses
/// the other's change. Missing directories above `path` are made (mode `directoryPermissions`).
public func updateFile(
    _ path: String, limit: Int = .max, permissions: mode_t = 0o644, directoryPermissions: mode_t = 0o700,
    _ change: ([UInt8]) -> [UInt8]
) throws(FileError) {
    if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
        try makeDirectories(String(path[..<slash]), permissions: directoryPermissions)
    }
    try withExclusiveLock(on: path + ".lock") { () throws(FileError) in
        let current = try readFileIfPresent(path, limit: limit) ?? []
        try atomicWrite(change(current), to: path, permissions: permissions)
    }
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

// MARK: - Mapped files

/// A regular file mapped read-only into memory, its pages faulted in at once, unmapped when the object
/// goes. Only files that are replaced by renaming (``AtomicFile``), never rewritten in place, are safe to
/// map: a file truncated under a mapping ends the process with `SIGBUS` at the next read past its end.
public final class MappedFile: @unchecked Sendable {
    /// The file's bytes.
    public let bytes: UnsafeRawBufferPointer

    /// Maps the regular file at `path`.
    /// - Throws: `FileError` (`.read`): why it could not be opened or mapped; `EINVAL` for an empty file.
    public init(path: String) throws(FileError) {
        let (descriptor, size) = try openRegularFile(path)
        defer { close(descriptor) }
        guard size > 0 else { throw FileError(action: .read, path: path, code: EINVAL) }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, descriptor, 0)
        guard let address, address != MAP_FAILED else { throw FileError(action: .read, path: path, code: errno) }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count) }
}
