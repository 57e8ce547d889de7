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
        .library(name: "AnomalyImage", targets: ["AnomalyImage"]),
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
        // PNG (libpng), JPEG (libjpeg-turbo) and gzip (zlib) decoding behind a small C API that
        // turns the libraries' longjmp errors into messages (Debian: libpng-dev libjpeg-dev zlib1g-dev).
        .target(
            name: "CImageCodecs",
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("z")]
        ),
        // What every pretrained encoder shares: the model cache, memory-mapped safetensors, digests.
        .target(
            name: "AnomalyEncoding",
            dependencies: ["AnomalyKit", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "AnomalyText",
            dependencies: ["AnomalyKit", "AnomalyMath", "AnomalyEncoding", "CVectorKernels"]
        ),
        .target(
            name: "AnomalyImage",
            dependencies: ["AnomalyKit", "AnomalyMath", "AnomalyEncoding", "CImageCodecs", "CVectorKernels"]
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
                "AnomalyImage",
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
            dependencies: ["AnomalyText", "AnomalyEncoding", "TestSupport", "CVectorKernels"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "AnomalyImageTests",
            dependencies: ["AnomalyImage", "TestSupport", "CVectorKernels"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "AnomalyTransferTests", dependencies: ["AnomalyTransfer", "TestSupport"]),
        .testTarget(name: "AnomalyMetaTests", dependencies: ["AnomalyMeta", "TestSupport"]),
        .testTarget(name: "AnomalyCLITests", dependencies: ["AnomalyCLI", "TestSupport"]),
    ]
)
