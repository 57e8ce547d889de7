// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "AnomalyKit",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "AnomalyKit", targets: ["AnomalyKit"]),
        .library(name: "AnomalyTransfer", targets: ["AnomalyTransfer"]),
        .library(name: "AnomalyMeta", targets: ["AnomalyMeta"]),
        .library(name: "AnomalyMath", targets: ["AnomalyMath"]),
        .library(name: "AnomalyNN", targets: ["AnomalyNN"]),
        .library(name: "AnomalyText", targets: ["AnomalyText"]),
        .executable(name: "anomalykit", targets: ["anomalykit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(
            name: "AnomalyMath",
            dependencies: [.target(name: "CBLAS", condition: .when(platforms: [.linux]))]
        ),
        .target(name: "AnomalyNN", dependencies: ["AnomalyMath"]),
        .target(
            name: "AnomalyKit",
            dependencies: ["AnomalyMath", "AnomalyNN", "ZIPFoundation"]
        ),
        .target(name: "CVectorKernels"),
        .target(
            name: "AnomalyText",
            dependencies: ["AnomalyKit", "AnomalyMath", "CVectorKernels", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "AnomalyTransfer", dependencies: ["AnomalyKit", "AnomalyNN"]),
        .target(name: "AnomalyMeta", dependencies: ["AnomalyKit", "AnomalyTransfer", "AnomalyNN"]),
        .target(
            name: "AnomalyCLI",
            dependencies: [
                "AnomalyKit",
                "AnomalyTransfer",
                "AnomalyMeta",
                "AnomalyNN",
                "AnomalyText",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "anomalykit", dependencies: ["AnomalyCLI"]),
        .target(name: "MathTestSupport", dependencies: ["AnomalyMath", "AnomalyNN"], path: "Tests/MathTestSupport"),
        .target(name: "TestSupport", dependencies: ["AnomalyKit", "MathTestSupport"], path: "Tests/TestSupport"),
        .testTarget(name: "AnomalyMathTests", dependencies: ["AnomalyMath", "MathTestSupport"]),
        .testTarget(name: "AnomalyNNTests", dependencies: ["AnomalyNN", "MathTestSupport"]),
        .testTarget(
            name: "AnomalyKitTests",
            dependencies: ["AnomalyKit", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "AnomalyTextTests",
            dependencies: ["AnomalyText", "TestSupport", "CVectorKernels"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "AnomalyTransferTests", dependencies: ["AnomalyTransfer", "TestSupport"]),
        .testTarget(name: "AnomalyMetaTests", dependencies: ["AnomalyMeta", "TestSupport"]),
        .testTarget(name: "AnomalyCLITests", dependencies: ["AnomalyCLI", "TestSupport"]),
    ]
)
