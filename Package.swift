// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "refundwatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "refundwatch", targets: ["refundwatch"]),
        .executable(name: "refundwatch-bench", targets: ["refundwatch-bench"]),
        .library(name: "RefundKit", targets: ["RefundKit"]),
        .library(name: "RefundSimulator", targets: ["RefundSimulator"]),
        .library(name: "RefundStore", targets: ["RefundStore"]),
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
    ],
    targets: [
        .target(
            name: "RefundKit",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "RefundSimulator",
            dependencies: [
                "RefundKit",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .target(
            name: "RefundStore",
            dependencies: [
                "RefundKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
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
                "RefundKit",
                "RefundStore",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .target(
            name: "CursesTerminal",
            dependencies: ["DashboardCore", "CNCurses"]
        ),
        .executableTarget(
            name: "refundwatch",
            dependencies: [
                "RefundKit",
                "RefundStore",
                "DashboardCore",
                "CursesTerminal",
                "RefundSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "refundwatch-bench",
            dependencies: [
                // Built with it, so that `swift run -c release refundwatch-bench` finds the dashboard
                // binary beside itself for the start-up and idle scenarios.
                "refundwatch",
                "RefundKit",
                "RefundStore",
                "RefundSimulator",
                "DashboardCore",
                "CursesTerminal",
                // `team`: PostgreSQL on a private server, as the tests run it.
                "TestPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Test helpers: regular targets, so that several test targets can share them.
        // Reports built in code and `moment()`; RefundKit only.
        .target(
            name: "TestReports",
            dependencies: ["RefundKit"],
            path: "Tests/TestReports"
        ),
        // A private PostgreSQL server in a temporary folder (initdb, pg_ctl), and `Spawn` that runs
        // helper programs: for the tests and the bench's `team` scenario; Foundation only.
        .target(
            name: "TestPostgres",
            path: "Tests/TestPostgres"
        ),
        // A simulator harness, the response fixtures, and runners for the built binary and helper programs.
        .target(
            name: "TestSupport",
            dependencies: ["RefundKit", "RefundSimulator", "TestPostgres"],
            path: "Tests/TestSupport",
            resources: [.copy("Fixtures")]
        ),

        .testTarget(
            name: "RefundKitTests",
            dependencies: ["RefundKit", "RefundSimulator", "TestSupport", "TestReports"]
        ),
        .testTarget(
            name: "RefundStoreTests",
            dependencies: [
                "RefundKit", "RefundStore", "TestSupport", "TestReports",
                // The dashboard's order in Swift, which `firstPage` must match in SQL.
                "DashboardCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "SimulatorTests",
            dependencies: ["RefundSimulator", "RefundKit"]
        ),
        // The dashboard as values: no simulator, no network, no binary.
        .testTarget(
            name: "DashboardCoreTests",
            dependencies: ["DashboardCore", "RefundKit", "RefundStore", "TestReports"]
        ),
        // The built binary, the simulator over loopback, rendered screens and tmux.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                // Not imported: depending on the executable target makes `swift build --build-tests`
                // build the binary that CLIRunner runs.
                "refundwatch",
                "DashboardCore", "RefundKit", "RefundStore", "RefundSimulator", "TestSupport",
            ],
            exclude: ["Snapshots"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
