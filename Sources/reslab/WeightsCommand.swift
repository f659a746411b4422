import ArgumentParser
import Foundation
import Notebook
import Platform
import ResNetIO

/// `reslab weights`: get, find and check the tutorial's weight file.
struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights", abstract: Message.cliWeightsAbstract.localized,
        subcommands: [Download.self, Path.self, Verify.self])

    struct Download: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: Message.cliDownloadAbstract.localized)

        @Option(help: ArgumentHelp(Message.cliURL.localized))
        var url: String?

        @Option(help: ArgumentHelp(Message.cliMD5.localized))
        var md5: String = WeightsCache.tutorialMD5

        func run() async throws {
            let destination = WeightsCache.defaultWeightsPath
            if fileExists(destination), (try? WeightsCache.verify(path: destination, expectedMD5: md5)) != nil {
                print(Message.alreadyDownloaded(path: destination, md5: md5).localized)
                return
            }
            var downloader = WeightsDownloader(expectedMD5: md5, destination: destination)
            if let url {
                guard let parsed = URL(string: url) else { throw UsageError(Message.notAURL(url).localized) }
                downloader.url = parsed
            }
            let bar = ProgressBar()
            if bar.isEnabled {
                Terminal.writeToStandardError(Message.downloading(downloader.url.absoluteString).localized + "\n")
            }
            defer { bar.finish() }
            // Ctrl-C or SIGTERM cancels the download, which removes its partial file, then ends reslab by that signal.
            // Caught before the download starts, so that no partial file exists without them.
            let stopping = StoppingSignals([SIGINT, SIGTERM])
            let download = Task { [downloader] () async throws(WeightsError) -> String in
                try await downloader.download { received, total in bar.update(received: received, total: total) }
            }
            stopping.onSignal { download.cancel() }
            let result = await download.result
            bar.finish()
            stopping.finish()
            let path = try result.get()
            print(Message.savedWeights(path: path, md5: md5).localized)
        }
    }

    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: Message.cliPathAbstract.localized)

        func run() throws {
            let path = WeightsCache.defaultWeightsPath
            print(path)
            guard fileExists(path) else { throw ExitCode(1) }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: Message.cliVerifyAbstract.localized, discussion: Message.cliVerifyDiscussion.localized)

        @Argument(help: ArgumentHelp(Message.cliVerifyFile.localized))
        var file: String?

        @Option(help: ArgumentHelp(Message.cliMD5.localized))
        var md5: String = WeightsCache.tutorialMD5

        func run() throws {
            let path = try LoadedNetwork.weightsPath(file)
            let digest = try WeightsCache.verifyResNet50(path: path, expectedMD5: md5)
            print(Message.md5OK(path: path, md5: digest).localized)
        }
    }
}

/// Catches `signals` while a long operation runs, so that it can clean up before the process ends:
/// the first one calls the handler given to ``onSignal(_:)`` (which cancels the operation), at once if it
/// came before. ``finish()`` restores the signals and, if one came, ends the process by it as it would
/// have ended (exit status 128 + the signal).
final class StoppingSignals: @unchecked Sendable {
    private let signals: [Int32]
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var received: Int32?
    private var handler: (@Sendable () -> Void)?

    init(_ signals: [Int32]) {
        self.signals = signals
        for number in signals {
            signal(number, SIG_IGN)  // delivered to the dispatch source instead
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                lock.lock()
                let first = received == nil
                if first { received = number }
                let handler = first ? self.handler : nil
                lock.unlock()
                handler?()
            }
            source.resume()
            sources.append(source)
        }
    }

    /// What the first signal does; runs now if one has come already.
    func onSignal(_ handler: @escaping @Sendable () -> Void) {
        lock.lock()
        self.handler = handler
        let came = received != nil
        lock.unlock()
        if came { handler() }
    }

    /// Stops catching the signals; re-raises the one that came, if any.
    func finish() {
        for source in sources { source.cancel() }
        sources = []
        for number in signals { signal(number, SIG_DFL) }
        lock.lock()
        let number = received
        lock.unlock()
        guard let number else { return }
        // This thread may block the signal (a dispatch or concurrency thread): unblock it, then raise it.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, number)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        raise(number)
    }
}
