// swift-tools-version:6.1
import PackageDescription

// Built and tested on Linux (Debian 12, Swift 6.3) only, so no platform is declared: ncurses,
// Glibc and the terminal facts the dashboard relies on are checked there.
let package = Package(
    name: "refundwatch",
    products: [
        .executable(name: "refundwatch", targets: ["refundwatch"]),
        .executable(name: "refundwatch-bench", targets: ["refundwatch-bench"]),
        .library(name: "RefundKit", targets: ["RefundKit"]),
        .library(name: "RefundSimulator", targets: ["RefundSimulator"]),
        .library(name: "WatchlistModel", targets: ["WatchlistModel"]),
        .library(name: "RefundStore", targets: ["RefundStore"]),
        .library(name: "RefundJobs", targets: ["RefundJobs"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Tests only: TestClock, so that what waits (the request budget, token lifetimes, poller
        // heartbeats and leases) is stepped by the test instead of raced against real time.
        .package(url: "https://github.com/pointfreeco/swift-clocks", from: "1.1.1"),
        // Tests and the bench: starting programs and waiting for them.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    ],
    targets: [
        // The domain model: orders, transactions, refunds, money, statuses, the joined report and
        // its summary, errors. Foundation only, so that the dashboard's core builds without an
        // HTTP client or TLS.
        .target(name: "RefundModel"),
        // The Kaleyra and PayU clients, their join, configuration; re-exports RefundModel.
        .target(
            name: "RefundKit",
            dependencies: [
                "RefundModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "RefundSimulator",
            dependencies: [
                "RefundKit",
                // The webhook receiver checks refundwatch's HMAC-SHA256 signatures.
                .product(name: "Crypto", package: "swift-crypto"),
                // The pushes to `refundwatch listen` (`simulate --webhook`).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The values the store, the jobs and the dashboard share, and the store's interface: no
        // database driver, so that the dashboard's core builds without one.
        .target(
            name: "WatchlistModel",
            dependencies: ["RefundModel"]
        ),
        // The store's two backends: SQLite (GRDB) and PostgreSQL (PostgresNIO).
        .target(
            name: "RefundStore",
            dependencies: [
                "RefundKit",
                "WatchlistModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                // NIOConnectionError: how a TCP connection to PostgreSQL failed, attempt by attempt.
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What runs without a screen: the refresher, the poll cycle and the poller, export files,
        // the demo watchlist; one shutdown path (ServiceLifecycle).
        .target(
            name: "RefundJobs",
            dependencies: [
                "RefundKit",
                "WatchlistModel",
                "RefundStore",
                // The demo watchlist is picked from the simulator's catalogue.
                "RefundSimulator",
                // Alert delivery: the webhook's POST and its HMAC-SHA256 signature.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .systemLibrary(
            name: "CNCurses",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncurses-dev"])]
        ),
        .target(
            name: "DashboardCore",
            dependencies: [
                "RefundModel",
                "WatchlistModel",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .target(
            name: "CursesTerminal",
            dependencies: ["DashboardCore", "RefundModel", "CNCurses"]
        ),
        .executableTarget(
            name: "refundwatch",
            dependencies: [
                "RefundKit",
                "WatchlistModel",
                "RefundStore",
                "RefundJobs",
                "DashboardCore",
                "CursesTerminal",
                "RefundSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // `listen`: the receiver of Kaleyra's and PayU's pushes.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                // `listen` with a certificate of its own ([listen] tls_certificate, tls_key).
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .executableTarget(
            name: "refundwatch-bench",
            dependencies: [
                // Built with it, so that `swift run -c release refundwatch-bench` finds the dashboard
                // binary beside itself for the start-up and idle scenarios.
                "refundwatch",
                "RefundKit",
                "WatchlistModel",
                "RefundStore",
                "RefundJobs",
                "RefundSimulator",
                "DashboardCore",
                "CursesTerminal",
                // `team`: PostgreSQL on a private server, as the tests run it.
                "TestPostgres",
                // The dashboard in a pseudo-terminal, curl, pollers: started as the tests start programs.
                "ProcessRunner",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // `listen`: keep-alive clients posting pushes, and the store's count read directly.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                // `alerts`: a logger that discards.
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Test helpers: regular targets, so that several test targets can share them.
        // Reports built in code and `moment()`; RefundKit only.
        .target(
            name: "TestReports",
            dependencies: ["RefundModel"],
            path: "Tests/TestReports"
        ),
        // Runs programs (the built binary, tmux, initdb, pg_ctl, psql, curl) on swift-subprocess, each
        // run with a timeout: for the tests and the bench.
        .target(
            name: "ProcessRunner",
            dependencies: [.product(name: "Subprocess", package: "swift-subprocess")],
            path: "Tests/ProcessRunner"
        ),
        // A private PostgreSQL server in a temporary folder (initdb, pg_ctl): for the tests and the
        // bench's `team` scenario.
        .target(
            name: "TestPostgres",
            dependencies: ["ProcessRunner"],
            path: "Tests/TestPostgres"
        ),
        // A simulator harness, the response fixtures, a runner for the built binary, waits that fail,
        // and waits for tests that move a clock of their own.
        .target(
            name: "TestSupport",
            dependencies: [
                "RefundKit", "RefundSimulator", "TestPostgres", "ProcessRunner",
                .product(name: "Clocks", package: "swift-clocks"),
            ],
            path: "Tests/TestSupport",
            resources: [.copy("Fixtures")]
        ),

        .testTarget(
            name: "RefundKitTests",
            dependencies: [
                "RefundKit", "RefundModel", "RefundSimulator", "TestSupport", "TestReports",
                .product(name: "Clocks", package: "swift-clocks"),
            ]
        ),
        .testTarget(
            name: "RefundStoreTests",
            dependencies: [
                "RefundKit", "WatchlistModel", "RefundStore", "TestSupport", "TestReports",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Clocks", package: "swift-clocks"),
            ]
        ),
        .testTarget(
            name: "SimulatorTests",
            dependencies: ["RefundSimulator", "RefundKit", "ProcessRunner", "TestSupport", .product(name: "Clocks", package: "swift-clocks")]
        ),
        // The model's values: the poll schedule kept order by order against PollPlan, seeded.
        .testTarget(
            name: "WatchlistModelTests",
            dependencies: ["WatchlistModel", "RefundModel", "TestReports"]
        ),
        // The jobs in-process: the poller, its claims and its shutdown on a test clock, against the
        // simulator over loopback; export files; the overview report as HTML, drawn by Chromium.
        .testTarget(
            name: "RefundJobsTests",
            dependencies: [
                "RefundJobs", "RefundKit", "RefundModel", "WatchlistModel", "RefundStore", "RefundSimulator", "TestSupport", "TestReports",
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            // The overview report as recorded (text, JSON, CSV, HTML), and pushes shaped as the
            // vendors publish them, read by path from the tests' folder.
            exclude: ["Reports", "Pushes"]
        ),
        // The curses backend in-process, on files instead of a terminal.
        .testTarget(
            name: "CursesTerminalTests",
            dependencies: ["CursesTerminal", "CNCurses", "DashboardCore"]
        ),
        // The dashboard as values: no simulator, no network, no binary.
        .testTarget(
            name: "DashboardCoreTests",
            dependencies: ["DashboardCore", "RefundModel", "WatchlistModel", "TestReports"]
        ),
        // The built binary, the simulator over loopback, rendered screens and tmux.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                // Not imported: depending on the executable target makes `swift build --build-tests`
                // build the binary that CLIRunner runs.
                "refundwatch",
                "DashboardCore", "RefundKit", "RefundModel", "WatchlistModel", "RefundStore", "RefundJobs", "RefundSimulator", "TestSupport",
                "ProcessRunner",
                // `listen` over TLS: a client that trusts the test's certificate.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["Snapshots"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
