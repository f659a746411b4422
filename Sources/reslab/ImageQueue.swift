import Foundation
import Notebook
import Platform
import ResNetCore
import ResNetIO

/// One `classify` argument's worth of work, in the order the arguments came: an image to read, or a
/// problem found while expanding the arguments (an empty folder, a glob that matched nothing).
enum ImageSource: Equatable {
    case image(String)
    case problem(String)

    /// The images that `arguments` name, in order. A folder gives its `.jpg`, `.jpeg` and `.png` files
    /// (any case, not those of subfolders) sorted by name; an argument that names nothing but holds
    /// `*`, `?` or `[` is a glob (quoted, so the shell left it alone) expanded with glob(3), sorted.
    /// Anything else is taken as a file, so a missing one gets its read error in its place.
    static func expand(_ arguments: [String]) -> [ImageSource] {
        arguments.flatMap { argument -> [ImageSource] in
            if let entries = try? FileManager.default.contentsOfDirectory(atPath: argument) {
                let images = entries.filter {
                    ["jpg", "jpeg", "png"].contains(($0 as NSString).pathExtension.lowercased())
                }
                guard !images.isEmpty else { return [.problem(Message.noImagesInFolder(argument).localized)] }
                return images.sorted().map { .image((argument as NSString).appendingPathComponent($0)) }
            }
            guard !fileExists(argument), argument.contains(where: { "*?[".contains($0) }) else {
                return [.image(argument)]
            }
            let matches = globMatches(argument)
            return matches.isEmpty ? [.problem(Message.noMatch(argument).localized)] : matches.map { .image($0) }
        }
    }

    /// The paths glob(3) finds for `pattern`, sorted; none if it finds none or fails.
    private static func globMatches(_ pattern: String) -> [String] {
        var found = glob_t()
        defer { globfree(&found) }
        guard glob(pattern, 0, nil, &found) == 0 else { return [] }
        return (0..<Int(found.gl_pathc)).compactMap { found.gl_pathv[$0].map { String(cString: $0) } }
    }
}

/// Reads and preprocesses images on a helper thread, at most `ahead` images in front of the reader,
/// and hands them out in the order of the sources.
final class ImageQueue: @unchecked Sendable {
    /// A source as the network takes it: the image as `[1, 224, 224, 3]`, or the error line it gets.
    enum Item {
        case input(path: String, tensor: Tensor)
        case failure(String)
    }

    let count: Int
    private let sources: [ImageSource]
    private let ahead: Int
    private let condition = NSCondition()
    private var started = 0
    private var handedOut = 0
    private var ready = [Int: Item]()
    private var stopped = false

    /// Starts `threads` decoding threads on `sources`.
    init(_ sources: [ImageSource], ahead: Int, threads: Int = 1) {
        self.sources = sources
        self.ahead = max(1, ahead)
        count = sources.count
        for _ in 0..<max(1, threads) { Thread { self.decodeUntilDone() }.start() }
    }

    /// The next item in order, waiting for it if need be; `nil` after the last.
    func next() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        guard handedOut < count else { return nil }
        while ready[handedOut] == nil { condition.wait() }
        let item = ready.removeValue(forKey: handedOut)!
        handedOut += 1
        condition.broadcast()
        return item
    }

    /// Lets the decoding threads end without reading further.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func decodeUntilDone() {
        while true {
            condition.lock()
            while !stopped, started < count, started >= handedOut + ahead { condition.wait() }
            guard !stopped, started < count else {
                condition.unlock()
                return
            }
            let index = started
            started += 1
            condition.unlock()

            let item: Item
            switch sources[index] {
            case .problem(let message):
                item = .failure(message)
            case .image(let path):
                do {
                    item = .input(
                        path: path, tensor: preprocessInput(try loadImage(path: path, targetSize: (224, 224))))
                } catch {
                    item = .failure(error.description)
                }
            }
            condition.lock()
            ready[index] = item
            condition.broadcast()
            condition.unlock()
        }
    }
}
