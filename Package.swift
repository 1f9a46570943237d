// swift-tools-version:6.0
import PackageDescription

let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
]

let package = Package(
    name: "policy-ledger",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ledgerd", targets: ["ledgerd"]),
        .executable(name: "ledgerctl", targets: ["ledgerctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        /// LMDB from the system (Debian `liblmdb-dev`), found through pkg-config.
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        /// Typed LMDB: environment, transactions, databases, cursors. Knows nothing of policy.
        .target(name: "LedgerStore", dependencies: ["CLMDB"]),
        /// Pure domain: JSON and JCS, events, the catalogue, validation, views, Merkle hashing. No I/O.
        .target(name: "LedgerDomain", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        /// The ledger: durable group commit of validated events into the store, reads and projections.
        .target(
            name: "LedgerEngine",
            dependencies: [
                "LedgerDomain", "LedgerStore", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        /// Transport: HTTP/1.1 over a Unix socket, routes, problem+json, configuration, the daemon service.
        .target(
            name: "LedgerServer",
            dependencies: [
                "LedgerEngine",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ] + nio
        ),
        /// A small blocking HTTP/1.1 client over a Unix socket, used by `ledgerctl`, tests and the benchmark.
        .target(name: "LedgerClient", dependencies: ["LedgerDomain"]),
        .executableTarget(
            name: "ledgerd",
            dependencies: ["LedgerServer", "LedgerDomain", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "ledgerctl",
            dependencies: [
                "LedgerClient", "LedgerDomain", "LedgerEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "ledger-bench",
            dependencies: [
                "LedgerClient", "LedgerStore", "LedgerDomain", "LedgerEngine",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "LedgerDomainTests", dependencies: ["LedgerDomain"]),
        .testTarget(name: "LedgerStoreTests", dependencies: ["LedgerStore", "LedgerEngine", "LedgerDomain"]),
        .testTarget(name: "LedgerServerTests", dependencies: ["LedgerServer"]),
        .testTarget(name: "EndToEndTests", dependencies: [
                "LedgerClient", "LedgerDomain", "LedgerEngine", "LedgerStore",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
    ]
)
