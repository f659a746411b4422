import Foundation
import Platform

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Downloads a weight file into place, all or nothing.
///
/// The body streams into a hidden temporary file in the destination's own directory
/// (`.<name>.partial-<random>`) while its md5 is computed; only when the transfer is complete and
/// the md5 matches is the file renamed onto the destination, atomically. On any failure (HTTP error,
/// no connection, short read, md5 mismatch, cancellation, disk error) the temporary file, and any
/// directory the download created, are removed: nothing is left behind, and an existing file at the
/// destination is left untouched.
public struct WeightsDownloader: Sendable {
    /// Where to download from.
    public var url: URL
    /// The md5 the downloaded bytes must have (hex, any letter case).
    public var expectedMD5: String
    /// The final path of the file.
    public var destination: String

    /// A downloader for the tutorial's weights into the cache, unless told otherwise.
    public init(
        url: URL = WeightsCache.tutorialURL,
        expectedMD5: String = WeightsCache.tutorialMD5,
        destination: String = WeightsCache.defaultWeightsPath
    ) {
        self.url = url
        self.expectedMD5 = expectedMD5
        self.destination = destination
    }

    /// Downloads the file and returns `destination`.
    ///
    /// - Parameter progress: called with the bytes received so far and the total when the server
    ///   announced it: once at the start, about ten times a second while data arrives, and once at
    ///   the end. It runs on a background thread.
    /// - Throws: a `WeightsError` whose description is one line starting with `download failed:`
    ///   (or `download cancelled` when the surrounding task was cancelled).
    public func download(
        progress: @escaping @Sendable (_ received: Int64, _ total: Int64?) -> Void = { _, _ in }
    ) async throws(WeightsError) -> String {
        if Task.isCancelled { throw .downloadCancelled(url: url.absoluteString) }

        let directory = (destination as NSString).deletingLastPathComponent
        let createdDirectories: [String]
        do throws(FileError) {
            createdDirectories = try makeDirectories(directory.isEmpty ? "." : directory)
        } catch {
            throw .downloadStorage(
                path: error.path,
                reason: Bilingual(
                    "cannot create directory (\(error.reason.en))", "无法创建目录（\(error.reason.zh)）"))
        }
        var succeeded = false
        // Runs last, after the temporary file is gone: `defer`s run in reverse order.
        defer {
            if !succeeded { for directory in createdDirectories { rmdir(directory) } }
        }

        let file: AtomicFile
        do throws(FileError) {
            file = try AtomicFile(replacing: destination)
        } catch {
            throw .downloadStorage(path: error.path, reason: error.reason)
        }
        defer { if !succeeded { file.discard() } }

        let transfer = try Transfer(
            url: url, file: file, cacheFolder: directory.isEmpty ? "." : directory, progress: progress)
        let outcome = await transfer.run()
        // Data can still arrive after the end is reported; none may be written while the file is committed
        // or discarded.
        transfer.close()
        if case .failure(let error) = outcome { throw error }
        let (received, total, digest) = transfer.summary()
        progress(received, total)

        guard digest == expectedMD5.lowercased() else {
            throw .downloadChecksumMismatch(url: url.absoluteString, actual: digest, expected: expectedMD5.lowercased())
        }
        if Task.isCancelled { throw .downloadCancelled(url: url.absoluteString) }
        do throws(FileError) {
            try file.commit()
        } catch {
            throw .downloadStorage(path: error.path, reason: error.reason)
        }
        succeeded = true
        return destination
    }
}

// MARK: - One transfer

private let cacheLock = NSLock()
nonisolated(unsafe) private var sharedCacheReplaced = false

/// One HTTP GET streamed into a file, hashing as it goes.
///
/// URLSession calls the delegate methods on its own serial queue; `cancel()` may come from any
/// thread. All mutable state is guarded by `lock`.
private final class Transfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let url: URL
    private let file: AtomicFile
    private let progress: @Sendable (Int64, Int64?) -> Void
    /// An existing folder that Foundation may name as its URL cache's (it keeps nothing there: capacity 0).
    private let cacheFolder: String

    private let lock = NSLock()
    private let md5: MD5
    private var received: Int64 = 0
    private var total: Int64?
    private var failure: WeightsError?
    private var cancelled = false
    /// Set by `close()`: no more data goes into the file.
    private var closed = false
    private var task: URLSessionDataTask?
    private var session: URLSession?
    private var continuation: CheckedContinuation<Result<Void, WeightsError>, Never>?
    private var lastReport: ContinuousClock.Instant?

    init(
        url: URL, file: AtomicFile, cacheFolder: String, progress: @escaping @Sendable (Int64, Int64?) -> Void
    ) throws(WeightsError) {
        md5 = try MD5()
        self.url = url
        self.file = file
        self.cacheFolder = cacheFolder
        self.progress = progress
    }

    /// A configuration that keeps nothing: no URL cache, no cookies, no credentials, and no folder made for
    /// them. swift-corelibs-foundation makes two as soon as a configuration exists, `.ephemeral` too: the
    /// shared URL cache's, `$XDG_CACHE_HOME/org.swift.foundation.URLCache/<program>`, and the shared cookie
    /// storage's, `$XDG_DATA_HOME/<name of the program's folder>`. So the shared cache is first replaced by
    /// one of capacity zero on a folder that exists already, and the first configuration is made while
    /// `XDG_DATA_HOME` names the folder above the program's own, which then exists too.
    private static func configurationKeepingNothing(cacheFolder: String) -> URLSessionConfiguration {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        #if canImport(FoundationNetworking)
            if !sharedCacheReplaced {
                URLCache.shared = URLCache(memoryCapacity: 0, diskCapacity: 0, diskPath: cacheFolder)
                let folderAboveTheProgram = Bundle.main.bundleURL.deletingLastPathComponent().path
                withEnvironmentVariable("XDG_DATA_HOME", setTo: folderAboveTheProgram) { _ = HTTPCookieStorage.shared }
                sharedCacheReplaced = true
            }
        #endif
        let configuration = URLSessionConfiguration.default
        configuration.urlCache = nil  // never keep a 100 MB body in a cache
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpCookieStorage = nil
        configuration.urlCredentialStorage = nil
        return configuration
    }

    /// Runs the transfer to its end; cancelling the calling task cancels the transfer.
    func run() async -> Result<Void, WeightsError> {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, WeightsError>, Never>) in
                lock.lock()
                if cancelled {
                    lock.unlock()
                    continuation.resume(returning: .failure(.downloadCancelled(url: url.absoluteString)))
                    return
                }
                self.continuation = continuation
                let configuration = Self.configurationKeepingNothing(cacheFolder: cacheFolder)
                let queue = OperationQueue()
                queue.maxConcurrentOperationCount = 1
                let session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
                var request = URLRequest(url: url)
                // Byte counts must match Content-Length: no transparent decompression.
                request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
                let task = session.dataTask(with: request)
                self.session = session
                self.task = task
                lock.unlock()
                task.resume()
            }
        } onCancel: {
            cancel()
        }
    }

    /// Stops writing to the file: a write under way ends first, and data that comes later is dropped.
    func close() {
        lock.lock()
        closed = true
        lock.unlock()
    }

    /// Bytes received, the announced total, and the md5 of what was received.
    func summary() -> (received: Int64, total: Int64?, md5: String) {
        lock.lock()
        defer { lock.unlock() }
        return (received, total, md5.finalize())
    }

    private func cancel() {
        lock.lock()
        cancelled = true
        if failure == nil { failure = .downloadCancelled(url: url.absoluteString) }
        let task = self.task
        lock.unlock()
        task?.cancel()
    }

    /// Records the first failure and stops the transfer.
    private func fail(_ error: WeightsError, task: URLSessionTask) {
        lock.lock()
        if failure == nil { failure = error }
        lock.unlock()
        task.cancel()
    }

    // MARK: URLSessionDataDelegate

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            fail(.httpStatus(url: (http.url ?? url).absoluteString, status: http.statusCode), task: dataTask)
            completionHandler(.cancel)
            return
        }
        let announced = response.expectedContentLength >= 0 ? response.expectedContentLength : nil
        lock.lock()
        total = announced
        lastReport = ContinuousClock.now
        lock.unlock()
        progress(0, announced)
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock()
        if failure != nil || closed {
            lock.unlock()
            return
        }
        do throws(FileError) {
            try file.write(data)
        } catch {
            lock.unlock()
            fail(.downloadStorage(path: error.path, reason: error.reason), task: dataTask)
            return
        }
        md5.update(data)
        received += Int64(data.count)
        let now = ContinuousClock.now
        var report: (Int64, Int64?)?
        if lastReport.map({ now - $0 >= .milliseconds(100) }) ?? true {
            lastReport = now
            report = (received, total)
        }
        lock.unlock()
        if let report { progress(report.0, report.1) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.lock()
        if failure == nil {
            if let error {
                failure = Self.describe(error, url: url, received: received, total: total)
            } else if let total, received < total {
                failure = .shortDownload(url: url.absoluteString, received: received, expected: total)
            }
        }
        let result: Result<Void, WeightsError> = failure.map { .failure($0) } ?? .success(())
        let continuation = self.continuation
        self.continuation = nil
        let session = self.session
        self.session = nil
        lock.unlock()
        session?.finishTasksAndInvalidate()  // the session holds its delegate until invalidated
        continuation?.resume(returning: result)
    }

    /// One-line description of a URLSession failure.
    private static func describe(_ error: Error, url: URL, received: Int64, total: Int64?) -> WeightsError {
        let failingURL = (error as? URLError)?.failingURL ?? url
        let host = failingURL.host ?? failingURL.absoluteString
        let port = failingURL.port ?? (failingURL.scheme == "https" ? 443 : failingURL.scheme == "http" ? 80 : nil)
        let address = url.absoluteString
        guard let code = (error as? URLError)?.code else {
            return .networkFailure(url: address, reason: Bilingual(verbatim: error.localizedDescription))
        }
        switch code {
        case .cancelled:
            return .downloadCancelled(url: address)
        case .cannotConnectToHost:
            return .cannotConnect(host: host, port: port, reason: Bilingual("connection refused", "连接被拒绝"))
        case .cannotFindHost, .dnsLookupFailed:
            return .cannotConnect(host: host, port: port, reason: Bilingual("host not found", "找不到主机"))
        case .notConnectedToInternet:
            return .cannotConnect(host: host, port: port, reason: Bilingual("no network", "没有网络"))
        case .timedOut where received == 0:
            return .cannotConnect(host: host, port: port, reason: Bilingual("timed out", "超时"))
        case .timedOut:
            return .networkFailure(
                url: address, reason: Bilingual("timed out after \(received) bytes", "收到 \(received) 字节后超时"))
        default:
            if let total, received < total {
                return .shortDownload(url: address, received: received, expected: total)
            }
            return .networkFailure(url: address, reason: Bilingual(verbatim: error.localizedDescription))
        }
    }
}
