// swift-tools-version: 6.0
import PackageDescription

// Module graph (arrows point at what a module imports; nothing imports upward):
//   pyinspect (CLI) -> HeapRendering -> HeapModel
//                   -> PyHeapReader  -> CPythonLayouts, RemoteMemory, HeapIndex -> HeapModel, HeapGraph -> CPrefetch  (never sees a pid)
//                                    -> TraverseEmulation -> CTraverseEmulator -> libunicorn
//                   -> LinuxTarget   -> RemoteMemory, CPyInspectShims -> CElf, CUnwindPtrace
//                   -> SnapshotStore -> HeapModel, CSQLite, OutputFiles
//                   -> OutputFiles   -> CFileShims
let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "pyinspect",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pyinspect", targets: ["pyinspect"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.7.0"),  // 1.7: Stat (lstat, fstat)
    ],
    targets: [
        .systemLibrary(name: "CElf", pkgConfig: "libelf", providers: [.apt(["libelf-dev"])]),
        .systemLibrary(name: "CUnwindPtrace", pkgConfig: "libunwind-ptrace", providers: [.apt(["libunwind-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(
            name: "CPyInspectShims",
            dependencies: ["CElf", "CUnwindPtrace"],
            cSettings: [.define("_GNU_SOURCE")],
            // Debian 12's libunwind-ptrace.so uses liblzma without a DT_NEEDED entry for it.
            linkerSettings: [.linkedLibrary("lzma")]
        ),
        // A cache-prefetch hint for the hot loops over large tables.
        .target(name: "CPrefetch"),
        .target(name: "RemoteMemory", swiftSettings: strictSwift),
        .target(
            name: "LinuxTarget",
            dependencies: ["RemoteMemory", "CPyInspectShims", "CElf", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strictSwift
        ),
        .target(name: "CPythonLayouts", swiftSettings: strictSwift),
        .target(name: "HeapModel", swiftSettings: strictSwift),
        // The object graph and the collector's reachability analysis: pure, no memory access.
        .target(name: "HeapGraph", dependencies: ["CPrefetch"], swiftSettings: strictSwift),
        // A type's own tp_traverse run in a CPU emulator (libunicorn) over the sealed copy.
        // Linked statically: the shared library (19 MB) costs every start of pyinspect 10 ms of symbol binding.
        .target(name: "CTraverseEmulator", linkerSettings: [.linkedLibrary(":libunicorn.a"), .linkedLibrary("m"), .linkedLibrary("pthread")]),
        .target(name: "TraverseEmulation", dependencies: ["CTraverseEmulator", "RemoteMemory"], swiftSettings: strictSwift),
        .target(name: "PyHeapReader", dependencies: ["RemoteMemory", "CPythonLayouts", "HeapModel", "HeapGraph", "HeapIndex", "TraverseEmulation"],
                swiftSettings: strictSwift),
        // The heap index as queries: retainer paths, shapes, dominators and retained sizes, for a live read or a snapshot.
        .target(name: "HeapIndex", dependencies: ["HeapGraph", "HeapModel"], swiftSettings: strictSwift),
        .target(name: "HeapRendering", dependencies: ["HeapModel"], swiftSettings: strictSwift),
        // Linux file calls Swift's Glibc module does not declare (renameat2).
        .target(name: "CFileShims", cSettings: [.define("_GNU_SOURCE")]),
        // Where an output file goes (lstat, symlinks followed with care) and how it gets there without
        // replacing a device, FIFO or link: temporary file and rename, or streamed to the node.
        .target(name: "OutputFiles", dependencies: ["CFileShims", .product(name: "SystemPackage", package: "swift-system")],
                swiftSettings: strictSwift),
        // The snapshot file: a versioned SQLite schema, written atomically, read back and validated.
        .target(name: "SnapshotStore", dependencies: ["CSQLite", "HeapModel", "OutputFiles"], swiftSettings: strictSwift),
        .executableTarget(
            name: "pyinspect",
            dependencies: [
                "LinuxTarget", "PyHeapReader", "HeapRendering", "HeapModel", "HeapGraph", "HeapIndex", "RemoteMemory", "CPythonLayouts", "SnapshotStore",
                "OutputFiles", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(name: "RemoteMemoryTests", dependencies: ["RemoteMemory"]),
        .testTarget(name: "LinuxTargetTests", dependencies: ["LinuxTarget", "RemoteMemory"]),
        .testTarget(name: "CPythonLayoutsTests", dependencies: ["CPythonLayouts"]),
        .testTarget(name: "PyHeapReaderTests", dependencies: ["PyHeapReader", "RemoteMemory", "CPythonLayouts", "HeapModel"]),
        .testTarget(name: "HeapRenderingTests", dependencies: ["HeapRendering", "HeapModel"]),
        .testTarget(name: "HeapGraphTests", dependencies: ["HeapGraph"]),
        .testTarget(name: "TraverseEmulationTests", dependencies: ["TraverseEmulation", "RemoteMemory"], exclude: ["traverse.s"]),
        .testTarget(name: "SnapshotStoreTests", dependencies: ["SnapshotStore", "HeapModel"]),
        .testTarget(name: "OutputFilesTests", dependencies: ["OutputFiles", .product(name: "SystemPackage", package: "swift-system")]),
        // Starts real interpreters with the scripts in Tests/IntegrationTests/Targets and runs the built CLI;
        // ThreadStacksTests also run the reader itself on a copy of a live target (`@testable import PyHeapReader`).
        .testTarget(name: "IntegrationTests", dependencies: ["PyHeapReader", "LinuxTarget", "RemoteMemory", "CPythonLayouts", "HeapModel"],
                    exclude: ["Targets", "requirements-libraries.txt"]),
    ],
    swiftLanguageModes: [.v6]
)
